import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./cli";
import { displayPath } from "./project";
import { chooseStack } from "./stacks";

/**
 * The stack manifest: the settings of a pipeline stack that tools on this machine need (names,
 * queue settings, redrive, subscription, table keys, the event source mapping), written by synth
 * beside each stack's Terraform from the values the constructs hold
 * (`constructs/stack-manifest.ts`). Local runs read it instead of the rendered Terraform.
 */

/** The file, in `cdktf.out/stacks/<stack>/`, beside `cdk.tf.json`. Not `*.tf.json`: Terraform ignores it. */
export const STACK_MANIFEST_FILE = "stack-manifest.json";

/** Bumped when a field changes meaning; readers refuse other versions. */
export const STACK_MANIFEST_VERSION = 1;

export interface QueueManifest {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly receiveWaitTimeSeconds: number;
  readonly delaySeconds: number;
}

export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N" | "B";
}

export interface StackManifest {
  readonly version: number;
  readonly stack: string;
  /** The AWS region of the stack's resources. */
  readonly region: string;
  readonly topic: { readonly name: string };
  /** The topic's subscription of `queue`. */
  readonly subscription: {
    readonly rawMessageDelivery: boolean;
    /** SNS filter policy JSON, when the subscription has one. */
    readonly filterPolicy?: string;
    readonly filterPolicyScope?: "MessageAttributes" | "MessageBody";
  };
  /** The queue that feeds the function. */
  readonly queue: QueueManifest;
  readonly deadLetterQueue: QueueManifest;
  /** Receives after which a message moves from `queue` to `deadLetterQueue`. */
  readonly maxReceiveCount: number;
  /** The table the function writes. */
  readonly table: {
    readonly name: string;
    readonly partitionKey: KeyAttribute;
    readonly sortKey?: KeyAttribute;
    readonly billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
    /** Read and write capacity units, with PROVISIONED billing. */
    readonly readCapacity?: number;
    readonly writeCapacity?: number;
  };
  /** The function and its event source mapping on `queue`. */
  readonly function: {
    readonly name: string;
    readonly timeoutSeconds: number;
    readonly batchSize: number;
    readonly maximumBatchingWindowSeconds: number;
    /** The mapping's maximum concurrency; undefined when it has none. */
    readonly maximumConcurrency?: number;
  };
}

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
