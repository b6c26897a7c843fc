/*
 * The bench lives outside src/, which Backstage's Jest config takes as its
 * root (so `--testMatch` alone finds nothing), and it needs nothing of that
 * config but the TypeScript transform. Kept out of src/ so `yarn test` does
 * not run a minute-long benchmark.
 */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.bench.ts'],
  transform: {
    '\\.ts$': [
      require.resolve('@backstage/cli/config/jestSwcTransform'),
      { jsc: { parser: { syntax: 'typescript' } } },
    ],
  },
};
