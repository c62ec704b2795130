// @ts-check
// Whether a synth would write what the output folder already holds. A synth's output is a function
// of the build (its inputs' hash, scripts/build-cache.cjs), the environment variables it reads, the
// working directory, the Node.js version, cdktf.json and the launcher itself; after a synth, every
// file of the output folder is recorded with its content hash. The next synth with the same key is skipped while those
// files are all there, unchanged (and, for a clean synth, nothing else is). Files under a
// `.terraform` folder (providers that `terraform init` puts into a stack folder) are never hashed.
//
// Files the app read during the synth that the build's hash does not cover (an environments file
// named by ORDERS_ENVIRONMENTS_FILE, wherever it is) are recorded with their content hash too
// (readsDuring), and a change to any of them makes the next synth run. So are the environment
// variables it read, with their values (ORDERS_*, CDKTF_*, SYNTH_HCL_OUTPUT...): a variable the app
// never reads, such as npm's own npm_config_*, which differ between `npm run synth` and the synth
// that `npm run sandbox` runs, does not make the next synth run.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { URL, fileURLToPath } = require("node:url");
const { inputFiles } = require("./build-cache.cjs");

const STATE_FILE = "dist/.synth-state.json";
/** The code that decides how a synth runs. */
const LAUNCHER_FILES = ["scripts/synth.cjs", "scripts/synth-cache.cjs"];

/**
 * @param {string} root
 * @param {string} buildHash the build's inputs hash
 * @param {string} outdir absolute output folder
 * @returns {string}
 */
function synthKey(root, buildHash, outdir) {
  return crypto
    .createHash("sha256")
    .update(
      JSON.stringify({
        buildHash,
        outdir,
        cwd: process.cwd(),
        node: process.version,
        cdktfJson: readOrNull(path.join(root, "cdktf.json")),
        launcher: LAUNCHER_FILES.map((file) => readOrNull(path.join(root, file))),
      }),
    )
    .digest("hex");
}

/** @param {string} file */
function readOrNull(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** @param {string} file */
function sha256(file) {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * Every file under `dir`, relative with "/" separators; `.terraform` folders skipped unless `all`.
 * @param {string} dir
 * @param {boolean} all
 * @returns {string[]}
 */
function filesUnder(dir, all) {
  const files = [];
  const walk = (/** @type {string} */ rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const file = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (all || entry.name !== ".terraform") walk(file);
      } else files.push(file);
    }
  };
  walk("");
  return files;
}

/**
 * The content hash of what a synth read at `file`: a file's bytes, a folder's sorted entry names, or
 * null when nothing is there.
 * @param {string} file absolute
 * @returns {string | null}
 */
function readHash(file) {
  try {
    if (fs.statSync(file).isDirectory()) {
      return crypto.createHash("sha256").update(fs.readdirSync(file).sort().join("\n")).digest("hex");
    }
    return sha256(file);
  } catch {
    return null;
  }
}

/**
 * True when the last recorded synth had `key`, every file it read outside the build's inputs is
 * unchanged, and its files are in `outdir` unchanged; with `exact` (a clean synth), also nothing
 * else is there.
 * @param {string} root
 * @param {string} key
 * @param {string} outdir
 * @param {{ exact: boolean }} options
 * @returns {boolean}
 */
function outputIsCurrent(root, key, outdir, { exact }) {
  let state;
  try {
    state = JSON.parse(fs.readFileSync(path.join(root, STATE_FILE), "utf8"));
    if (state.key !== key) return false;
    if (!Object.entries(state.reads).every(([file, hash]) => readHash(file) === hash)) return false;
    if (!Object.entries(state.env).every(([name, value]) => (process.env[name] ?? null) === value)) return false;
    const recorded = Object.keys(state.files);
    if (exact && filesUnder(outdir, true).length !== recorded.length) return false;
    return recorded.every((file) => sha256(path.join(outdir, file)) === state.files[file]);
  } catch {
    return false; // no record, or a recorded file is gone
  }
}

