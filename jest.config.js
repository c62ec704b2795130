const os = require("os");

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Transpile only (no type check per file): `npm run typecheck` checks types once.
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }],
    // fauxqs (the sandbox's SNS and SQS) is an ES module only, which Jest's CommonJS loader cannot load:
    // its files are compiled like ours, so the sandbox and `npm run local` can run in Jest's process.
    "/node_modules/fauxqs/.+\\.js$": ["@swc/jest", { jsc: { target: "es2022" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!fauxqs/)"],
  // Its package.json exports only an "import" entry, which Jest's resolver does not take.
  // The sandbox imports fauxqs's persistence files by file URL, which Jest's require does not read.
  moduleNameMapper: {
    "^fauxqs$": "<rootDir>/node_modules/fauxqs/dist/app.js",
    "^file://.*/node_modules/fauxqs/dist/(.+)$": "<rootDir>/node_modules/fauxqs/dist/$1",
  },
  // Builds dist/ and synthesizes the project once, before any test file (support/global-setup.js).
  globalSetup: "<rootDir>/__tests__/support/global-setup.js",
  globalTeardown: "<rootDir>/__tests__/support/global-teardown.js",
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
  testTimeout: 30000,
  // Many suites wait on sockets, timeouts and child processes rather than on the CPU: two workers
  // per CPU keep the CPUs busy (jest's default, one less than the CPUs, is one worker on 2 CPUs).
  maxWorkers: Math.min(2 * os.availableParallelism(), 8),
  reporters: ["default", "<rootDir>/__tests__/support/summary-reporter.js"],
};
