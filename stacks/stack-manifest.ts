import { DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import {
  KeyAttribute,
  QueueManifest,
  STACK_MANIFEST_FILE,
  STACK_MANIFEST_VERSION,
  StackManifest,
} from "./manifest-format";
import { FanoutTopic } from "../constructs/fanout-topic";
import { OrdersTable } from "../constructs/orders-table";
import { QueueWithDlq } from "../constructs/queue-with-dlq";
import { SqsLambda } from "../constructs/sqs-lambda";
import { addStackFile } from "../constructs/stack-files";

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

/** The parts of a pipeline stack the manifest describes (OrderPipelineStack's public members). */
export interface PipelineParts {
  readonly topic: FanoutTopic;
  readonly queue: QueueWithDlq;
  readonly table: OrdersTable;
  readonly processOrder: SqsLambda;
}

/**
 * Writes `stack-manifest.json` beside the stack's Terraform on every synth (see
 * `common/stack-manifest.ts`), from the values `stack`'s constructs hold at synth time.
 */
export function writeStackManifest(stack: TerraformStack & PipelineParts): void {
  addStackFile(stack, STACK_MANIFEST_FILE, () => stackManifest(stack));
}

/**
 * The manifest of `stack`. Each value is the construct's own input, resolved: a Terraform
 * expression (a variable) stays an expression string, which readers refuse with the field's name.
 */
export function stackManifest(stack: TerraformStack & PipelineParts): StackManifest {
  const resolver = new DefaultTokenResolver(new StringConcat());
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fixed = (value: unknown): any => Tokenization.resolve(value, { scope: stack, resolver, preparing: false });
  const { topic, queue, table, processOrder } = stack;
  const deadLetterQueue = queue.deadLetterQueue;
  if (!deadLetterQueue || queue.maxReceiveCount === undefined) {
    throw new Error(`${stack.node.id}: the stack manifest needs the order queue's dead-letter queue`);
  }
  const queueArn = fixed(queue.queue.arn);
  const subscription = topic.subscriptions.find((s) => fixed(s.endpointInput) === queueArn);
  if (!subscription)
    throw new Error(`${stack.node.id}: the stack manifest needs the topic's subscription of the queue`);
  const awsProvider = stack.node.children.find((c): c is AwsProvider => c instanceof AwsProvider);
  const mapping = processOrder.eventSourceMapping;
  const t = table.table;
  const attributes = (fixed(t.attributeInput) ?? []) as { name: string; type: KeyAttribute["type"] }[];
  const key = (name: string | undefined): KeyAttribute | undefined => {
    if (name === undefined) return undefined;
    const attribute = attributes.find((a) => a.name === name);
    return { name, type: (attribute?.type ?? "S") as KeyAttribute["type"] };
  };
  const billingMode = fixed(t.billingModeInput) ?? AWS_DEFAULTS.dynamodbTable.billingMode;
  const filterPolicy = fixed(subscription.filterPolicyInput);
  const filterPolicyScope = fixed(subscription.filterPolicyScopeInput);
  const maximumConcurrency = fixed(mapping.scalingConfigInput?.maximumConcurrency);
  return {
    version: STACK_MANIFEST_VERSION,
    stack: stack.node.id,
    region: fixed(awsProvider?.regionInput),
    topic: { name: fixed(topic.topic.nameInput) },
    subscription: {
      rawMessageDelivery:
        fixed(subscription.rawMessageDeliveryInput) ?? AWS_DEFAULTS.snsSubscription.rawMessageDelivery,
      ...(filterPolicy !== undefined ? { filterPolicy } : {}),
      ...(filterPolicyScope !== undefined ? { filterPolicyScope } : {}),
    },
    queue: queueManifest(queue.queue, fixed),
    deadLetterQueue: queueManifest(deadLetterQueue, fixed),
    maxReceiveCount: fixed(queue.maxReceiveCount),
    table: {
      name: fixed(t.nameInput),
      partitionKey: key(fixed(t.hashKeyInput))!,
      ...(t.rangeKeyInput !== undefined ? { sortKey: key(fixed(t.rangeKeyInput)) } : {}),
      billingMode,
      ...(billingMode === "PROVISIONED"
        ? { readCapacity: fixed(t.readCapacityInput), writeCapacity: fixed(t.writeCapacityInput) }
        : {}),
    },
    function: {
      name: fixed(processOrder.fn.functionNameInput),
      timeoutSeconds: fixed(processOrder.fn.timeoutInput) ?? AWS_DEFAULTS.lambdaFunction.timeoutSeconds,
      batchSize: fixed(mapping.batchSizeInput) ?? AWS_DEFAULTS.sqsEventSourceMapping.batchSize,
      maximumBatchingWindowSeconds:
        fixed(mapping.maximumBatchingWindowInSecondsInput) ??
        AWS_DEFAULTS.sqsEventSourceMapping.maximumBatchingWindowSeconds,
      ...(maximumConcurrency !== undefined ? { maximumConcurrency } : {}),
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function queueManifest(queue: SqsQueue, fixed: (value: unknown) => any): QueueManifest {
  const d = AWS_DEFAULTS.sqsQueue;
  return {
    name: fixed(queue.nameInput),
    visibilityTimeoutSeconds: fixed(queue.visibilityTimeoutSecondsInput) ?? d.visibilityTimeoutSeconds,
    messageRetentionSeconds: fixed(queue.messageRetentionSecondsInput) ?? d.messageRetentionSeconds,
    receiveWaitTimeSeconds: fixed(queue.receiveWaitTimeSecondsInput) ?? d.receiveWaitTimeSeconds,
    delaySeconds: fixed(queue.delaySecondsInput) ?? d.delaySeconds,
  };
}
