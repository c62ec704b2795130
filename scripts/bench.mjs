#!/usr/bin/env node
// npm run bench: what a user of this project waits for, measured on this machine and written to
// BENCHMARKS.md with how each figure was taken. No test asserts a time; this script measures.
// Everything but `npm test` runs in a scratch copy of the project (git's files, node_modules
// linked), so its source changes and builds never touch this checkout.
//   1. synth after a source change: cdktf.json's app vs `npx tsx main.ts`, interleaved rounds
//      (plus `npx cdktf synth`, and the esbuild build alone); growth with the number of stacks;
//   2. npm test; 3. the function bundle; 4. handler throughput (scripts/bench-throughput.cjs);
//   5. the sandbox: --help, and start until "ready".
// BENCH_RUNS: rounds per measurement (default 5); BENCH_TEST_RUNS: runs of npm test (default 1).
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { childrenCpuSeconds } from "./cpu-time.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TEST_RUNS = Number(process.env.BENCH_TEST_RUNS ?? 1);
const log = (text) => process.stderr.write(`${text}\n`);
const env = { ...process.env, CHECKPOINT_DISABLE: "1" };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (label, times) => ({
  label,
  times,
  median: median(times),
  min: Math.min(...times),
  max: Math.max(...times),
});
const s2 = (x) => x.toFixed(2);
const spread = (m) =>
  `${s2(m.median)} s (${m.times.length === 1 ? "1 run" : `${s2(m.min)}-${s2(m.max)}, ${m.times.length} runs`})`;

/** Runs `command` through a shell (as npm and cdktf-cli run commands) in `cwd`; its wall time in seconds. */
function timed(label, command, { cwd, extraEnv = {}, mayFail = false }) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, {
    cwd,
    shell: true,
    env: { ...env, ...extraEnv },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0 && !mayFail) {
    throw new Error(`${label} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  log(`  ${label}: ${s2(seconds)} s`);
  return seconds;
}

/** A copy of the project (git's files), node_modules linked to ours. */
function projectCopy() {
  const dir = mkdtempSync(join(os.tmpdir(), "orders-bench-"));
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  });
  if (listed.status !== 0) throw new Error(`npm run bench copies the files git tracks: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    try {
      const text = readFileSync(join(root, file));
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    } catch {
      // Deleted but not yet committed.
    }
  }
  spawnSync("ln", ["-s", join(root, "node_modules"), join(dir, "node_modules")]);
  return dir;
}

/** A source change: a comment appended to main.ts, constructs/index.ts and every function's index.ts. */
function changeSources(dir, mark) {
  const functions = readdirSync(join(dir, "functions")).map((name) => join("functions", name, "index.ts"));
  for (const file of ["main.ts", join("constructs", "index.ts"), ...functions]) {
    appendFileSync(join(dir, file), `// bench change ${mark}\n`);
  }
}

/** Every stack's cdk.tf.json text in a synth output folder, by stack. */
function stacksIn(outdir) {
  const stacks = join(outdir, "stacks");
  return Object.fromEntries(
    readdirSync(stacks)
      .sort()
      .map((s) => [s, readFileSync(join(stacks, s, "cdk.tf.json"), "utf8")]),
  );
}

