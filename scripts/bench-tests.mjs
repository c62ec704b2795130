#!/usr/bin/env node
// node scripts/bench-tests.mjs: the wall time of `npm test` on this machine, measured from outside
// (no test times itself), and whether the suite stays green beside two CPU-bound processes.
//   BENCH_RUNS=n      plain runs (default 1); the median is printed
//   BENCH_BURNERS=0   skip the run beside the two busy loops
//   further arguments go to jest (a test file, to try the script on a part of the suite)
// Each run is `npm test` as a user types it, with jest's JSON results written to a temporary file
// to count the tests and name the failing files. On Linux it also prints the CPU time the run used
// (user + system of every process it started, from /proc/self/stat), which another load on the
// machine changes far less than the wall time. The busy loops are started by this script and
// ended by their process IDs. Exits 1 when a run has a failing test.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { childrenCpuSeconds } from "./cpu-time.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const WITH_BURNERS = process.env.BENCH_BURNERS !== "0";
const scratch = mkdtempSync(join(os.tmpdir(), "orders-bench-tests-"));

/** One `npm test`: wall seconds, test counts, and the load average when it started. */
function npmTest(label) {
  const results = join(scratch, `${label.replace(/\W+/g, "-")}.json`);
  const load = os.loadavg()[0];
  const cpuBefore = childrenCpuSeconds();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["test", "--", "--json", `--outputFile=${results}`, ...process.argv.slice(2)], {
      cwd: root,
      stdio: ["ignore", "ignore", "ignore"],
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuAfter = childrenCpuSeconds();
      const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      let counts = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTotalTestSuites: 0, testResults: [] };
      try {
        counts = JSON.parse(readFileSync(results, "utf8"));
      } catch {
        // No results file: jest did not finish; the exit code says so.
      }
      const failing = counts.testResults
        .filter((file) => file.status === "failed")
        .map((file) => file.name.slice(root.length + 1));
      resolve({ label, code, seconds, cpu, load, failing, ...counts });
    });
  });
}

function report(run) {
  const cpu = run.cpu === undefined ? "" : `, ${run.cpu.toFixed(1)} s of CPU`;
  const line =
    `${run.label}: ${run.seconds.toFixed(1)} s${cpu}, exit ${run.code}, ${run.numPassedTests} passed, ` +
    `${run.numFailedTests} failed, ${run.numPendingTests} skipped in ${run.numTotalTestSuites} files ` +
    `(load average ${run.load.toFixed(2)} at start, ${os.availableParallelism()} CPUs)`;
  process.stdout.write(`${line}\n`);
  for (const file of run.failing) process.stdout.write(`  failing: ${file}\n`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const runs = [];
try {
  for (let i = 1; i <= RUNS; i++) {
    const run = await npmTest(`npm test, run ${i} of ${RUNS}`);
    report(run);
    runs.push(run);
  }
  if (RUNS > 1)
    process.stdout.write(`npm test, median of ${RUNS}: ${median(runs.map((r) => r.seconds)).toFixed(1)} s\n`);
  if (WITH_BURNERS) {
    const burners = [0, 1].map(() => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
    try {
      const run = await npmTest("npm test beside two CPU-bound processes");
      report(run);
      runs.push(run);
    } finally {
      for (const burner of burners) process.kill(burner.pid, "SIGKILL");
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exitCode = runs.every((r) => r.code === 0 && r.numFailedTests === 0) ? 0 : 1;
