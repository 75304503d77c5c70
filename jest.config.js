/** Tests run against the compiled tree (`npm test` builds first): the Pulumi
 * dynamic-provider host and the plugin are separate Node processes that load
 * dist/, so every tier exercises the same JavaScript. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist'],
  testMatch: ['**/*.test.js'],
  testTimeout: 60000,
  maxWorkers: 2,
  globalSetup: '<rootDir>/dist/test/support/globalSetup.js',
  globalTeardown: '<rootDir>/dist/test/support/globalTeardown.js',
};