function synthBenchmarks(copy, out) {
  const app = JSON.parse(readFileSync(join(copy, "cdktf.json"), "utf8")).app;
  const outdir = (name) => ({ CDKTF_OUTDIR: join(out, name) });
  log(`synth after a source change: "${app}" (cdktf.json's app) vs "npx tsx main.ts", ${RUNS} rounds`);
  timed("warm-up: cdktf.json's app", app, { cwd: copy, extraEnv: outdir("warm") });
  timed("warm-up: npx tsx main.ts", "npx tsx main.ts", { cwd: copy, extraEnv: outdir("warm") });
  const times = { app: [], tsx: [], plainTsx: [], build: [] };
  for (let round = 0; round < RUNS; round++) {
    // Alternating which goes first: on a shared machine the load drifts.
    const sides = [
      () => {
        changeSources(copy, `app ${round}`);
        times.app.push(timed(`round ${round + 1}: cdktf.json's app`, app, { cwd: copy, extraEnv: outdir("app") }));
      },
      () => {
        changeSources(copy, `tsx ${round}`);
        times.tsx.push(
          timed(`round ${round + 1}: npx tsx main.ts`, "npx tsx main.ts", { cwd: copy, extraEnv: outdir("tsx") }),
        );
      },
      () => {
        // tsx without npx's own start-up: the stricter comparison.
        changeSources(copy, `plain tsx ${round}`);
        times.plainTsx.push(
          timed(`round ${round + 1}: node_modules/.bin/tsx main.ts`, "node_modules/.bin/tsx main.ts", {
            cwd: copy,
            extraEnv: outdir("tsx"),
          }),
        );
      },
    ];
    for (const side of round % 2 ? sides.reverse() : sides) side();
    changeSources(copy, `build ${round}`);
    times.build.push(
      timed(
        `round ${round + 1}: node scripts/build.mjs functions program`,
        "node scripts/build.mjs functions program",
        {
          cwd: copy,
        },
      ),
    );
  }
  const cliRuns = Math.min(RUNS, 3);
  const cli = [];
  for (let i = 0; i < cliRuns; i++) {
    changeSources(copy, `cli ${i}`);
    cli.push(
      timed(`npx cdktf synth ${i + 1}/${cliRuns}`, "npx cdktf synth --output " + join(out, "cli"), { cwd: copy }),
    );
  }
  // Each round's ratio (its two runs saw about the same load), then their median.
  const ratio = median(times.app.map((app, i) => app / times.tsx[i]));
  const plainRatio = median(times.app.map((app, i) => app / times.plainTsx[i]));
  const ours = stacksIn(join(out, "app"));
  const same = JSON.stringify(ours) === JSON.stringify(stacksIn(join(out, "tsx")));
  return {
    app: stats(`cdktf.json's app (\`${app}\`)`, times.app),
    tsx: stats("`npx tsx main.ts`", times.tsx),
    plainTsx: stats("`node_modules/.bin/tsx main.ts` (tsx without npx)", times.plainTsx),
    build: stats("`node scripts/build.mjs functions program` (the app's build step alone)", times.build),
    cli: stats("`npx cdktf synth` (the CLI, which runs cdktf.json's app)", cli),
    stacks: Object.keys(ours),
    same,
    ratio,
    plainRatio,
  };
}

/** The built program with N environments (copies of the first), from an environments file of its own. */
function growthBenchmarks(copy, out) {
  const committed = JSON.parse(readFileSync(join(copy, "environments.json"), "utf8"));
  const first = committed.environments[0];
  // The state account the committed file implies (its own, or its one pinned environment's): copies of an unpinned
  // first environment name none, and synth refuses without one.
  const stateAccount =
    committed.stateAccount ?? committed.environments.find((e) => e.account)?.account ?? "111122223333";
  log("synth growth with the number of environments (node dist/main.js)");
  return [1, 2, 4, 8].map((n) => {
    const file = join(out, `environments-${n}.json`);
    const environments = Array.from({ length: n }, (_, i) => ({ ...first, name: `bench${i + 1}` }));
    writeFileSync(file, JSON.stringify({ stateAccount, environments }));
    const times = Array.from({ length: RUNS }, (_, i) =>
      timed(`${n} environment(s) ${i + 1}/${RUNS}`, "node dist/main.js", {
        cwd: copy,
        extraEnv: { ORDERS_ENVIRONMENTS_FILE: file, CDKTF_OUTDIR: join(out, `growth-${n}`) },
      }),
    );
    return { n, ...stats(`${n}`, times) };
  });
}

