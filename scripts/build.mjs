#!/usr/bin/env node
// esbuild, for what the TypeScript compiler does not do: one JavaScript file per Lambda function
// (the SDK bundled in, which Lambda needs) and one per program (main.ts and each command, with the
// project code it uses; npm packages stay in node_modules). No cache: esbuild rebuilds everything
// in well under a second. `npm run typecheck` checks the types.
//
// node scripts/build.mjs [functions|program|commands ...]   (no names: all)
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The commands: each <file>.ts only calls its `main` and becomes dist/<file>.js. Add a command here. */
export const COMMANDS = [
  "ops/publish.ts",
  "ops/smoke.ts",
  "ops/dlq.ts",
  "ops/status.ts",
  "local/cli.ts",
  "local/sandbox.ts",
  "estimate/estimate.ts",
  "policy/policy.ts",
];

const node = { absWorkingDir: root, logLevel: "warning", platform: "node", target: "node22", format: "cjs" };

/** functions/<name>/index.ts -> dist/functions/<name>/index.js: minified, the AWS SDK inside. */
export function buildFunctions() {
  const names = readdirSync(join(root, "functions"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  return Promise.all(
    names.map((name) =>
      esbuild.build({
        ...node,
        entryPoints: [join("functions", name, "index.ts")],
        outfile: join("dist", "functions", name, "index.js"),
        bundle: true,
        minify: true,
        // ESM entries first, so unused SDK code is tree-shaken.
        mainFields: ["module", "main"],
        // The SDK lazily import()s node:http; as require() the bundle also loads in a plain
        // CommonJS host (jest's module registry), with the same behaviour on Lambda.
        supported: { "dynamic-import": false },
        legalComments: "none",
      }),
    ),
  );
}

/** main.ts -> dist/main.js, the program cdktf.json's app runs (scripts/app.mjs). */
export function buildProgram() {
  return esbuild.build({
    ...node,
    entryPoints: ["main.ts"],
    outfile: join("dist", "main.js"),
    bundle: true,
    packages: "external",
  });
}

/** COMMANDS -> dist/<folder>/<name>.js */
export function buildCommands() {
  return esbuild.build({
    ...node,
    entryPoints: COMMANDS,
    outdir: "dist",
    outbase: ".",
    bundle: true,
    packages: "external",
  });
}

const PARTS = { functions: buildFunctions, program: buildProgram, commands: buildCommands };

/** Builds the named parts (default: all). */
export async function build(parts = Object.keys(PARTS)) {
  const unknown = parts.filter((part) => !(part in PARTS));
  if (unknown.length > 0)
    throw new Error(`unknown build part ${unknown.join(", ")}: one of ${Object.keys(PARTS).join(", ")}`);
  await Promise.all(parts.map((part) => PARTS[part]()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const parts = process.argv.slice(2);
  await build(parts.length > 0 ? parts : undefined);
}
