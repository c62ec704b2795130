import * as fs from "fs";
import * as path from "path";

/**
 * The architecture, as the folders import each other: each folder has one job, the reusable
 * constructs import nothing of the app, and no folder imports a folder that imports it.
 */
const ROOT = path.join(__dirname, "..");

/** What each folder may import besides itself (and npm packages). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  constructs: [],
  contract: [],
  config: ["constructs"],
  stacks: ["constructs", "config"],
  cli: ["config"],
  functions: ["contract"],
  ops: ["cli", "config", "contract"],
  local: ["cli", "config", "contract", "stacks"],
  estimate: ["cli", "config", "contract"],
  examples: ["constructs"],
  // The policy engine reads synthesized JSON only: no app, no cdktf; the command's parsing and exit codes
  // (cli), bounded input reading (config/input.ts) and the AWS facts the rules share with the constructs
  // (constructs/defaults.ts: KMS action classes, supported runtimes, the table actions the function uses).
  policy: ["cli", "config", "constructs"],
  "main.ts": ["stacks"],
};

function sourcesOf(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [entry];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((e) => e.name !== "node_modules" && e.name !== "cdktf.out" && e.name !== ".gen")
    .flatMap((e) =>
      e.isDirectory() ? sourcesOf(path.join(entry, e.name)) : e.name.endsWith(".ts") ? [path.join(entry, e.name)] : [],
    );
}

/** The top-level folder (or root file) each relative import of `file` reaches. */
function importedFolders(file: string): string[] {
  const source = fs.readFileSync(path.join(ROOT, file), "utf8");
  const specifiers = [...source.matchAll(/(?:from\s+|import\(|require\()["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]);
  return specifiers.map(
    (spec) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), spec)).split(path.sep)[0],
  );
}

describe("the folder layout", () => {
  it.each(Object.keys(MAY_IMPORT))("%s imports only the folders it may", (folder) => {
    const wrong = sourcesOf(folder).flatMap((file) =>
      importedFolders(file)
        .filter((target) => target !== folder && !MAY_IMPORT[folder].includes(target))
        .map((target) => `${file} imports ${target}/`),
    );
    expect(wrong).toEqual([]);
  });

  it("allows no folder to import a folder that imports it", () => {
    const reaches = (from: string, seen = new Set<string>()): Set<string> => {
      for (const next of MAY_IMPORT[from] ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          reaches(next, seen);
        }
      }
      return seen;
    };
    const cycles = Object.keys(MAY_IMPORT).filter((folder) => reaches(folder).has(folder));
    expect(cycles).toEqual([]);
  });

  it("has every source folder in the table", () => {
    const folders = fs
      .readdirSync(ROOT, { withFileTypes: true })
      .filter(
        (e) =>
          e.isDirectory() &&
          !e.name.startsWith(".") &&
          ![
            "node_modules",
            "dist",
            "cdktf.out",
            "__tests__",
            "scripts",
            "docs",
            "coverage",
            "reports",
            "bench-out",
          ].includes(e.name),
      )
      .filter((e) => sourcesOf(e.name).length > 0)
      .map((e) => e.name);
    expect(folders.filter((f) => !(f in MAY_IMPORT))).toEqual([]);
  });
});
