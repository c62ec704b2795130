// @ts-check
// The move from CDKTF to CDK Terrain (cdktn) as a rewrite (npm run check:fork applies it to a copy
// of the project): module names in imports and requires, dependencies in package.json, the CLI in
// its scripts. Nothing else: cdktf.json, cdktf.out, CDKTF_* variables and strings such as a
// "managed-by" tag stay.
"use strict";

/**
 * Our package -> the fork's package and its exact version (each checked with npm view).
 * @type {Record<string, [string, string]>}
 */
const FORK_PINS = {
  cdktf: ["cdktn", "0.24.0"],
  "cdktf-cli": ["cdktn-cli", "0.24.0"],
  "@cdktf/provider-aws": ["@cdktn/provider-aws", "25.7.0"],
  "@cdktf/provider-archive": ["@cdktn/provider-archive", "14.0.1"],
  "@cdktf/hcl2json": ["@cdktn/hcl2json", "0.24.0"],
  "@cdktf/hcl-tools": ["@cdktn/hcl-tools", "0.24.0"],
};

/** A module name in an import, export-from, require(), import() or jest.mock(), with its subpath. */
const MODULE_REFERENCE =
  /(\b(?:from|import|require|jest\.mock)\s*\(?\s*)(["'])(cdktf|@cdktf\/(?:provider-[\w-]+|hcl2json|hcl-tools))(\/[^"']*)?\2/g;

/**
 * `source` with every CDKTF module name in an import or require replaced by the fork's.
 * @param {string} source
 * @returns {string}
 */
function rewriteImports(source) {
  return source.replace(MODULE_REFERENCE, (_whole, before, quote, name, subpath = "") => {
    const fork = FORK_PINS[name]?.[0] ?? name.replace(/^@cdktf\//, "@cdktn/");
    return `${before}${quote}${fork}${subpath}${quote}`;
  });
}

/**
 * package.json with the fork's packages at FORK_PINS (in place of ours) and its CLI, `cdktn`, where
 * a script runs `cdktf <command>`.
 * @param {any} pkg
 * @returns {any}
 */
function rewritePackageJson(pkg) {
  const rewritten = JSON.parse(JSON.stringify(pkg));
  for (const section of ["dependencies", "devDependencies"]) {
    if (!rewritten[section]) continue;
    /** @type {Record<string, string>} */
    const deps = {};
    for (const [name, version] of Object.entries(rewritten[section])) {
      if (name === "cdktf" || name.startsWith("cdktf-") || name.startsWith("@cdktf/")) {
        if (!FORK_PINS[name])
          throw new Error(`no CDK Terrain pin for ${name}: add it to FORK_PINS in scripts/fork-rewrite.cjs`);
        deps[FORK_PINS[name][0]] = FORK_PINS[name][1];
      } else deps[name] = String(version);
    }
    rewritten[section] = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  for (const [name, script] of Object.entries(rewritten.scripts ?? {})) {
    rewritten.scripts[name] = String(script).replace(/(^|[\s;&|(])cdktf(?= )/g, "$1cdktn");
  }
  return rewritten;
}

module.exports = { FORK_PINS, rewriteImports, rewritePackageJson };
