#!/usr/bin/env node
// npm run bench: measures synth, test suite, bundle and throughput on this machine, several
// runs each (median and spread), and writes BENCHMARKS.md. No timed assertion lives in the
// tests; this script is where speed is measured. BENCH_RUNS sets the runs per measurement.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const out = join(root, "bench-out");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const node = process.execPath;
const log = (text) => process.stderr.write(`${text}\n`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs one part of the benchmark in its own node process; it writes its figures to bench-out/<file>. */
function runPart(script, file) {
  const result = join(out, file);
  if (spawnSync(node, [script, result], { cwd: root, stdio: ["ignore", "ignore", "inherit"] }).status !== 0) {
    throw new Error(`${script} failed`);
  }
  return JSON.parse(readFileSync(result, "utf8"));
}

/** Runs a command `runs` times; wall time (s) and peak RSS (MiB) of its largest node process, per run. */
function measure(label, command, args, { runs = RUNS, env = {}, cwd = root } = {}) {
  const times = [];
  const peaks = [];
  for (let i = 0; i < runs; i++) {
    const rssFile = join(out, `rss-${label.replace(/\W+/g, "-")}-${i}.txt`);
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, {
      cwd,
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: "1",
        ...env,
        BENCH_RSS_FILE: rssFile,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${join(root, "scripts", "bench-rss.cjs")}`.trim(),
      },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) {
      throw new Error(`${label} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    times.push(seconds);
    const rss = existsSync(rssFile) ? readFileSync(rssFile, "utf8").trim().split("\n").map(Number) : [0];
    peaks.push(Math.max(...rss) / 1024);
    log(`  ${label} run ${i + 1}/${runs}: ${seconds.toFixed(2)} s, ${(Math.max(...rss) / 1024) | 0} MiB`);
  }
  return {
    label,
    times,
    median: median(times),
    min: Math.min(...times),
    max: Math.max(...times),
    peakMiB: median(peaks),
  };
}

/** Our sources, rewritten the usual way: provider classes from the package root namespaces. */
function buildUsualApp() {
  const dir = join(out, "usual");
  mkdirSync(join(dir, "constructs"), { recursive: true });
  const camel = (kebab) => kebab.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
  const rewrite = (source) => {
    let text = source;
    const pattern = /import \{([^}]+)\} from "@cdktf\/(provider-aws|provider-archive)\/lib\/([a-z0-9-]+)";/g;
    const uses = [];
    text = text.replace(pattern, (_, names, pkg, mod) => {
      // Both packages export a "provider" namespace: archive's gets a prefix.
      const ns = pkg === "provider-aws" ? camel(mod) : camel(`archive-${mod}`);
      const exported = camel(mod);
      for (const name of names
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean))
        uses.push([name, ns]);
      return ns === exported
        ? `import { ${ns} } from "@cdktf/${pkg}";`
        : `import { ${exported} as ${ns} } from "@cdktf/${pkg}";`;
    });
    for (const [name, ns] of uses) text = text.replace(new RegExp(`(?<![\\w.])${name}(?![\\w])`, "g"), `${ns}.${name}`);
    return text;
  };
  writeFileSync(join(dir, "main.ts"), rewrite(readFileSync(join(root, "main.ts"), "utf8")));
  // Shared modules main.ts and constructs/ import (no provider imports to rewrite).
  cpSync(join(root, "common"), join(dir, "common"), { recursive: true });
  for (const file of readdirSync(join(root, "constructs")).filter((f) => f.endsWith(".ts"))) {
    writeFileSync(join(dir, "constructs", file), rewrite(readFileSync(join(root, "constructs", file), "utf8")));
  }
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "commonjs",
        strict: true,
        esModuleInterop: true,
        skipLibCheck: false,
        types: ["node"],
      },
      include: ["main.ts", "constructs/**/*.ts", "common/**/*.ts"],
    }),
  );
  return dir;
}

