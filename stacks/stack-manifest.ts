import * as path from "path";
import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import {
  FunctionManifest,
  KeyAttribute,
  QueueManifest,
  STACK_MANIFEST_FILE,
  STACK_MANIFEST_VERSION,
  SourceQueueManifest,
  StackManifest,
  SubscriptionManifest,
  TableManifest,
} from "./manifest-format";
import { FanoutTopic, ITopic } from "../constructs/fanout-topic";
import { ITable, OrdersTable } from "../constructs/orders-table";
import { IQueueWithDlq, QueueWithDlq } from "../constructs/queue-with-dlq";
import { SqsLambda } from "../constructs/sqs-lambda";
import { addStackFile } from "../constructs/stack-files";
import { projectRoot } from "../config/project";

/**
 * What AWS uses where a resource leaves a setting unset, stated once: the manifest records the
 * value that takes effect, so no reader repeats these.
 */
export const AWS_DEFAULTS = {
  sqsQueue: {
    visibilityTimeoutSeconds: 30,
    messageRetentionSeconds: 345_600,
    receiveWaitTimeSeconds: 0,
    delaySeconds: 0,
  },
  snsSubscription: { rawMessageDelivery: false },
  lambdaFunction: { timeoutSeconds: 3 },
  sqsEventSourceMapping: { batchSize: 10, maximumBatchingWindowSeconds: 0 },
  dynamodbTable: { billingMode: "PROVISIONED" },
} as const;

/**
 * Writes `stack-manifest.json` beside the stack's Terraform on every synth (see
 * `stacks/manifest-format.ts`), from the values `stack`'s constructs hold at synth time.
 */
