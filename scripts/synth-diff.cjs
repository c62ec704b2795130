// @ts-check
// Compares two synths of the same app as data (npm run check:fork: ours on CDKTF, the copy on CDK
// Terrain): each stack's Terraform JSON files (stacks/<stack>/*.tf.json), key order ignored, the
// "//" metadata cdktf writes (construct paths, unique IDs, its version) dropped. Every difference is
// reported; the only ones accepted lie under terraform.required_providers, where the two provider
// builds name their own provider source and version.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/**
 * @typedef {object} Difference
 * @property {string} file     stacks/<stack>/<file>.tf.json
 * @property {string} path     where in the file, e.g. terraform.required_providers.aws.version
 * @property {unknown} ours    undefined when only theirs has it
 * @property {unknown} theirs  undefined when only ours has it
 * @property {boolean} allowed under terraform.required_providers
 */

/**
 * A copy of `value` without "//" keys, at any depth.
 * @param {unknown} value
 * @returns {unknown}
 */
function withoutMetadata(value) {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "//")
        .map(([key, item]) => [key, withoutMetadata(item)]),
    );
  }
  return value;
}

/** @param {unknown} value */
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

/** @typedef {[(string | number)[], unknown, unknown]} Found [path segments, ours, theirs] */

/**
 * Every place where `ours` and `theirs` differ: a key only one has, a value that differs, an array
 * element (arrays are ordered, as Terraform lists are).
 * @param {unknown} ours
 * @param {unknown} theirs
 * @param {(string | number)[]} at
 * @returns {Found[]}
 */
function differences(ours, theirs, at = []) {
  if (isObject(ours) && isObject(theirs)) {
    const a = /** @type {Record<string, unknown>} */ (ours);
    const b = /** @type {Record<string, unknown>} */ (theirs);
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .sort()
      .flatMap((key) =>
        key in a && key in b ? differences(a[key], b[key], [...at, key]) : [[[...at, key], a[key], b[key]]],
      );
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    return Array.from({ length: Math.max(ours.length, theirs.length) }, (_, i) =>
      i < ours.length && i < theirs.length
        ? differences(ours[i], theirs[i], [...at, i])
        : [/** @type {Found} */ ([[...at, i], ours[i], theirs[i]])],
    ).flat();
  }
  return JSON.stringify(ours) === JSON.stringify(theirs) ? [] : [[at, ours, theirs]];
}

/**
 * @param {(string | number)[]} segments
 * @returns {string}
 */
const formatPath = (segments) =>
  segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("") || "(the whole file)";

/**
 * The differences between two versions of one Terraform JSON file.
 * @param {string} file a name for the reports
 * @param {unknown} ours
 * @param {unknown} theirs
 * @returns {Difference[]}
 */
function compareFiles(file, ours, theirs) {
  return differences(withoutMetadata(ours), withoutMetadata(theirs)).map(([segments, a, b]) => ({
    file,
    path: formatPath(segments),
    ours: a,
    theirs: b,
    allowed: segments[0] === "terraform" && segments[1] === "required_providers" && segments.length > 2,
  }));
}

/**
 * Parsed stacks/<stack>/*.tf.json files of a synth output folder, by "stacks/<stack>/<file>".
 * @param {string} outdir
 * @returns {Map<string, unknown>}
 */
function readSynth(outdir) {
  const files = new Map();
  const stacks = path.join(outdir, "stacks");
  for (const stack of fs.readdirSync(stacks).sort()) {
    for (const file of fs.readdirSync(path.join(stacks, stack)).sort()) {
      if (file.endsWith(".tf.json")) {
        files.set(`stacks/${stack}/${file}`, JSON.parse(fs.readFileSync(path.join(stacks, stack, file), "utf8")));
      }
    }
  }
  return files;
}

/**
 * Every difference between two synth output folders; a file only one of them has is one difference.
 * @param {string} oursDir
 * @param {string} theirsDir
 * @returns {Difference[]}
 */
function compareSynths(oursDir, theirsDir) {
  const ours = readSynth(oursDir);
  const theirs = readSynth(theirsDir);
  return [...new Set([...ours.keys(), ...theirs.keys()])]
    .sort()
    .flatMap((file) =>
      ours.has(file) && theirs.has(file)
        ? compareFiles(file, ours.get(file), theirs.get(file))
        : [{ file, path: "(the whole file)", ours: ours.get(file), theirs: theirs.get(file), allowed: false }],
    );
}

/**
 * One line per difference, "file: path: ours -> theirs", the accepted ones marked.
 * @param {Difference[]} found
 * @returns {string[]}
 */
function formatDifferences(found) {
  const show = (/** @type {unknown} */ value) => (value === undefined ? "(absent)" : JSON.stringify(value));
  return found.map(
    (d) => `${d.allowed ? "  accepted  " : "  DIFFERENT "}${d.file}: ${d.path}: ${show(d.ours)} -> ${show(d.theirs)}`,
  );
}

module.exports = { compareFiles, compareSynths, formatDifferences, withoutMetadata };