/** @param {string} root */
function forgetSynth(root) {
  fs.rmSync(path.join(root, STATE_FILE), { force: true });
}

/**
 * Records the synth: its key, the files it read outside the build's inputs (absolute paths, from
 * readsDuring) with their content hashes, the environment variables it read with their values, and
 * every file it wrote to `outdir` with its hash.
 * @param {string} root
 * @param {string} key
 * @param {string} outdir
 * @param {{ files: readonly string[], env: readonly string[] }} reads
 */
function recordSynth(root, key, outdir, reads) {
  const files = Object.fromEntries(filesUnder(outdir, false).map((file) => [file, sha256(path.join(outdir, file))]));
  const file = path.join(root, STATE_FILE);
  const staging = `${file}.${process.pid}.tmp`;
  const readHashes = Object.fromEntries(reads.files.map((read) => [read, readHash(read)]));
  const env = Object.fromEntries(reads.env.map((name) => [name, process.env[name] ?? null]));
  fs.writeFileSync(staging, JSON.stringify({ id: crypto.randomUUID(), key, reads: readHashes, env, files }, null, 2));
  fs.renameSync(staging, file);
}

/**
 * Runs `action` while recording the files it reads through node:fs (readFileSync, openSync,
 * copyFileSync, readdirSync, existsSync, statSync), and returns, as absolute paths, those whose
 * content the key does not already cover: not the build's inputs or cdktf.json, nor what is under
 * the project's node_modules/ (fixed by the lock file, a build input), dist/ (built from the inputs)
 * or `outdir` (the synth's own output); and the names of the environment variables it read
 * (every variable, should it list them).
 * @param {string} root
 * @param {string} outdir
 * @param {() => void} action
 * @returns {{ files: string[], env: string[] }}
 */
function readsDuring(root, outdir, action) {
  const read = new Set();
  /** @type {Set<string>} */
  const envRead = new Set();
  const env = process.env;
  const note = (/** @type {string | symbol} */ name) => {
    if (typeof name === "string") envRead.add(name);
  };
  process.env = new Proxy(env, {
    get: (target, name) => (note(name), Reflect.get(target, name)),
    has: (target, name) => (note(name), Reflect.has(target, name)),
    getOwnPropertyDescriptor: (target, name) => (note(name), Reflect.getOwnPropertyDescriptor(target, name)),
    ownKeys: (target) => {
      for (const name of Object.keys(target)) envRead.add(name);
      return Reflect.ownKeys(target);
    },
  });
  /** @type {Record<string, Function>} */
  const originals = {};
  const observed = /** @type {const} */ ([
    "readFileSync",
    "openSync",
    "copyFileSync",
    "readdirSync",
    "existsSync",
    "statSync",
  ]);
  for (const name of observed) {
    const original = fs[name];
    originals[name] = original;
    // @ts-expect-error: the same function, observed
    fs[name] = function (/** @type {unknown} */ file, /** @type {unknown[]} */ ...rest) {
      if (typeof file === "string") read.add(path.resolve(file));
      else if (file instanceof URL) read.add(fileURLToPath(file));
      return original.call(this, file, ...rest);
    };
  }
  try {
    action();
  } finally {
    // @ts-expect-error: restoring the originals
    for (const [name, original] of Object.entries(originals)) fs[name] = original;
    process.env = env;
  }
  const inputs = new Set(inputFiles(root).map((file) => path.join(root, file)));
  inputs.add(path.join(root, "cdktf.json"));
  const derived = ["node_modules", "dist"].map((dir) => path.join(root, dir)).concat(outdir);
  const under = (/** @type {string} */ file, /** @type {string} */ dir) =>
    file === dir || file.startsWith(dir + path.sep);
  return {
    files: [...read].filter((file) => !inputs.has(file) && !derived.some((dir) => under(file, dir))).sort(),
    env: [...envRead].sort(),
  };
}

module.exports = { STATE_FILE, synthKey, outputIsCurrent, forgetSynth, recordSynth, readsDuring };
