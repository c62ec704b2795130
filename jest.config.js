/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Transpile only (no type check per file): `npm run typecheck` checks types once.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  // Builds the function bundle the stacks ship (and one suite runs) before any test.
  globalSetup: "<rootDir>/__tests__/support/global-setup.js",
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
  testTimeout: 30000,
  // Most suites wait (on real timeouts, servers, child processes) rather than compute, so more workers
  // than cores: on 2 cores, 3 workers take the suite from about 130 s (jest's default, 1 worker) to 60 s.
  maxWorkers: "150%",
  reporters: ["default", "<rootDir>/__tests__/support/summary-reporter.js"],
};