function commandTable(rows, floor, extra = () => "") {
  const lines = [
    "| Command | Median (s) | Min-max (s) | x floor | Peak RSS (MiB) |" + (extra() ? ` ${extra()} |` : ""),
    "|---|---|---|---|---|" + (extra() ? "---|" : ""),
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${r.median.toFixed(2)} | ${r.min.toFixed(2)}-${r.max.toFixed(2)} | ${(r.median / floor.median).toFixed(1)} | ${r.peakMiB.toFixed(0)} |` +
        (extra() ? ` ${extra(r)} |` : ""),
    );
  }
  return lines.join("\n");
}

async function main() {
  log("building (esbuild) and synthesizing once");
  const build = measure("build (esbuild: function bundle + app)", node, ["scripts/build.mjs", "--force"], { runs: 1 });
  measure("prepare synth", node, ["dist/synth.js"], { runs: 1 });

  log("1. synth of all stacks");
  const floor = measure("node -e '' (floor)", node, ["-e", ""]);
  const ours = measure("node dist/synth.js (our synth: the bundled app)", node, ["dist/synth.js"], {
    env: { CDKTF_OUTDIR: join(out, "synth-ours") },
  });
  const transpiled = measure("node dist/main.js (the same app, unbundled)", node, ["dist/main.js"], {
    env: { CDKTF_OUTDIR: join(out, "synth-transpiled") },
  });
  const cli = measure("cdktf synth (CLI; runs cdktf.json's app: nothing changed after run 1)", node, [
    require.resolve("cdktf-cli/bundle/bin/cdktf"),
    "synth",
    "--output",
    join(out, "synth-cli"),
  ]);
  const usualDir = buildUsualApp();
  const usual = measure(
    "ts-node main.ts, root imports, type-checked (the usual setup)",
    node,
    [require.resolve("ts-node/dist/bin.js"), "main.ts"],
    {
      runs: Math.min(RUNS, 3),
      cwd: usualDir,
      env: { CDKTF_OUTDIR: join(out, "synth-usual") },
    },
  );
  const stacksOurs = readdirSync(join(out, "synth-ours", "stacks")).sort();
  const stacksUsual = readdirSync(join(out, "synth-usual", "stacks")).sort();
  const sameOutput =
    JSON.stringify(stacksOurs) === JSON.stringify(stacksUsual) &&
    stacksOurs.every(
      (s) =>
        readFileSync(join(out, "synth-ours", "stacks", s, "cdk.tf.json"), "utf8") ===
        readFileSync(join(out, "synth-usual", "stacks", s, "cdk.tf.json"), "utf8"),
    );

  log("1b. synth that does no work twice (scripts/bench-synth-cache.mjs)");
  const synthCache = runPart("scripts/bench-synth-cache.mjs", "synth-cache.json");

  log("2. synth growth with the number of stacks");
  const scale = [1, 2, 4, 8].map((n) => ({
    n,
    ...measure(`${n} pipeline stack(s)`, node, ["scripts/bench-scale.cjs", String(n), join(out, `scale-${n}`)]),
  }));
  const perStack = (scale[3].median - scale[0].median) / 7;

  log("3. npm test");
  const tests = measure(
    "npm test (jest)",
    node,
    [require.resolve("jest/bin/jest"), "--silent", "--json", `--outputFile=${join(out, "jest.json")}`],
    {
      runs: Math.min(RUNS, 3),
    },
  );
  const jest = JSON.parse(readFileSync(join(out, "jest.json"), "utf8"));

  log("4. the function bundle");
  const bundle = join(root, "dist/functions/process-order/index.js");
  const raw = readFileSync(bundle).length;
  const archiver = require("archiver");
  const zipped = await new Promise((resolve, reject) => {
    const archive = archiver("zip");
    let size = 0;
    archive.on("data", (chunk) => (size += chunk.length));
    archive.on("end", () => resolve(size));
    archive.on("error", reject);
    archive.file(bundle, { name: "index.js" });
    archive.finalize();
  });
  const initTimes = [];
  for (let i = 0; i < 15; i++) {
    const r = spawnSync(
      node,
      [
        "-e",
        `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
      ],
      { env: { ...process.env, AWS_REGION: "us-east-1", ORDERS_TABLE_NAME: "t" }, encoding: "utf8" },
    );
    initTimes.push(Number(r.stdout));
  }

  log("5. throughput against dynalite (child process, handler logs discarded)");
  const throughput = runPart("scripts/bench-throughput.cjs", "throughput.json");

  log("6. the sandbox: start to ready, and its end-to-end test (scripts/bench-sandbox.mjs)");
  const sandbox = runPart("scripts/bench-sandbox.mjs", "sandbox.json");

  // Report.
  const goals = [
    [
      "synth within 5 x the node floor",
      ours.median <= 5 * floor.median,
      `${(ours.median / floor.median).toFixed(1)} x`,
    ],
    [
      "cdktf.json's app with nothing changed within 5 x the node floor",
      synthCache.appRatio <= 5,
      `${synthCache.appRatio.toFixed(1)} x`,
    ],
    [
      "synth at least 10 x faster than the usual setup",
      usual.median / ours.median >= 10,
      `${(usual.median / ours.median).toFixed(1)} x`,
    ],
    ["npm test under 60 s", tests.median < 60, `${tests.median.toFixed(1)} s`],
    ["bundle at most 150 KB zipped", zipped <= 150 * 1024, `${(zipped / 1024).toFixed(1)} KiB`],
    ...throughput.batches.map((b) => [
      `handler at least 0.8 x the plain SDK loop (batch ${b.batchSize})`,
      b.ratio >= 0.8,
      `${b.ratio.toFixed(2)} x`,
    ]),
  ];
  const cpu = os.cpus()[0]?.model ?? "unknown";
  const md = `# Benchmarks

Written by \`npm run bench\` (scripts/bench.mjs) on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores (${cpu}),
${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${os.platform()} ${os.arch()}. ${RUNS} runs per measurement
unless a row says otherwise; times are medians with the min-max spread; peak RSS is the largest node process of a run.

## Goals

| Goal | Met | Measured |
|---|---|---|
${goals.map(([goal, ok, value]) => `| ${goal} | ${ok ? "yes" : "**no**"} | ${value} |`).join("\n")}

## 1. Synth of all stacks (${stacksOurs.length}: ${stacksOurs.join(", ")})

${commandTable([floor, ours, transpiled, cli, usual], floor)}

- Ours is ${(usual.median / ours.median).toFixed(1)} x faster than the usual setup and ${(cli.median / ours.median).toFixed(1)} x faster than \`cdktf synth\`,
  using ${(usual.peakMiB / ours.peakMiB).toFixed(1)} x less memory than the usual setup.
- The usual setup is built by the script from our own sources: every deep provider import rewritten to the package
  root's namespace (\`import { sqsQueue } from "@cdktf/provider-aws"\`), run with \`ts-node main.ts\` (type checking on),
  ${Math.min(RUNS, 3)} runs. Its output is ${sameOutput ? "byte-identical to ours" : "**different from ours**"}.
- \`cdktf synth\` runs \`cdktf.json\`'s app, which builds and synthesizes only when something changed (the build alone: ${build.median.toFixed(2)} s).

### 1b. Synth that does no work twice

\`scripts/bench-synth-cache.mjs\`: ${synthCache.rounds} interleaved rounds, each command through a shell as cdktf-cli runs the app.

${synthCache.table}

## 2. Synth growth with environments

| Stacks | Median (s) | Min-max (s) | Peak RSS (MiB) |
|---|---|---|---|
${scale.map((s) => `| ${s.n} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)}-${s.max.toFixed(2)} | ${s.peakMiB.toFixed(0)} |`).join("\n")}

Each added stack costs about ${(perStack * 1000).toFixed(0)} ms ((8 stacks - 1 stack) / 7).

## 3. Test suite

\`npm test\`: ${tests.median.toFixed(1)} s median (${tests.min.toFixed(1)}-${tests.max.toFixed(1)} s, ${tests.times.length} runs),
${jest.numTotalTests} tests in ${jest.numTotalTestSuites} suites (${jest.numPassedTests} passed, ${jest.numFailedTests} failed), peak RSS ${tests.peakMiB.toFixed(0)} MiB.

## 4. The function bundle

| Measure | Value |
|---|---|
| Bundle (\`dist/functions/process-order/index.js\`, minified CommonJS, SDK included) | ${(raw / 1024).toFixed(1)} KiB |
| Zipped (deflate, as \`archive_file\` does) | ${(zipped / 1024).toFixed(1)} KiB |
| Module init (require of the bundle, median of ${initTimes.length} fresh processes) | ${median(initTimes).toFixed(1)} ms (${Math.min(...initTimes).toFixed(1)}-${Math.max(...initTimes).toFixed(1)}) |

## 5. Throughput against dynalite

${throughput.orders} orders per run, ${throughput.pairs} rounds (handler and plain loops back to back, the order alternating),
medians; each ratio is the median of the rounds' ratios. The handler runs up to ${throughput.inFlight} records of a batch at once
(MAX_RECORDS_IN_FLIGHT); the plain loop sends conditional \`PutCommand\`s, as many at once as the handler has records
in flight, without validation, logging or the pipeline's fields; "all at once" sends the whole batch at once. The
handler logs one JSON line per record to a discarded stdout.

| Batch size | Handler (orders/s) | Plain loop (orders/s) | Handler / plain | Plain, all at once (orders/s) | Handler / all at once |
|---|---|---|---|---|---|
${throughput.batches.map((b) => `| ${b.batchSize} | ${b.handler.toFixed(0)} | ${b.plain.toFixed(0)} | ${b.ratio.toFixed(2)} | ${b.plainAllAtOnce.toFixed(0)} | ${b.ratioAllAtOnce.toFixed(2)} |`).join("\n")}

One batch of 10,000 records (dynalite in its own process):
${throughput.bigBatch.map((b) => `${b.burners} CPU-bound processes beside it: ${b.seconds.toFixed(1)} s = ${b.ordersPerSecond.toFixed(0)} orders/s, ${b.failures} failed`).join("; ")}.

Local pipeline run (\`npm run local\` machinery: SQS and DynamoDB servers, batch ${"10"}, 4 pollers, no poison):
${throughput.localRun.orders} orders in ${throughput.localRun.seconds.toFixed(2)} s = ${throughput.localRun.ordersPerSecond.toFixed(0)} orders/s
(nothing lost: ${throughput.localRun.nothingLost ? "yes" : "no"}).

## 6. The sandbox

\`npm run sandbox\` until it prints \`ready\` (then stopped with SIGINT), and the end-to-end test of the operator
path (\`__tests__/sandbox.e2e.test.ts\`: the sandbox and every operator command as child processes).

| Measure | Median (s) | Min-max (s) | Runs |
|---|---|---|---|
${[...sandbox.ready, sandbox.e2e].map((m) => `| ${m.label} | ${m.median.toFixed(2)} | ${m.min.toFixed(2)}-${m.max.toFixed(2)} | ${m.times.length} |`).join("\n")}
`;
  writeFileSync(join(root, "BENCHMARKS.md"), md);
  process.stdout.write(md);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
