import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Configuration, defaultStackName, pipelineStackNames, readConfiguration } from "../../config/environments";

/**
 * The configuration the tests load, and fixtures built from it. Tests derive stack and environment
 * names from here rather than writing them out, so an adopter's everyday change (a third
 * environment, another name prefix) breaks none of them.
 */

const ROOT = path.join(__dirname, "..", "..");

/** The project's environments file, as committed or as the adopter changed it. */
export const ENVIRONMENTS_FILE = path.join(ROOT, "environments.json");

/** The configuration `synthApp()` synthesizes: the project's environments.json with every ORDERS_* variable unset. */
export function projectConfiguration(): Configuration {
  return readConfiguration({}, ROOT);
}

/** The pipeline stacks of the project's configuration, in file order. */
export function projectPipelineStacks(): string[] {
  return pipelineStackNames(projectConfiguration());
}

/** The operator tools' default stack in the project's configuration (its first environment's). */
export function projectDefaultStack(): string {
  return defaultStackName(projectConfiguration());
}

/** The entries of the project's environments file as written (no defaults applied). */
export function projectEnvironmentEntries(): Record<string, unknown>[] {
  return JSON.parse(fs.readFileSync(ENVIRONMENTS_FILE, "utf8")).environments;
}

/**
 * An environment name the project's environments file does not use: `base`, or `base` with the
 * smallest number that makes it unused (environment names are 1-14 characters).
 */
export function unusedEnvironmentName(base: string): string {
  const used = new Set(projectEnvironmentEntries().map((entry) => entry.name));
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base.slice(0, 14 - String(n).length)}${n}`;
    if (!used.has(name)) return name;
  }
}

/** Writes `{"environments": entries}` to a new temporary folder and returns the file's path (for ORDERS_ENVIRONMENTS_FILE). */
export function environmentsFile(entries: readonly unknown[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-env-")), "environments.json");
  fs.writeFileSync(file, `${JSON.stringify({ environments: entries }, null, 2)}\n`);
  return file;
}

/** A copy of the project's environments file with `extra` appended (give each an `unusedEnvironmentName`). */
export function projectEnvironmentsPlus(...extra: Record<string, unknown>[]): string {
  return environmentsFile([...projectEnvironmentEntries(), ...extra]);
}
