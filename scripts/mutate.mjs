#!/usr/bin/env node
// npm run mutate: Stryker mutates the project's code, one part (folder) at a time, and runs the
// tests that can tell each part's mutants apart. Jest cannot stop at the first failing test, so
// every mutant costs a run of every test that covers it; each part lists only its own tests.
//
//   MUTATE_PARTS=ops,local npm run mutate     only these parts (names below); default: all
//   MUTATE_FORCE=1 npm run mutate             test every mutant again (else reports/ keeps results)
//   MUTATE_ONLY=cli/lock.ts npm run mutate    only the files (globs, comma-separated) of the parts chosen
//
// Parts: the order contract (contract/), the handler (functions/*/index.ts), constructs/,
// configuration (config/), the operator commands (ops/ and their cli/ support), the commands' options and AWS
// clients (cli/aws.ts, cli/cli.ts) and local/.
// Only tests that run the code in jest's own process count: per-test coverage cannot see a built
// command or the built function run as a child process (bad-input, cli-input, ops-http-failures,
// ops-silent-endpoint), so a mutant only they reach is reported "not covered";
// docs/mutation-testing.md names the child-process test that covers each. Static mutants (module-
// level code: option tables, help texts, defaults, the order schema) run every test of their part.
// Prints each part's counts, score and minutes, the surviving mutants and the overall score.
import { createRequire } from "node:module";
import { URL, fileURLToPath } from "node:url";
import { Stryker } from "@stryker-mutator/core";

const require = createRequire(import.meta.url);
const jest = require("../jest.config.js");
const force = process.env.MUTATE_FORCE === "1";

/**
 * The operator commands' tests whose AWS answers at once (in memory, or stand-ins on 127.0.0.1): the ops part's
 * with two more, the cli part's alone.
 */
const COMMAND_TESTS = [
  "common",
  "cli-options",
  "cli-aws-errors",
  "ops-publish",
  "ops-smoke",
  "ops-status",
  "ops-dlq-options",
  "ops-dlq-answers",
  "lock",
  "publish-input",
  "target",
];

/** Each part: the files mutated, and the test files (names under __tests__/) that judge them. */
const PARTS = [
  {
    name: "contract",
    mutate: ["contract/**/*.ts", "!contract/samples.ts"],
    // contract-metrics and sandbox-metrics read the function's metrics documents with contract/metrics.ts.
    // process-order-metrics checks the latency the handler derives from the SNS Timestamp parse reads.
    tests: ["order-limits", "process-order", "process-order-metrics", "contract-metrics", "sandbox-metrics"],
  },
  {
    name: "handler",
    mutate: ["functions/*/index.ts"],
    tests: ["order-limits", "process-order", "process-order-metrics", "process-order-faults"],
    // The fault tests wait on real timeouts (up to ~5 s); a mutant that hangs is killed by timeout.
    timeoutMS: 30_000,
  },
  {
    name: "constructs",
    mutate: ["constructs/**/*.ts", "!constructs/index.ts"],
    tests: [
      "arns",
      "defaults",
      "policy-document",
      "validation",
      "queue-with-dlq",
      "fanout-topic",
      "orders-table",
      "sqs-lambda",
      "pipeline-alarms",
      "pipeline-dashboard",
      "saved-queries",
      "key-administrators",
      "pinned-accounts",
      "second-subscriber-example",
      "stack",
      "stack-settings",
      "state-bootstrap",
      "mutation-survivors",
      // Not policy/policy: it judges whole stacks, so every construct mutant would run its 766 tests and
      // its synthesis of three apps (8 s a mutant, hours a run); the constructs' own tests must notice.
    ],
  },
  {
    name: "config",
    mutate: ["config/**/*.ts"],
    // input.test.ts judges config/input.ts, which the commands use too (their tests run them as child processes).
    // pinned-accounts judges the state account rules; stack-settings the Terraform validations settings.ts writes.
    tests: [
      "config",
      "environments",
      "input",
      "bad-config",
      "pinned-accounts",
      "stack-settings",
      "common",
      "cli-options",
      "mutation-survivors",
    ],
  },
  {
    name: "ops",
    mutate: [
      "ops/**/*.ts",
      "cli/**/*.ts",
      "!ops/publish.ts",
      "!ops/smoke.ts",
      "!ops/dlq.ts",
      "!cli/aws.ts",
      "!cli/cli.ts",
    ],
    tests: [...COMMAND_TESTS, "ops-dlq", "ops-shared-files"],
  },
  {
    // Every command's options, errors and AWS clients: every test of the ops part covers them, so they are a
    // part of their own, judged by the tests that stand in for AWS in memory or with stand-ins that answer at
    // once (not ops-dlq's local-aws-sqs queues with their 1.1 s redrive waits, nor ops-shared-files' sandboxes:
    // each would cost every one of these mutants seconds, hours a run).
    name: "cli",
    mutate: ["cli/aws.ts", "cli/cli.ts"],
    tests: COMMAND_TESTS,
  },
  {
    name: "local",
    mutate: ["local/**/*.ts", "!local/cli.ts", "!local/sandbox.ts"],
    // local-run runs `npm run local` and `npm run sandbox` in Jest's process; the other command tests run them as
    // child processes, which per-test coverage cannot see.
    tests: [
      "local-run",
      "local-environment",
      "local-batch-run",
      "local-function-worker",
      "local-servers",
      "local-stack-option",
      "local-event-source",
      "local-filter-policy",
      "sandbox-metrics",
      "stack-manifest",
      "cli-options",
      "ops-shared-files",
      "ops-publish",
    ],
  },
];

