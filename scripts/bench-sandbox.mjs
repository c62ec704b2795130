#!/usr/bin/env node
// How long the sandbox takes to start and how long its end-to-end test runs, several runs each
// (median and spread). Called by scripts/bench.mjs; runnable alone after a build:
//   node scripts/bench-sandbox.mjs [result.json]
// BENCH_RUNS sets the runs per measurement (default 5; the test suite runs at most 3 times).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const log = (text) => process.stderr.write(`${text}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (times) => ({ times, median: median(times), min: Math.min(...times), max: Math.max(...times) });

/** Starts `command args` in its own process group, times the line "ready", then stops it with SIGINT. */
function timeToReady(command, args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    let err = "";
    let seconds;
    child.stdout.on("data", (d) => {
      out += d;
      if (seconds === undefined && /^ready$/m.test(out)) {
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.kill(-child.pid, "SIGINT");
      }
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      if (seconds === undefined || code !== 0) reject(new Error(`sandbox failed (exit ${code}):\n${out}\n${err}`));
      else resolve(seconds);
    });
  });
}

async function measureReady(label, command, args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    times.push(await timeToReady(command, args));
    log(`  ${label} run ${i + 1}/${runs}: ${times[i].toFixed(2)} s`);
  }
  return { label, ...summary(times) };
}

function measureTest(file, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "--silent", file], {
      cwd: root,
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      encoding: "utf8",
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (result.status !== 0) throw new Error(`${file} failed:\n${result.stdout}\n${result.stderr}`);
    log(`  jest ${file} run ${i + 1}/${runs}: ${times[i].toFixed(2)} s`);
  }
  return { label: `jest ${file}`, ...summary(times) };
}

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), "orders-bench-sandbox-"));
  const outputs = join(dir, "outputs.local.json");
  try {
    log("sandbox: start to ready");
    const built = await measureReady(
      "node dist/local/sandbox.js (after synth)",
      process.execPath,
      ["dist/local/sandbox.js", "--outputs-file", outputs],
      RUNS,
    );
    const npmRun = await measureReady(
      "npm run sandbox (build + synth + start)",
      "npm",
      ["run", "--silent", "sandbox", "--", "--outputs-file", outputs],
      Math.min(RUNS, 3),
    );
    log("sandbox: end-to-end test");
    const e2e = measureTest("__tests__/sandbox.e2e.test.ts", Math.min(RUNS, 3));
    const result = { cpus: os.cpus().length, node: process.version, ready: [built, npmRun], e2e };
    const text = JSON.stringify(result, null, 2);
    if (process.argv[2]) writeFileSync(process.argv[2], text);
    process.stdout.write(
      [
        `| Measure | Median (s) | Min-max (s) | Runs |`,
        `|---|---|---|---|`,
        ...[built, npmRun, e2e].map(
          (m) =>
            `| ${m.label} | ${m.median.toFixed(2)} | ${m.min.toFixed(2)}-${m.max.toFixed(2)} | ${m.times.length} |`,
        ),
        "",
      ].join("\n"),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
