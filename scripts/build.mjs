#!/usr/bin/env node
// Builds what synth and the tests need, in well under a second:
// - the function bundle: one minified CommonJS file per function, the SDK bundled,
//   ESM entries preferred so unused SDK code is tree-shaken;
// - the CDKTF app, transpiled (no type check: `npm run typecheck` does that once).
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const only = process.argv.slice(2);

/** Functions in functions/<name>/index.ts -> dist/functions/<name>/index.js */
export async function buildFunctions() {
  const names = readdirSync(join(root, "functions"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  await Promise.all(
    names.map((name) =>
      build({
        absWorkingDir: root,
        entryPoints: [join("functions", name, "index.ts")],
        outfile: join("dist", "functions", name, "index.js"),
        bundle: true,
        minify: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        mainFields: ["module", "main"],
        // The SDK lazily import()s node:http; as require() the bundle also loads in a plain
        // CommonJS host (jest's module registry), with the same behaviour on Lambda.
        supported: { "dynamic-import": false },
        legalComments: "none",
        metafile: false,
        logLevel: "warning",
      }),
    ),
  );
}

/** main.ts, common/, constructs/ and local/ -> dist/ (transpile only, CommonJS): dist/main.js, dist/local/servers.js, ... */
export async function buildApp() {
  const sourcesIn = (dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(dir, f));
  await build({
    absWorkingDir: root,
    // The commands' entry files are bundled by buildOps.
    entryPoints: [
      "main.ts",
      ...sourcesIn("constructs"),
      ...sourcesIn("common"),
      ...sourcesIn("local").filter((f) => !COMMAND_ENTRIES.includes(f)),
    ],
    outdir: "dist",
    outbase: ".",
    bundle: false,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
}

/**
 * The synth entry point: main.ts bundled with cdktf, constructs and the provider classes it uses
 * into dist/synth.js. One file loads about 20% faster than ~400 modules, most of them cdktf's
 * files with inline source maps; the output is byte-identical to running dist/main.js.
 */
export async function buildSynth() {
  await build({
    absWorkingDir: root,
    entryPoints: ["main.ts"],
    outfile: join("dist", "synth.js"),
    bundle: true,
    // Loaded lazily by cdktf for ARCHIVE assets only.
    external: ["archiver"],
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
}

/** One entry file per command, which only runs that command's main. */
const COMMAND_ENTRIES = [
  join("ops", "publish.ts"),
  join("ops", "smoke.ts"),
  join("ops", "dlq.ts"),
  join("local", "cli.ts"),
  join("local", "sandbox.ts"),
];

/**
 * Commands (ops/<command>.ts -> dist/ops/<command>.js, local/cli.ts -> dist/local/cli.js, local/sandbox.ts
 * -> dist/local/sandbox.js), each bundled with the project code it uses; npm packages stay external.
 */
export async function buildOps() {
  await build({
    absWorkingDir: root,
    entryPoints: COMMAND_ENTRIES,
    outdir: "dist",
    outbase: ".",
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const steps = [];
  if (only.length === 0 || only.includes("functions")) steps.push(buildFunctions());
  if (only.length === 0 || only.includes("app")) steps.push(buildApp());
  if (only.length === 0 || only.includes("ops")) steps.push(buildOps());
  if (only.length === 0 || only.includes("synth")) steps.push(buildSynth());
  await Promise.all(steps);
}
