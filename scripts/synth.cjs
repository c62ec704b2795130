#!/usr/bin/env node
// The synth launcher: what `npm run synth` and cdktf.json's `app` run, in one Node process.
// 1. Build, only when the build's inputs changed (their content hash: scripts/build-cache.cjs);
//    esbuild is loaded only then.
// 2. Synthesize (dist/synth.js, in this process), only when the output folder does not already
//    hold what this synth would write (same build, environment, Node.js, cdktf.json; every file
//    unchanged: scripts/synth-cache.cjs).
//
// Bad input (an error named ConstructPropsError or ConfigurationError) prints its message once,
// without a stack trace, and exits 2; any other failure exits 1. Under `npm run synth:cli`
// (scripts/synth-cli.mjs) the message goes to the file ORDERS_SYNTH_ERROR_FILE names instead, so
// that script prints it once where cdktf-cli would print it twice.
//
// node scripts/synth.cjs [--clean] [--force]
//   --clean: the output folder holds this synth's files and nothing else (npm run synth)
//   --force: build and synthesize even when nothing changed
"use strict";
const fs = require("node:fs");
const { enableCompileCache } = require("node:module");
const path = require("node:path");
const { checkBuild } = require("./build-cache.cjs");
const synthCache = require("./synth-cache.cjs");

const root = path.join(__dirname, "..");
const BAD_INPUT = ["ConstructPropsError", "ConfigurationError"];

async function main() {
  const force = process.argv.includes("--force");
  const clean = process.argv.includes("--clean");
  let { hash, upToDate } = checkBuild(root);
  if (!upToDate || force) {
    const { buildIfNeeded } = await import("./build.mjs");
    hash = await buildIfNeeded({ force: true });
  }
  // cdktf writes to CDKTF_OUTDIR (cdktf-cli sets it), else to cdktf.out in the working directory.
  const outdir = path.resolve(process.env.CDKTF_OUTDIR || "cdktf.out");
  if (!clean) removeOtherFormat(outdir);
  const key = synthCache.synthKey(root, hash, outdir);
  if (!force && synthCache.outputIsCurrent(root, key, outdir, { exact: clean })) {
    if (clean) report(outdir, "unchanged since the last synth");
    return;
  }

  if (clean) cleanOutput(outdir);
  synthCache.forgetSynth(root);
  // V8's code cache for the 1.6 MB bundle: about 40 ms less per synth. Kept beside the bundle.
  enableCompileCache?.(path.join(root, "dist", ".compile-cache"));
  const reads = synthCache.readsDuring(root, outdir, () => require(path.join(root, "dist", "synth.js")));
  synthCache.recordSynth(root, key, outdir, reads);
  if (clean) report(outdir, "synthesized");
}

/** One line for npm run synth: the stacks the output folder holds and whether this run wrote them. */
function report(outdir, what) {
  const stacks = Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")).stacks);
  const stacksDir = path.join(outdir, "stacks");
  const relative = path.relative(process.cwd(), stacksDir);
  const where = relative.startsWith("..") ? stacksDir : relative;
  process.stdout.write(`${where}: ${stacks.join(", ")} (${what})\n`);
}

/**
 * Removes the other output format from every stack folder (cdk.tf for a JSON synth, cdk.tf.json for
 * an HCL one): Terraform loads both and fails on the duplicate configuration, as `npm run deploy`
 * after `npm run synth:hcl` did.
 */
function removeOtherFormat(outdir) {
  const hcl = process.env.SYNTH_HCL_OUTPUT === "true" || process.env.SYNTH_HCL_OUTPUT === "1";
  const other = hcl ? "cdk.tf.json" : "cdk.tf";
  const stacks = path.join(outdir, "stacks");
  if (!fs.existsSync(stacks)) return;
  for (const stack of fs.readdirSync(stacks)) fs.rmSync(path.join(stacks, stack, other), { force: true });
}

/** Removes the output folder, when it is one: CDKTF_OUTDIR may name any folder. */
function cleanOutput(outdir) {
  const entries = fs.existsSync(outdir) ? fs.readdirSync(outdir) : [];
  if (entries.length > 0 && !entries.includes("manifest.json") && !entries.includes("stacks")) {
    const error = new Error(
      `CDKTF_OUTDIR ${outdir} is not empty and holds no synth output (manifest.json, stacks/): not removing it`,
    );
    error.name = "ConfigurationError";
    throw error;
  }
  fs.rmSync(outdir, { recursive: true, force: true });
}

main().catch((error) => {
  if (BAD_INPUT.includes(error?.name)) {
    const errorFile = process.env.ORDERS_SYNTH_ERROR_FILE;
    if (errorFile) fs.writeFileSync(errorFile, `${error.message}\n`);
    else process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exitCode = 1;
  }
});
