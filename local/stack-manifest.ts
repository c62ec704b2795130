import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../cli/cli";
import { displayPath } from "../config/project";
import { chooseStack } from "../cli/stacks";

export { STACK_MANIFEST_FILE, STACK_MANIFEST_VERSION } from "../stacks/manifest-format";
export type { KeyAttribute, QueueManifest, StackManifest } from "../stacks/manifest-format";
import { QueueManifest, STACK_MANIFEST_FILE, STACK_MANIFEST_VERSION, StackManifest } from "../stacks/manifest-format";

/** The pipeline stacks synthesized into `outdir` (those whose folder holds a manifest). */
export function manifestStacks(outdir: string): string[] {
  const stacksDir = path.join(outdir, "stacks");
  if (!fs.existsSync(stacksDir)) return [];
  return fs
    .readdirSync(stacksDir)
    .filter((name) => fs.existsSync(path.join(stacksDir, name, STACK_MANIFEST_FILE)))
    .sort();
}

/**
 * Reads the manifest of `stack` (default: the configured dev stack) from the synth output `outdir`.
 * A stack that was not synthesized is a UsageError listing those that were; a manifest whose
 * settings are not fixed values (a Terraform expression) is an Error naming each such field.
 */
export function readStackManifest(
  outdir: string,
  stack: string | undefined,
  env?: NodeJS.ProcessEnv,
): { manifest: StackManifest; file: string } {
  const shown = displayPath(outdir);
  const stacks = manifestStacks(outdir);
  if (stacks.length === 0) {
    throw new UsageError(
      `--out ${shown} holds no synthesized pipeline stack (no stacks/*/${STACK_MANIFEST_FILE}): run "npm run synth" first`,
    );
  }
  const chosen = chooseStack(stack, stacks, shown, env);
  const file = path.join(outdir, "stacks", chosen, STACK_MANIFEST_FILE);
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as StackManifest;
  const problems = manifestProblems(manifest);
  if (problems.length > 0) {
    throw new Error(`${displayPath(file)} cannot be used here:\n  - ${problems.join("\n  - ")}`);
  }
  return { manifest, file };
}

/** What is wrong with a manifest read from disk: wrong version, or settings that are not fixed values. */
export function manifestProblems(manifest: StackManifest): string[] {
  if (manifest.version !== STACK_MANIFEST_VERSION) {
    return [
      `version must be ${STACK_MANIFEST_VERSION} (given ${JSON.stringify(manifest.version)}): run "npm run synth"`,
    ];
  }
  const queue = (prefix: string, q: QueueManifest): [string, unknown, string][] => [
    [`${prefix}.name`, q.name, "string"],
    [`${prefix}.visibilityTimeoutSeconds`, q.visibilityTimeoutSeconds, "number"],
    [`${prefix}.messageRetentionSeconds`, q.messageRetentionSeconds, "number"],
    [`${prefix}.receiveWaitTimeSeconds`, q.receiveWaitTimeSeconds, "number"],
    [`${prefix}.delaySeconds`, q.delaySeconds, "number"],
  ];
  const fields: [string, unknown, string][] = [
    ["region", manifest.region, "string"],
    ["topic.name", manifest.topic.name, "string"],
    ["subscription.rawMessageDelivery", manifest.subscription.rawMessageDelivery, "boolean"],
    ...queue("queue", manifest.queue),
    ...queue("deadLetterQueue", manifest.deadLetterQueue),
    ["maxReceiveCount", manifest.maxReceiveCount, "number"],
    ["table.name", manifest.table.name, "string"],
    ["table.partitionKey.name", manifest.table.partitionKey.name, "string"],
    ["function.name", manifest.function.name, "string"],
    ["function.timeoutSeconds", manifest.function.timeoutSeconds, "number"],
    ["function.batchSize", manifest.function.batchSize, "number"],
  ];
  // A Terraform expression (a variable, a reference) renders as "${...}": known only at plan time.
  return fields
    .filter(([, value, type]) => typeof value !== type || (typeof value === "string" && value.includes("${")))
    .map(
      ([field, value, type]) =>
        `${field} must be a fixed ${type} for a local run; the stack sets it to ${JSON.stringify(value)}`,
    );
}
