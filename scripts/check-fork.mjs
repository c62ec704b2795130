#!/usr/bin/env node
// npm run check:fork: proves on every change that this app moves to CDK Terrain (cdktn, the
// maintained fork of CDKTF) with imports renamed and nothing else. No tool does this check.
// 1. Copies the project's files (what git tracks or would track: never node_modules, dist or
//    cdktf.out) into a throwaway folder and rewrites, by script, the module names in every import
//    and require (cdktf -> cdktn, @cdktf/provider-* -> @cdktn/provider-*, @cdktf/hcl2json ->
//    @cdktn/hcl2json), the dependencies in package.json (to FORK_PINS) and the CLI in its scripts.
// 2. Installs the copy (npm install: the lock file keeps every other package where it is).
// 3. Synthesizes every stack with ours (cdktf.json's app) and with the copy (its cdktf.json's app,
//    and npm run synth, which runs cdktn synth), and compares each stack's Terraform JSON as data
//    (scripts/synth-diff.cjs). Prints every difference; fails on any outside
//    terraform.required_providers.
// 4. Runs the jest suite in the copy.
// Prints how long each step and the whole check took. --keep leaves the copy for a look.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { performance } from "node:perf_hooks";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FORK_PINS, rewriteImports, rewritePackageJson } from "./fork-rewrite.cjs";
import { compareSynths, formatDifferences } from "./synth-diff.cjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const clock = () => performance.now() / 1000;
const log = (text) => process.stdout.write(`${text}\n`);

/** Runs a command, its output kept (and shown only when it fails); returns the seconds it took. */
function step(label, command, args, options = {}) {
  const started = clock();
  const result = spawnSync(command, args, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    ...options,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", ...options.env },
  });
  const seconds = clock() - started;
  if (result.status !== 0) {
    throw new Error(
      `${label} failed (exit ${result.status}) after ${seconds.toFixed(1)} s:\n${result.stdout}\n${result.stderr}`,
    );
  }
  log(`${label}: ${seconds.toFixed(1)} s`);
  return result;
}

/** The project's files as git sees them: tracked, plus new ones not ignored; deleted ones left out. */
function projectFiles() {
  let listed;
  try {
    listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
    });
  } catch (error) {
    throw new Error(`check:fork copies the files git tracks; run it in a git checkout (${error.message})`);
  }
  return [...new Set(listed.split("\0").filter(Boolean))].filter((file) => existsSync(join(root, file)));
}

function main() {
  const started = clock();
  const scratch = mkdtempSync(join(tmpdir(), "orders-fork-"));
  const copy = join(scratch, "project");
  const keep = process.argv.includes("--keep");
  try {
    const files = projectFiles();
    let rewritten = 0;
    for (const file of files) {
      const target = join(copy, file);
      mkdirSync(dirname(target), { recursive: true });
      if (file === "package.json") {
        const pkg = rewritePackageJson(JSON.parse(readFileSync(join(root, file), "utf8")));
        writeFileSync(target, `${JSON.stringify(pkg, null, 2)}\n`);
      } else if (/\.(ts|js|mjs|cjs)$/.test(file)) {
        const source = readFileSync(join(root, file), "utf8");
        const fork = rewriteImports(source);
        if (fork !== source) rewritten++;
        writeFileSync(target, fork);
      } else {
        cpSync(join(root, file), target);
      }
    }
    log(`copied ${files.length} files to ${copy}; imports rewritten in ${rewritten}`);
    log(
      `fork pins: ${Object.values(FORK_PINS)
        .map(([name, version]) => `${name} ${version}`)
        .join(", ")}`,
    );

    step(
      "npm install (the copy)",
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      {
        cwd: copy,
      },
    );
    const installed = Object.keys(JSON.parse(readFileSync(join(copy, "package-lock.json"), "utf8")).packages);
    const leftovers = installed.filter((p) => /(^|\/)node_modules\/(cdktf|@cdktf\/(provider-|hcl2json))/.test(p));
    if (leftovers.length > 0) throw new Error(`the copy still installs CDKTF packages: ${leftovers.join(", ")}`);

    const ours = join(scratch, "ours.out");
    const fork = join(scratch, "fork.out");
    // cdktf.json's app, as cdktf synth runs it (through a shell, CDKTF_OUTDIR set).
    const app = (dir) => JSON.parse(readFileSync(join(dir, "cdktf.json"), "utf8")).app;
    step(`synth (ours: ${app(root)})`, app(root), [], { cwd: root, shell: true, env: { CDKTF_OUTDIR: ours } });
    step(`synth (the copy: ${app(copy)})`, app(copy), [], { cwd: copy, shell: true, env: { CDKTF_OUTDIR: fork } });
    step("synth (the copy: npm run synth, i.e. cdktn synth)", "npm", ["run", "--silent", "synth"], { cwd: copy });

    let failed = false;
    for (const [label, theirs] of [
      ["cdktf.json's app", fork],
      ["cdktn synth", join(copy, "cdktf.out")],
    ]) {
      const found = compareSynths(ours, theirs);
      const stacks = new Set(found.map((d) => d.file.split("/")[1]));
      log(`\n${label} on CDK Terrain vs ours: ${found.length} difference(s) in ${stacks.size} stack(s)`);
      for (const line of formatDifferences(found)) log(line);
      const unexpected = found.filter((d) => !d.allowed);
      if (unexpected.length > 0) {
        failed = true;
        log(`${unexpected.length} difference(s) outside terraform.required_providers`);
      }
    }
    if (failed) throw new Error("the fork synthesizes different stacks");

    log("");
    const jest = step("npm test (the copy)", "npm", ["test", "--silent"], { cwd: copy });
    const summary = `${jest.stdout}\n${jest.stderr}`.split("\n").find((line) => line.startsWith("jest: "));
    log(`  ${summary ?? "(no jest summary line)"}`);
  } finally {
    if (keep) log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
    log(`check:fork took ${(clock() - started).toFixed(1)} s`);
  }
  log("check:fork passed");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`\ncheck:fork failed: ${error.message}\n`);
    process.exitCode = 1;
  }
}
