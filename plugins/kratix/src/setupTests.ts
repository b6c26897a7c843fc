import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Whole pages render in a Backstage test app on a shared, slow CI machine:
// the first find of a page once took longer than Testing Library's 1 s
// default, though the page came. A missing element still fails, later.
jest.setTimeout(30_000);
configure({ asyncUtilTimeout: 10_000 });