function testBenchmark(out) {
  log(`npm test, ${TEST_RUNS} run(s)`);
  const result = join(out, "jest.json");
  const loadBefore = os.loadavg()[0];
  const cpu = [];
  const times = Array.from({ length: TEST_RUNS }, (_, i) => {
    const cpuBefore = childrenCpuSeconds();
    const seconds = timed(`npm test ${i + 1}/${TEST_RUNS}`, `npm test -- --silent --json --outputFile=${result}`, {
      cwd: root,
      mayFail: true, // failures are counted in the report
    });
    const cpuAfter = childrenCpuSeconds();
    if (cpuBefore !== undefined && cpuAfter !== undefined) cpu.push(cpuAfter - cpuBefore);
    return seconds;
  });
  const jest = JSON.parse(readFileSync(result, "utf8"));
  const slowest = jest.testResults
    .map((r) => ({ file: r.name.slice(root.length + 1), seconds: (r.endTime - r.startTime) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 5);
  // The suite's CPU time (jest, its workers and every process a test starts, terraform included)
  // over the cores is the least wall time any schedule of it can take on this machine.
  const cpuSeconds = cpu.length ? median(cpu) : undefined;
  return { ...stats("npm test", times), jest, slowest, cpuSeconds, load: [loadBefore, os.loadavg()[0]] };
}

async function bundleBenchmarks(copy) {
  const archiver = require("archiver");
  const zipSize = (file) =>
    new Promise((resolve, reject) => {
      const archive = archiver("zip");
      let size = 0;
      archive.on("data", (chunk) => (size += chunk.length));
      archive.on("end", () => resolve(size));
      archive.on("error", reject);
      archive.file(file, { name: "index.js" });
      archive.finalize();
    });
  const bundles = [];
  for (const name of readdirSync(join(copy, "functions"))) {
    const file = join(copy, "dist", "functions", name, "index.js");
    const init = Array.from({ length: 15 }, () => {
      const code = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      const r = spawnSync(process.execPath, ["-e", code], {
        env: { ...env, AWS_REGION: "us-east-1", ORDERS_TABLE_NAME: "t" },
        encoding: "utf8",
      });
      return Number(r.stdout);
    });
    bundles.push({ name, raw: readFileSync(file).length, zipped: await zipSize(file), init: stats("init", init) });
  }
  return bundles;
}

function throughputBenchmark(copy, out, synthOut) {
  log("handler throughput against dynalite (tsx scripts/bench-throughput.cjs; handler logs discarded)");
  const result = join(out, "throughput.json");
  const tsx = join(root, "node_modules", ".bin", "tsx");
  const run = spawnSync(tsx, ["scripts/bench-throughput.cjs", result, synthOut], {
    cwd: copy,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (run.status !== 0) throw new Error("scripts/bench-throughput.cjs failed");
  return JSON.parse(readFileSync(result, "utf8"));
}

/** Starts `command args` in its own process group, times the line "ready", then stops it with SIGINT (Ctrl-C). */
function timeToReady(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    let seconds;
    const collect = (d) => {
      output += d;
      if (seconds === undefined && /^ready$/m.test(output)) {
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.kill(-child.pid, "SIGINT");
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => {
      if (seconds === undefined || code !== 0)
        reject(new Error(`${command} ${args.join(" ")} failed (exit ${code}):\n${output}`));
      else resolve(seconds);
    });
  });
}

async function sandboxBenchmarks(copy, out) {
  log("the sandbox: --help, and start until ready");
  const outputs = join(out, "outputs.local.json");
  const help = Array.from({ length: RUNS }, (_, i) =>
    timed(`npm run sandbox -- --help ${i + 1}/${RUNS}`, "npm run --silent sandbox -- --help", { cwd: copy }),
  );
  const ready = async (label, [command, ...args], runs) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      times.push(await timeToReady(command, args, copy));
      log(`  ${label} ${i + 1}/${runs}: ${s2(times[i])} s`);
    }
    return stats(label, times);
  };
  return [
    stats("`npm run sandbox -- --help` (builds the commands, then answers)", help),
    await ready(
      "`npm run sandbox` until ready (builds the commands, synthesizes, starts)",
      ["npm", "run", "--silent", "sandbox", "--", "--outputs-file", outputs],
      Math.min(RUNS, 3),
    ),
    await ready(
      "`node dist/local/sandbox.js --out cdktf.out` until ready (no build, no synth)",
      [process.execPath, "dist/local/sandbox.js", "--out", "cdktf.out", "--outputs-file", outputs],
      RUNS,
    ),
  ];
}

function report({ started, loadStart, synth, growth, tests, bundles, throughput, sandbox }) {
  const load = (l) => l.map((x) => x.toFixed(1)).join(" / ");
  const runs = (n) => `${n} run${n === 1 ? "" : "s"}`;
  const failed = tests.jest.testResults.flatMap((r) =>
    r.assertionResults.filter((t) => t.status === "failed").map((t) => `${r.name.slice(root.length + 1)} "${t.title}"`),
  );
  const perStack = (growth.at(-1).median - growth[0].median) / (growth.at(-1).n - growth[0].n);
  const testsOk = tests.median <= 60;
  const cores = os.availableParallelism();
  const cpuFloor =
    tests.cpuSeconds === undefined
      ? ""
      : `the suite uses ${tests.cpuSeconds.toFixed(0)} s of CPU, so no schedule on ${cores} cores ends it in less than ${(tests.cpuSeconds / cores).toFixed(0)} s; `;
  const slow = tests.slowest.map((s) => `${s.file.replace(/^__tests__\//, "")} ${s.seconds.toFixed(0)} s`).join(", ");
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  const goals = [
    [
      "Synth after a source change, function bundle included",
      `cdktf.json's app vs \`npx tsx main.ts\` in ${synth.app.times.length} interleaved rounds, median of the rounds' ratios (section 1)`,
      `${synth.ratio.toFixed(2)} x (medians ${s2(synth.app.median)} s vs ${s2(synth.tsx.median)} s)`,
      "<= 0.8 x tsx (issue 19)",
      `${synth.ratio <= 0.8 ? "yes" : "**no**"}: of the app's ${s2(synth.app.median)} s, esbuild's build is ${s2(synth.build.median)} s; the rest loads one bundled file and synthesizes`,
    ],
    [
      "`npm test`",
      `wall time, ${runs(tests.times.length)}, jest's default workers (section 2)`,
      `${tests.median.toFixed(1)} s`,
      "<= 60 s (issue 19)",
      `${testsOk ? "yes" : "**no**"}: with load average ${tests.load.map((l) => l.toFixed(1)).join(" then ")} on ${os.cpus().length} cores; ${cpuFloor}slowest suites ${slow}`,
    ],
    ...bundles.map((b) => [
      `\`${b.name}\` bundle, zipped`,
      "deflate of dist/functions/<name>/index.js, as `archive_file` zips it (section 3)",
      kib(b.zipped),
      "<= 150 KiB",
      `${b.zipped <= 150 * 1024 ? "yes" : "**no**"}: ${kib(b.raw)} minified, the AWS SDK clients tree-shaken in`,
    ]),
    ...throughput.batches.map((b) => [
      `Handler throughput, batch of ${b.batchSize}`,
      `vs a plain conditional-PutCommand loop at the same concurrency, against dynalite, median of ${throughput.pairs} rounds' ratios (section 4)`,
      `${b.ratio.toFixed(2)} x (medians ${b.handler.toFixed(0)} vs ${b.plain.toFixed(0)} orders/s)`,
      ">= 0.8 x",
      b.ratio >= 0.8
        ? `yes${Math.abs(b.ratio - b.handler / b.plain) > 0.1 ? ` (the medians' own ratio is ${(b.handler / b.plain).toFixed(2)} x: the load drifted between rounds)` : ""}`
        : "**no**: the handler also validates each order, logs a JSON line per record and adds the pipeline's fields; the loop only writes (each cost not measured apart)",
    ]),
  ];
  const rows = (header, lines) => [header, header.replace(/[^|]+/g, "---"), ...lines].join("\n");
  const timesTable = (ms) =>
    rows(
      "| Command | Median (s) | Min-max (s) | Runs |",
      ms.map((m) => `| ${m.label} | ${s2(m.median)} | ${s2(m.min)}-${s2(m.max)} | ${m.times.length} |`),
    );
  return `# Benchmarks

Written by \`npm run bench\` ([scripts/bench.mjs](scripts/bench.mjs)) on ${started.toISOString().slice(0, 10)}:
${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version},
${os.platform()} ${os.arch()}. Load average (1/5/15 min) ${load(loadStart)} at the start, ${load(os.loadavg())} at the end:
the figures are from a machine other work shared, so compare figures taken in one run (the script interleaves
the rounds it compares) rather than with another day's. Times are wall-clock medians with the min-max spread.

## Goals

${rows(
  "| What | How measured | Figure | Goal | Met |",
  goals.map((g) => `| ${g.join(" | ")} |`),
)}

## 1. Synth

All ${synth.stacks.length} stacks (${synth.stacks.join(", ")}), in a scratch copy of the project. Each round first appends a
comment to \`main.ts\`, \`constructs/index.ts\` and every \`functions/*/index.ts\`, then runs the command through a
shell as cdktf-cli runs an app. cdktf.json's app keeps nothing between runs: every run builds the function bundle and
the program with esbuild, then synthesizes. \`npx tsx main.ts\` (the usual zero-config TypeScript runner, with its own
compile cache) synthesizes the same stacks from the bundle the app built: its output is
${synth.same ? "byte-identical to the app's" : "**different from the app's**"}.

${timesTable([synth.app, synth.tsx, synth.plainTsx, synth.build, synth.cli])}

The goal names \`npx tsx main.ts\`, as a user types it; against tsx without npx's start-up the app's median round
ratio is ${synth.plainRatio.toFixed(2)} x.

\`npx cdktf synth\` is what \`npm run synth\`, \`deploy\` and \`diff\` start with; its extra time over the app is the
CLI's own start-up.

Growth: the built program (\`node dist/main.js\`) with an environments file of 1 to 8 copies of the first environment.

${rows(
  "| Environments | Median (s) | Min-max (s) | Runs |",
  growth.map((g) => `| ${g.n} | ${s2(g.median)} | ${s2(g.min)}-${s2(g.max)} | ${g.times.length} |`),
)}

Each added environment costs about ${(perStack * 1000).toFixed(0)} ms.

## 2. Tests

\`npm test\` in this checkout: ${spread(tests)}${tests.cpuSeconds === undefined ? "" : `, ${tests.cpuSeconds.toFixed(1)} s of CPU (user + system of jest and every process it started)`}; ${tests.jest.numTotalTests} tests in ${tests.jest.numTotalTestSuites} suites
(${tests.jest.numPassedTests} passed, ${tests.jest.numFailedTests} failed${failed.length ? `: ${failed.join("; ")}` : ""}). Slowest suites (their own wall time, run in
parallel with others): ${slow}.

## 3. Function bundles

${rows(
  "| Function | Minified | Zipped | Module init (15 fresh processes) |",
  bundles.map(
    (b) =>
      `| ${b.name} | ${kib(b.raw)} | ${kib(b.zipped)} | ${b.init.median.toFixed(1)} ms (${b.init.min.toFixed(1)}-${b.init.max.toFixed(1)}) |`,
  ),
)}

## 4. Handler throughput against dynalite

${throughput.orders} orders per measurement, ${throughput.pairs} rounds per batch size (handler and loops back to back, the order
alternating); each ratio is the median of the rounds' ratios. The handler runs up to ${throughput.inFlight} records of a batch
at once; the plain loop sends conditional \`PutCommand\`s with as many in flight, without validation, logging or the
pipeline's fields; "all at once" sends the whole batch at once. The handler's log lines go to a discarded stdout.

${rows(
  "| Batch | Handler (orders/s) | Plain loop (orders/s) | Handler / plain | All at once (orders/s) | Handler / all at once |",
  throughput.batches.map(
    (b) =>
      `| ${b.batchSize} | ${b.handler.toFixed(0)} | ${b.plain.toFixed(0)} | ${b.ratio.toFixed(2)} | ${b.plainAllAtOnce.toFixed(0)} | ${b.ratioAllAtOnce.toFixed(2)} |`,
  ),
)}

One batch of 10,000 records, dynalite in its own process:
${throughput.bigBatch.map((b) => `${b.burners} CPU-bound processes beside it, ${b.seconds.toFixed(1)} s = ${b.ordersPerSecond.toFixed(0)} orders/s, ${b.failures} failed`).join("; ")}.
The local pipeline (\`npm run local\`'s servers, 4 pollers): ${throughput.localRun.orders} orders in ${s2(throughput.localRun.seconds)} s =
${throughput.localRun.ordersPerSecond.toFixed(0)} orders/s, nothing lost: ${throughput.localRun.nothingLost ? "yes" : "**no**"}.

## 5. The sandbox

${timesTable(sandbox)}
`;
}

async function main() {
  const started = new Date();
  const loadStart = os.loadavg();
  const out = mkdtempSync(join(os.tmpdir(), "orders-bench-out-"));
  const copy = projectCopy();
  try {
    const synth = synthBenchmarks(copy, out);
    const growth = growthBenchmarks(copy, out);
    const bundles = await bundleBenchmarks(copy);
    const throughput = throughputBenchmark(copy, out, join(out, "app"));
    const sandbox = await sandboxBenchmarks(copy, out);
    const tests = testBenchmark(out);
    const md = report({ started, loadStart, synth, growth, tests, bundles, throughput, sandbox });
    writeFileSync(join(root, "BENCHMARKS.md"), md);
    process.stdout.write(md);
  } finally {
    rmSync(copy, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
