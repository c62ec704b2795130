#!/usr/bin/env node
// Synth that does no work twice, measured: cdktf.json's app (scripts/synth.cjs) against the Node.js
// floor (`node -e 0`), each run through a shell as cdktf-cli runs the app, the commands interleaved
// so machine load hits them alike; medians and their ratio to the floor's, from one run.
//   node scripts/bench-synth-cache.mjs [result.json]   (BENCH_RUNS: rounds, default 5, at least 15)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROUNDS = Math.max(15, Number(process.env.BENCH_RUNS ?? 5));
const app = JSON.parse(readFileSync(join(root, "cdktf.json"), "utf8")).app;
const outdir = mkdtempSync(join(tmpdir(), "orders-bench-synth-"));
const env = { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_OUTDIR: outdir };

function run(command, extraEnv = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, { cwd: root, shell: true, env: { ...env, ...extraEnv }, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} failed (exit ${result.status}):\n${result.stderr}`);
  return ms;
}

/** Each case: a label, the command, and what to do (untimed) before each run. */
const cases = [
  { label: "`node -e 0` (the floor)", command: "node -e 0" },
  { label: `cdktf.json's app (\`${app}\`), nothing changed`, command: app, goal: true },
  {
    label: "`npm run synth`'s command (`node scripts/synth.cjs --clean`), nothing changed",
    command: "node scripts/synth.cjs --clean",
  },
  {
    label: "cdktf.json's app, output folder removed (build skipped, synth runs)",
    command: app,
    before: () => rmSync(outdir, { recursive: true, force: true }),
  },
  { label: "cdktf.json's app with `--force` (build and synth, as after a change)", command: `${app} --force` },
  { label: "`node dist/synth.js` (the synth alone, no cache)", command: "node dist/synth.js" },
];

run(app); // builds if needed, synthesizes once: the state "nothing changed" starts from here
const times = cases.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  cases.forEach((c, i) => {
    c.before?.();
    times[i].push(run(c.command));
  });
  process.stderr.write(`  synth cache: round ${round + 1}/${ROUNDS}\n`);
}
// --force last rebuilt the same inputs; leave the repo's dist/ recorded as built.
run(app);
rmSync(outdir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const floor = median(times[0]);
const rows = cases.map((c, i) => ({
  label: c.label,
  medianMs: median(times[i]),
  minMs: Math.min(...times[i]),
  maxMs: Math.max(...times[i]),
  ratio: median(times[i]) / floor,
  goal: Boolean(c.goal),
}));
const result = { rounds: ROUNDS, node: process.version, floorMs: floor, appRatio: rows[1].ratio, rows };

const table = [
  "| Command | Median (ms) | Min-max (ms) | x floor |",
  "|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)}-${r.maxMs.toFixed(0)} | ${r.ratio.toFixed(1)} |`,
  ),
].join("\n");
result.table = table;
if (process.argv[2]) writeFileSync(process.argv[2], JSON.stringify(result, null, 2));
process.stdout.write(
  `${table}\n\ncdktf.json's app with nothing changed: ${result.appRatio.toFixed(1)} x \`node -e 0\` (goal: at most 5 x), ${ROUNDS} rounds, Node.js ${process.version}\n`,
);