export function writeStackManifest(stack: TerraformStack): void {
  addStackFile(stack, STACK_MANIFEST_FILE, () => stackManifest(stack));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fixed = (value: unknown) => any;

/** A topic (`ITopic`), created or imported. */
function isTopic(c: IConstruct): c is ITopic {
  const candidate = c as Partial<ITopic>;
  return typeof candidate.subscribeQueue === "function" && Array.isArray(candidate.subscriptions);
}

/** A table (`ITable`), created or imported. */
function isTable(c: IConstruct): c is ITable {
  const candidate = c as Partial<ITable>;
  return typeof candidate.grantWriteOrders === "function" && typeof candidate.tableName === "string";
}

/**
 * The manifest of `stack`, found in its construct tree: every topic with queue subscriptions, every
 * subscribed or consumed queue, every table and every `SqsLambda`. Each value is the construct's
 * own input, resolved: a Terraform expression (a variable) stays an expression string, which
 * readers refuse with the field's name.
 */
export function stackManifest(stack: TerraformStack): StackManifest {
  const resolver = new DefaultTokenResolver(new StringConcat());
  const fixed: Fixed = (value) => Tokenization.resolve(value, { scope: stack, resolver, preparing: false });
  const all = stack.node.findAll();
  const topics = all.filter(isTopic).filter((t) => t.subscriptions.length > 0);
  const functions = all.filter((c): c is SqsLambda => c instanceof SqsLambda);
  const tables = all.filter(isTable);
  const queues = [
    ...new Set<IQueueWithDlq>([
      ...topics.flatMap((t) => t.subscriptions.map((s) => s.queue)),
      ...functions.map((f) => f.source),
    ]),
  ];
  const awsProvider = stack.node.children.find((c): c is AwsProvider => c instanceof AwsProvider);

  // A function's environment names tables and queues by reference; the manifest holds their names.
  const names = new Map<string, string>();
  for (const table of tables.filter((t): t is OrdersTable => t instanceof OrdersTable)) {
    names.set(fixed(table.table.name), fixed(table.table.nameInput));
  }
  for (const queue of queues.filter((q): q is QueueWithDlq => q instanceof QueueWithDlq)) {
    names.set(fixed(queue.queue.name), fixed(queue.queue.nameInput));
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const nameOf = (value: unknown): any => {
    const resolved = fixed(value);
    return typeof resolved === "string" ? (names.get(resolved) ?? resolved) : resolved;
  };

  const subscriptions: SubscriptionManifest[] = topics.flatMap((topic) =>
    topic.subscriptions.map(({ subscription, queue }) => {
      const filterPolicy = fixed(subscription.filterPolicyInput);
      const filterPolicyScope = fixed(subscription.filterPolicyScopeInput);
      return {
        topic: topicName(topic, fixed),
        queue: nameOf(queue.queueName),
        rawMessageDelivery:
          fixed(subscription.rawMessageDeliveryInput) ?? AWS_DEFAULTS.snsSubscription.rawMessageDelivery,
        ...(filterPolicy !== undefined ? { filterPolicy } : {}),
        ...(filterPolicyScope !== undefined ? { filterPolicyScope } : {}),
      };
    }),
  );

  return {
    version: STACK_MANIFEST_VERSION,
    stack: stack.node.id,
    region: fixed(awsProvider?.regionInput),
    topics: topics.map((topic) => ({ name: topicName(topic, fixed) })),
    queues: queues.map((queue) => sourceQueueManifest(queue, fixed)),
    subscriptions,
    tables: tables.map((table) => tableManifest(table, fixed)),
    functions: functions.map((f) => functionManifest(f, fixed, nameOf)),
  };
}

function topicName(topic: ITopic, fixed: Fixed): string {
  return fixed(topic instanceof FanoutTopic ? topic.topic.nameInput : topic.topicName);
}

function sourceQueueManifest(queue: IQueueWithDlq, fixed: Fixed): SourceQueueManifest {
  const d = AWS_DEFAULTS.sqsQueue;
  if (queue instanceof QueueWithDlq) {
    return {
      ...queueManifest(queue.queue, fixed),
      ...(queue.deadLetterQueue
        ? {
            deadLetterQueue: queueManifest(queue.deadLetterQueue, fixed),
            maxReceiveCount: fixed(queue.maxReceiveCount),
          }
        : {}),
    };
  }
  // Imported: what was given, and AWS's defaults for the rest (the queue's owner decides them).
  const imported = (name: string): QueueManifest => ({ ...d, name: fixed(name) });
  return {
    ...imported(queue.queueName),
    visibilityTimeoutSeconds: fixed(queue.visibilityTimeoutSeconds) ?? d.visibilityTimeoutSeconds,
    ...(queue.deadLetterQueueName !== undefined
      ? { deadLetterQueue: imported(queue.deadLetterQueueName), maxReceiveCount: fixed(queue.maxReceiveCount) }
      : {}),
  };
}

function queueManifest(queue: SqsQueue, fixed: Fixed): QueueManifest {
  const d = AWS_DEFAULTS.sqsQueue;
  return {
    name: fixed(queue.nameInput),
    visibilityTimeoutSeconds: fixed(queue.visibilityTimeoutSecondsInput) ?? d.visibilityTimeoutSeconds,
    messageRetentionSeconds: fixed(queue.messageRetentionSecondsInput) ?? d.messageRetentionSeconds,
    receiveWaitTimeSeconds: fixed(queue.receiveWaitTimeSecondsInput) ?? d.receiveWaitTimeSeconds,
    delaySeconds: fixed(queue.delaySecondsInput) ?? d.delaySeconds,
  };
}

function tableManifest(table: ITable, fixed: Fixed): TableManifest {
  if (!(table instanceof OrdersTable)) {
    // Imported: the key it was imported with; billing does not matter on this machine.
    return {
      name: fixed(table.tableName),
      partitionKey: { name: table.partitionKey, type: "S" },
      billingMode: "PAY_PER_REQUEST",
    };
  }
  const t = table.table;
  const attributes = (fixed(t.attributeInput) ?? []) as { name: string; type: KeyAttribute["type"] }[];
  const key = (name: string): KeyAttribute => ({
    name,
    type: attributes.find((a) => a.name === name)?.type ?? "S",
  });
  const billingMode = fixed(t.billingModeInput) ?? AWS_DEFAULTS.dynamodbTable.billingMode;
  return {
    name: fixed(t.nameInput),
    partitionKey: key(fixed(t.hashKeyInput)),
    ...(t.rangeKeyInput !== undefined ? { sortKey: key(fixed(t.rangeKeyInput)) } : {}),
    billingMode,
    ...(billingMode === "PROVISIONED"
      ? { readCapacity: fixed(t.readCapacityInput), writeCapacity: fixed(t.writeCapacityInput) }
      : {}),
  };
}

function functionManifest(f: SqsLambda, fixed: Fixed, nameOf: Fixed): FunctionManifest {
  const mapping = f.eventSourceMapping;
  const variables = (f.fn.environmentInput?.variables ?? {}) as Record<string, string>;
  const maximumConcurrency = fixed(mapping.scalingConfigInput?.maximumConcurrency);
  return {
    name: fixed(f.fn.functionNameInput),
    queue: nameOf(f.source.queueName),
    bundle: path.relative(projectRoot(__dirname), f.bundlePath).split(path.sep).join("/"),
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, nameOf(v)])),
    timeoutSeconds: fixed(f.fn.timeoutInput) ?? AWS_DEFAULTS.lambdaFunction.timeoutSeconds,
    batchSize: fixed(mapping.batchSizeInput) ?? AWS_DEFAULTS.sqsEventSourceMapping.batchSize,
    maximumBatchingWindowSeconds:
      fixed(mapping.maximumBatchingWindowInSecondsInput) ??
      AWS_DEFAULTS.sqsEventSourceMapping.maximumBatchingWindowSeconds,
    ...(maximumConcurrency !== undefined ? { maximumConcurrency } : {}),
  };
}
