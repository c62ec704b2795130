#!/usr/bin/env node
// Builds what synth, the tests and the commands need, in well under a second, and nothing when
// nothing changed: a complete build records the content hash of its inputs (scripts/build-cache.cjs:
// sources, lock file, this script), and the next build is skipped while that hash matches and the
// outputs are there. esbuild is loaded only when something is built.
// - the function bundle: one minified CommonJS file per function, the SDK bundled,
//   ESM entries preferred so unused SDK code is tree-shaken;
// - the CDKTF app, transpiled (no type check: `npm run typecheck` does that once);
// - the synth entry point and the commands, each bundled with the project code it uses.
//
// node scripts/build.mjs [--force] [functions|app|synth|ops ...]
//   no names: everything, skipped when up to date; names: only those parts, when not up to date;
//   --force: build even when up to date.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import buildCache from "./build-cache.cjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Command entry points: one file per command that only calls its `main` (two bundled CLIs that each
 * check `require.main` would both run). Each <file>.ts becomes dist/<file>.js, bundled with the
 * project code it uses; npm packages stay external. Add a command here.
 */
export const COMMANDS = ["ops/publish.ts", "ops/smoke.ts", "ops/dlq.ts", "local/cli.ts", "local/sandbox.ts"];

let esbuild;
/** esbuild's build, from the project root, with a metafile (the inputs and outputs of the step). */
async function esbuildBuild(options) {
  esbuild ??= await import("esbuild");
  return esbuild.build({ absWorkingDir: root, logLevel: "warning", metafile: true, ...options });
}

/** Functions in functions/<name>/index.ts -> dist/functions/<name>/index.js */
export async function buildFunctions() {
  const names = readdirSync(join(root, "functions"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  return Promise.all(
    names.map((name) =>
      esbuildBuild({
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
      }),
    ),
  );
}

/** main.ts and the library files of constructs/, local/ and common/ -> dist/ (transpile only, CommonJS). */
export async function buildApp() {
  const sourcesIn = (dir) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((f) => f.endsWith(".ts"))
          .map((f) => `${dir}/${f}`)
      : [];
  return esbuildBuild({
    entryPoints: ["main.ts", ...["constructs", "local", "common"].flatMap(sourcesIn)].filter(
      (file) => !COMMANDS.includes(file),
    ),
    outdir: "dist",
    outbase: ".",
    bundle: false,
    platform: "node",
    target: "node22",
    format: "cjs",
  });
}

/**
 * cdktf's private/fs.js requires archiver when it loads, for ARCHIVE assets we never make: about
 * 70 ms of start-up (a hundred small modules). This hands it a stand-in that loads archiver on
 * the first call instead.
 */
const lazyArchiver = {
  name: "lazy-archiver",
  setup(build) {
    build.onResolve({ filter: /^archiver$/ }, (args) =>
      /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/.test(args.importer)
        ? { path: "archiver", namespace: "lazy-archiver" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-archiver" }, () => ({
      contents: 'module.exports = (...args) => require("archiver")(...args);',
      loader: "js",
      resolveDir: root,
    }));
  },
};

/**
 * main.ts as the program, whoever loads the file: `node dist/synth.js`, or the synth launcher's
 * require() (scripts/synth.cjs), where main.ts's `require.main === module` would be false.
 */
const mainAsProgram = {
  name: "main-as-program",
  setup(build) {
    build.onLoad({ filter: /[\\/]main\.ts$/ }, (args) => {
      if (args.path !== join(root, "main.ts")) return undefined;
      const source = readFileSync(args.path, "utf8");
      const guard = "require.main === module";
      if (!source.includes(guard)) throw new Error(`main.ts no longer runs the app under \`if (${guard})\``);
      return { contents: source.replace(guard, "true"), loader: "ts" };
    });
  },
};

/**
 * The synth entry point: main.ts bundled with cdktf, constructs and the provider classes it uses
 * into dist/synth.js. One file loads about 20% faster than ~400 modules, most of them cdktf's
 * files with inline source maps; the output is byte-identical to running dist/main.js.
 */
export async function buildSynth() {
  return esbuildBuild({
    entryPoints: ["main.ts"],
    outfile: join("dist", "synth.js"),
    bundle: true,
    // Loaded on the first ARCHIVE asset only (see lazyArchiver).
    external: ["archiver"],
    plugins: [lazyArchiver, mainAsProgram],
    platform: "node",
    target: "node22",
    format: "cjs",
  });
}

/** The commands (COMMANDS), each bundled with the project code it uses; npm packages stay external. */
export async function buildOps() {
  return esbuildBuild({
    entryPoints: COMMANDS,
    outdir: "dist",
    outbase: ".",
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node22",
    format: "cjs",
  });
}

const PARTS = { functions: buildFunctions, app: buildApp, ops: buildOps, synth: buildSynth };

/**
 * Builds `parts` (default: all) unless the last complete build had the same inputs, or `force`.
 * A complete build is recorded; a partial one is not, so the next complete build still runs.
 * Resolves to the inputs' hash.
 */
export async function buildIfNeeded({ parts = Object.keys(PARTS), force = false } = {}) {
  const unknown = parts.filter((part) => !(part in PARTS));
  if (unknown.length > 0) {
    throw new Error(`unknown build part ${unknown.join(", ")}: one of ${Object.keys(PARTS).join(", ")}`);
  }
  const { hash, upToDate } = buildCache.checkBuild(root);
  if (upToDate && !force) return hash;
  buildCache.forgetBuild(root);
  const results = (await Promise.all(parts.map((part) => PARTS[part]()))).flat();
  const complete = Object.keys(PARTS).every((part) => parts.includes(part));
  if (complete) {
    checkInputsAreHashed(results.flatMap((result) => Object.keys(result.metafile.inputs)));
    buildCache.recordBuild(
      root,
      hash,
      results.flatMap((result) => Object.keys(result.metafile.outputs)),
    );
  }
  return hash;
}

/** A file a bundle reads but the hash does not cover would make the cache miss its changes. */
function checkInputsAreHashed(inputs) {
  const hashed = new Set(buildCache.inputFiles(root));
  const missing = [...new Set(inputs)].filter(
    (file) => !/(^|\/)node_modules\//.test(file) && !file.includes(":") && !hashed.has(file),
  );
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(", ")} went into the build but not into its cache key: add it to SOURCE_DIRS or ROOT_FILES in scripts/build-cache.cjs`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const parts = args.filter((arg) => arg !== "--force");
  await buildIfNeeded({ parts: parts.length > 0 ? parts : undefined, force: args.includes("--force") });
}
