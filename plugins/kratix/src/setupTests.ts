import '@testing-library/jest-dom';

// Whole pages render in a Backstage test app on a shared, slow CI machine.
jest.setTimeout(30_000);
