#!/usr/bin/env node
// npm run mutate: Stryker mutates functions/ and runs the tests that exercise the TypeScript
// source (not the built bundle, not the 10,000-record load test: they run the same code).
// Jest cannot stop at the first failing test, so every mutant costs a run of every test that
// covers it; to keep that affordable the work is split in two parts, each with the tests that
// can tell its mutants apart:
//   - the order contract (every functions/ file but the handlers): contract and unit tests;
//   - the handlers (functions/*/index.ts): those plus the fault-injection suite.
// Prints each part's counts, the surviving mutants and the overall score. Results are kept in
// reports/ so a rerun tests only what changed; MUTATE_FORCE=1 tests everything again.
// Surviving mutants and why each is equivalent: docs/mutation-testing.md.
import { createRequire } from "node:module";
import { Stryker } from "@stryker-mutator/core";

const require = createRequire(import.meta.url);
const jest = require("../jest.config.js");
const force = process.env.MUTATE_FORCE === "1";

const PARTS = [
  {
    name: "order contract",
    mutate: ["functions/**/*.ts", "!functions/*/index.ts"],
    tests: ["order-limits", "process-order"],
  },
  {
    name: "handler",
    mutate: ["functions/*/index.ts"],
    tests: ["order-limits", "process-order", "process-order-faults"],
  },
];

/** Stryker's score: killed (or timed out) over every mutant a test could have killed. */
const score = (c) => (100 * (c.killed + c.timeout)) / (c.killed + c.timeout + c.survived + c.noCoverage || 1);

async function runPart(part, index) {
  const stryker = new Stryker({
    mutate: part.mutate,
    testRunner: "jest",
    jest: {
      projectType: "custom",
      config: {
        ...jest,
        // `npm run mutate` builds once before; the sandbox copies dist/.
        globalSetup: undefined,
        testMatch: part.tests.map((name) => `**/${name}.test.ts`),
      },
      enableFindRelatedTests: false,
    },
    coverageAnalysis: "perTest",
    checkers: [],
    // Most of the fault suite waits on timeouts, not on the CPU.
    concurrency: 4,
    // The fault tests wait on real timeouts (up to ~5 s); a mutant that hangs is killed by timeout.
    timeoutMS: 30_000,
    reporters: ["progress-append-only"],
    incremental: true,
    incrementalFile: `reports/stryker-incremental-${index}.json`,
    force,
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    logLevel: "warn",
  });
  return stryker.runMutationTest();
}

const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 };
const survivors = [];
for (const [index, part] of PARTS.entries()) {
  const results = await runPart(part, index);
  const counts = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, other: 0 };
  for (const mutant of results) {
    const key =
      { Killed: "killed", Timeout: "timeout", Survived: "survived", NoCoverage: "noCoverage" }[mutant.status] ??
      "other";
    counts[key]++;
    total[key]++;
    if (mutant.status === "Survived" || mutant.status === "NoCoverage") {
      survivors.push(
        `${mutant.fileName}:${mutant.location.start.line} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement)} (${mutant.status})`,
      );
    }
  }
  process.stdout.write(
    `${part.name}: ${results.length} mutants, ${counts.killed} killed, ${counts.timeout} timed out, ` +
      `${counts.survived} survived, ${counts.noCoverage} not covered, ${counts.other} errors; score ${score(counts).toFixed(1)}%\n`,
  );
}
process.stdout.write(`${survivors.length ? `\nSurviving mutants:\n${survivors.join("\n")}\n` : ""}`);
process.stdout.write(`\nmutation score: ${score(total).toFixed(1)}%\n`);