/** Stryker's score: killed (or timed out) over every mutant a test could have killed. */
const score = (c) => (100 * (c.killed + c.timeout)) / (c.killed + c.timeout + c.survived + c.noCoverage || 1);

async function runPart(part) {
  const only = process.env.MUTATE_ONLY?.split(",").map((glob) => glob.trim());
  const stryker = new Stryker({
    // MUTATE_ONLY narrows the part to some of its files (the part's exclusions still apply).
    mutate: only ? [...only, ...part.mutate.filter((glob) => glob.startsWith("!"))] : part.mutate,
    testRunner: "jest",
    jest: {
      projectType: "custom",
      config: {
        ...jest,
        // `npm run mutate` builds once before; the sandbox copies dist/. null, not undefined: Stryker passes
        // these options to its workers as JSON and merges them over jest.config.js, so an undefined setup
        // was dropped and the global setup built and synthesized the app before every mutant's run.
        globalSetup: null,
        globalTeardown: null,
        // Counts what a beforeAll hook or a test file's loading runs as covered by the tests it serves.
        testEnvironment: fileURLToPath(new URL("./mutate-environment.js", import.meta.url)),
        testMatch: part.tests.map((name) => `**/__tests__/${name}.test.ts`),
      },
      enableFindRelatedTests: false,
    },
    // dist/ built again in the sandbox from the instrumented sources, once: the built commands the tests run
    // as child processes then switch on each mutant too (Stryker passes the active mutant in the environment).
    buildCommand: "node scripts/build.mjs",
    coverageAnalysis: "perTest",
    // Static mutants (code run when a module loads: the order schema, its patterns) run every test of
    // their part. Skipping them is not safe here: tests that load the handler afresh inside a test
    // make such a mutant look covered by those tests alone, and it survived every check it never met.
    ignoreStatic: false,
    checkers: [],
    // Two cores: more workers only wait for each other.
    concurrency: 2,
    timeoutMS: part.timeoutMS ?? 10_000,
    // event-recorder writes each mutant's result as it is tested (reports/events-<part>/*-onMutantTested.json),
    // so survivors can be read during a run of an hour or more; json writes them all at the end.
    reporters: ["progress-append-only", "json", "event-recorder"],
    jsonReporter: { fileName: `reports/mutation-${part.name}.json` },
    eventReporter: { baseDir: `reports/events-${part.name}` },
    incremental: true,
    incrementalFile: `reports/stryker-incremental-${part.name}.json`,
    force,
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    logLevel: "warn",
  });
  return stryker.runMutationTest();
}

const wanted = process.env.MUTATE_PARTS?.split(",").map((p) => p.trim());
const unknown = (wanted ?? []).filter((name) => !PARTS.some((p) => p.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `MUTATE_PARTS: unknown part ${unknown.join(", ")}; the parts are ${PARTS.map((p) => p.name).join(", ")}\n`,
  );
  process.exit(2);
}

const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, other: 0 };
const survivors = [];
for (const part of PARTS.filter((p) => !wanted || wanted.includes(p.name))) {
  const started = Date.now();
  const results = await runPart(part);
  const counts = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, other: 0 };
  for (const mutant of results) {
    const key =
      { Killed: "killed", Timeout: "timeout", Survived: "survived", NoCoverage: "noCoverage", Ignored: "ignored" }[
        mutant.status
      ] ?? "other";
    counts[key]++;
    total[key]++;
    if (mutant.status === "Survived" || mutant.status === "NoCoverage") {
      survivors.push(
        `${mutant.fileName}:${mutant.location.start.line} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement)} (${mutant.status})`,
      );
    }
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(
    `${part.name}: ${results.length} mutants, ${counts.killed} killed, ${counts.timeout} timed out, ` +
      `${counts.survived} survived, ${counts.noCoverage} not covered, ${counts.ignored} ignored, ` +
      `${counts.other} errors; ` +
      `score ${score(counts).toFixed(1)}% (${minutes} min)\n`,
  );
}
process.stdout.write(`${survivors.length ? `\nSurviving mutants:\n${survivors.join("\n")}\n` : ""}`);
process.stdout.write(`\nmutation score: ${score(total).toFixed(1)}%\n`);
