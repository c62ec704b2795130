import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../cli/cli";
import { displayPath } from "../config/project";
import { chooseStack } from "../cli/stacks";

export { STACK_MANIFEST_FILE, STACK_MANIFEST_VERSION } from "../stacks/manifest-format";
export type {
  FunctionManifest,
  KeyAttribute,
  QueueManifest,
  SourceQueueManifest,
  StackManifest,
  SubscriptionManifest,
  TableManifest,
} from "../stacks/manifest-format";
import {
  FunctionManifest,
  QueueManifest,
  STACK_MANIFEST_FILE,
  STACK_MANIFEST_VERSION,
  StackManifest,
  SubscriptionManifest,
  TableManifest,
} from "../stacks/manifest-format";

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

/**
 * What is wrong with a manifest read from disk: another version, settings that are not fixed values,
 * or a subscription or function naming a queue, topic or table the manifest does not hold.
 */
export function manifestProblems(manifest: StackManifest): string[] {
  if (manifest.version !== STACK_MANIFEST_VERSION) {
    return [
      `version must be ${STACK_MANIFEST_VERSION} (given ${JSON.stringify(manifest.version)}): run "npm run synth"`,
    ];
  }
  type Field = [string, unknown, string];
  const queue = (prefix: string, q: QueueManifest): Field[] => [
    [`${prefix}.name`, q.name, "string"],
    [`${prefix}.visibilityTimeoutSeconds`, q.visibilityTimeoutSeconds, "number"],
    [`${prefix}.messageRetentionSeconds`, q.messageRetentionSeconds, "number"],
    [`${prefix}.receiveWaitTimeSeconds`, q.receiveWaitTimeSeconds, "number"],
    [`${prefix}.delaySeconds`, q.delaySeconds, "number"],
  ];
  const fields: Field[] = [
    ["region", manifest.region, "string"],
    ...manifest.topics.map((t, i): Field => [`topics[${i}].name`, t.name, "string"]),
    ...manifest.queues.flatMap((q, i) => [
      ...queue(`queues[${i}]`, q),
      ...(q.deadLetterQueue
        ? [
            ...queue(`queues[${i}].deadLetterQueue`, q.deadLetterQueue),
            [`queues[${i}].maxReceiveCount`, q.maxReceiveCount, "number"] as Field,
          ]
        : []),
    ]),
    ...manifest.subscriptions.flatMap((s, i): Field[] => [
      [`subscriptions[${i}].rawMessageDelivery`, s.rawMessageDelivery, "boolean"],
      ...(s.filterPolicy !== undefined
        ? [[`subscriptions[${i}].filterPolicy`, s.filterPolicy, "string"] as Field]
        : []),
    ]),
    ...manifest.tables.flatMap((t, i): Field[] => [
      [`tables[${i}].name`, t.name, "string"],
      [`tables[${i}].partitionKey.name`, t.partitionKey.name, "string"],
    ]),
    ...manifest.functions.flatMap((f, i): Field[] => [
      [`functions[${i}].name`, f.name, "string"],
      [`functions[${i}].timeoutSeconds`, f.timeoutSeconds, "number"],
      [`functions[${i}].batchSize`, f.batchSize, "number"],
      ...Object.entries(f.environment).map(([k, v]): Field => [`functions[${i}].environment.${k}`, v, "string"]),
    ]),
  ];
  // A Terraform expression (a variable, a reference) renders as "${...}": known only at plan time.
  const unfixed = fields
    .filter(([, value, type]) => typeof value !== type || (typeof value === "string" && value.includes("${")))
    .map(
      ([field, value, type]) =>
        `${field} must be a fixed ${type} for a local run; the stack sets it to ${JSON.stringify(value)}`,
    );
  const queues = new Set(manifest.queues.map((q) => q.name));
  const topics = new Set(manifest.topics.map((t) => t.name));
  const unknown = [
    ...manifest.subscriptions.flatMap((s, i) => [
      ...(topics.has(s.topic)
        ? []
        : [`subscriptions[${i}].topic names no topic of the manifest (${JSON.stringify(s.topic)})`]),
      ...(queues.has(s.queue)
        ? []
        : [`subscriptions[${i}].queue names no queue of the manifest (${JSON.stringify(s.queue)})`]),
    ]),
    ...manifest.functions.flatMap((f, i) =>
      queues.has(f.queue) ? [] : [`functions[${i}].queue names no queue of the manifest (${JSON.stringify(f.queue)})`],
    ),
  ];
  return [...unfixed, ...unknown];
}

/**
 * One function's pipeline, as the single-pipeline tools and tests read it: the function, the queue
 * that feeds it with its DLQ, that queue's (first) subscription and its topic, and the table it writes
 * (the one its ORDERS_TABLE_NAME names, else the stack's first).
 */
export interface Pipeline {
  readonly stack: string;
  readonly region: string;
  readonly function: FunctionManifest;
  readonly topic: { readonly name: string };
  readonly subscription: SubscriptionManifest;
  readonly queue: QueueManifest;
  readonly deadLetterQueue: QueueManifest;
  readonly maxReceiveCount: number;
  readonly table: TableManifest;
}

/** The pipeline of `functionName` (default: the manifest's first function); an Error says what it lacks. */
export function pipelineOf(manifest: StackManifest, functionName?: string): Pipeline {
  const fn =
    functionName === undefined ? manifest.functions[0] : manifest.functions.find((f) => f.name === functionName);
  const lacks = (what: string): Error => new Error(`${manifest.stack}: the stack manifest has ${what}`);
  if (!fn) throw lacks(functionName === undefined ? "no function" : `no function ${functionName}`);
  const queue = manifest.queues.find((q) => q.name === fn.queue);
  if (!queue?.deadLetterQueue || queue.maxReceiveCount === undefined) {
    throw lacks(`no dead-letter queue for ${fn.queue}, the queue of ${fn.name}`);
  }
  const subscription = manifest.subscriptions.find((s) => s.queue === fn.queue);
  if (!subscription) throw lacks(`no subscription of ${fn.queue}, the queue of ${fn.name}`);
  const table = manifest.tables.find((t) => t.name === fn.environment.ORDERS_TABLE_NAME) ?? manifest.tables[0];
  if (!table) throw lacks("no table");
  const { deadLetterQueue, maxReceiveCount, ...source } = queue;
  return {
    stack: manifest.stack,
    region: manifest.region,
    function: fn,
    topic: { name: subscription.topic },
    subscription,
    queue: source,
    deadLetterQueue,
    maxReceiveCount,
    table,
  };
}
