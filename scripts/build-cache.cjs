// @ts-check
// What decides whether dist/ is up to date: a content hash (not mtimes) of every file that can go
// into a bundle, the lock file and the build script. CommonJS and free of npm packages, so the
// synth launcher (scripts/synth.cjs) checks it at almost no start-up cost.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/** Folders whose every file may go into a bundle; walked recursively, a missing one is skipped. */
const SOURCE_DIRS = ["common", "constructs", "functions", "local", "ops"];
/** Root files that shape the build (besides every root *.ts); a missing one is skipped. */
const ROOT_FILES = ["environments.json", "package.json", "package-lock.json", "tsconfig.json"];
/** The build itself. */
const BUILD_FILES = ["scripts/build.mjs", "scripts/build-cache.cjs"];
/** Written after a complete build: an id of the build, the inputs' hash and the files the build wrote. */
const STATE_FILE = "dist/.build-state.json";

/**
 * The build's input files, relative to `root` with "/" separators, sorted.
 * @param {string} root
 * @returns {string[]}
 */
function inputFiles(root) {
  const files = [];
  const walk = (/** @type {string} */ dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== "node_modules") walk(file);
      else if (entry.isFile()) files.push(file);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(root, dir))) walk(dir);
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.isFile() && (entry.name.endsWith(".ts") || ROOT_FILES.includes(entry.name))) files.push(entry.name);
  }
  files.push(...BUILD_FILES);
  return files.sort();
}

/**
 * sha256 over every input's path and content.
 * @param {string} root
 * @returns {string}
 */
function inputsHash(root) {
  const hash = crypto.createHash("sha256");
  for (const file of inputFiles(root)) {
    const content = fs.readFileSync(path.join(root, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest("hex");
}

/**
 * The inputs' hash, and whether the last complete build had the same and every file it wrote is
 * still there.
 * @param {string} root
 * @returns {{ hash: string, upToDate: boolean }}
 */
function checkBuild(root) {
  const hash = inputsHash(root);
  let state;
  try {
    state = JSON.parse(fs.readFileSync(path.join(root, STATE_FILE), "utf8"));
  } catch {
    return { hash, upToDate: false };
  }
  const upToDate =
    state.hash === hash &&
    Array.isArray(state.outputs) &&
    state.outputs.every((/** @type {string} */ file) => fs.existsSync(path.join(root, file)));
  return { hash, upToDate };
}

/**
 * Forgets the last build (before a build starts, so a build that fails halfway is never taken as current).
 * @param {string} root
 */
function forgetBuild(root) {
  fs.rmSync(path.join(root, STATE_FILE), { force: true });
}

/**
 * Records a complete build of the inputs whose hash was `hash`.
 * @param {string} root
 * @param {string} hash
 * @param {string[]} outputs files the build wrote, relative to root
 */
function recordBuild(root, hash, outputs) {
  const file = path.join(root, STATE_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const staging = `${file}.${process.pid}.tmp`;
  const state = { id: crypto.randomUUID(), hash, outputs: [...outputs].sort() };
  fs.writeFileSync(staging, JSON.stringify(state, null, 2));
  fs.renameSync(staging, file);
}

module.exports = {
  SOURCE_DIRS,
  ROOT_FILES,
  BUILD_FILES,
  STATE_FILE,
  inputFiles,
  inputsHash,
  checkBuild,
  forgetBuild,
  recordBuild,
};
