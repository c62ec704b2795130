import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { poisonOrder, sampleOrder } from "../contract/samples";
import { publishOrders } from "../cli/publish";
import { setTimeout as sleep } from "timers/promises";
import { LocalEnvironment } from "./environment";
import { EventSourceMapping } from "./event-source";
import { Handler } from "./function";

/**
 * `npm run local`'s batch run: publishes orders to the stack's topic on the local SNS server (which
 * delivers them to the queue with SNS's own envelope, or raw, as the subscription says), runs the
 * event source mapping until every order is stored or in the DLQ, then checks the outcome
 * against the servers. IAM, KMS, Lambda's scaling and CloudWatch are AWS's and are not exercised.
 */

export interface LocalRunOptions {
  /** Orders to publish. */
  readonly orders: number;
  /** Share of them (0-1) that break the order contract: poison messages that must reach the DLQ. */
  readonly badShare: number;
  /** Records per invocation (the mapping's batch size). */
  readonly batchSize: number;
  /** Pollers running at once. */
  readonly concurrency: number;
  /** The local queue's visibility timeout (the environment was created with it), seconds. */
  readonly visibilityTimeoutSeconds: number;
  /** Give up after this many seconds. */
  readonly timeoutSeconds: number;
  /** Called about every 250 ms with the running counts. */
  readonly onProgress?: (progress: Progress) => void;
}

export interface Progress {
  readonly published: number;
  readonly stored: number;
  readonly inDeadLetterQueue: number;
  readonly invocations: number;
  readonly elapsedSeconds: number;
}

export interface LocalRunSummary extends Progress {
  readonly ordersPerSecond: number;
  readonly poisonPublished: number;
  /** Stored (counted in the table) + in the DLQ (counted on the queue) = published. */
  readonly nothingLost: boolean;
  /** Every good order is in the table and no poison order is. */
  readonly everyGoodOrderStored: boolean;
  /** Every poison order was handed to the function maxReceiveCount times and is in the DLQ, body unchanged. */
  readonly poisonRedrivenIntact: boolean;
}

/** The order a queued body carries: the SNS envelope's Message, or the body itself with raw delivery. */
export function orderOfBody(body: string): Record<string, unknown> | undefined {
  try {
    const json = JSON.parse(body);
    const order = json?.Type === "Notification" && typeof json.Message === "string" ? JSON.parse(json.Message) : json;
    return order && typeof order === "object" ? order : undefined;
  } catch {
    return undefined;
  }
}

/** Messages on the run's own DLQ (nothing else knows its servers, so none is in flight there). */
async function approximateCount(env: LocalEnvironment, queueUrl: string): Promise<number> {
  const { Attributes } = await env.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages);
}

/** Receives every message on the DLQ (hiding each for the rest of the run) and returns the orders they carry. */
async function deadLetterOrders(env: LocalEnvironment): Promise<Record<string, unknown>[]> {
  const found = new Map<string, string>();
  for (;;) {
    const { Messages } = await env.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: env.outputs.dlq_url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    if (!Messages?.length) break;
    for (const m of Messages) found.set(m.MessageId!, m.Body ?? "");
  }
  return [...found.values()].map((body) => orderOfBody(body) ?? { body });
}

async function storedOrderIds(env: LocalEnvironment): Promise<Set<string>> {
  const key = env.pipeline.table.partitionKey.name;
  const ids = new Set<string>();
  let startKey: Record<string, never> | undefined;
  do {
    const page = await env.dynamodb.send(
      new ScanCommand({
        TableName: env.pipeline.table.name,
        ProjectionExpression: "#k",
        ExpressionAttributeNames: { "#k": key },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) ids.add(item[key].S!);
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  return ids;
}

/** Runs one batch through the environment's pipeline and returns what happened, checked against the servers. */
export async function runLocalPipeline(
  env: LocalEnvironment,
  handler: Handler,
  options: LocalRunOptions,
): Promise<LocalRunSummary> {
  const started = Date.now();
  const elapsed = (): number => (Date.now() - started) / 1000;
  const orderIdByMessageId = new Map<string, string>();
  const mapping = new EventSourceMapping({
    sqs: env.sqs,
    queueUrl: env.outputs.queue_url,
    queueArn: env.queueArn,
    region: env.manifest.region,
    handler,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    waitTimeSeconds: Math.min(1, options.visibilityTimeoutSeconds - 1),
    timeoutSeconds: env.pipeline.function.timeoutSeconds,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    onInvocation: (invocation) => {
      for (const r of invocation.receives) orderIdByMessageId.set(r.messageId, String(orderOfBody(r.body)?.orderId));
    },
  });
  mapping.start();

  // Every badEvery-th order is poison; with a share of 0 it is Infinity, and no position is Infinity - 1.
  const badEvery = Math.max(1, Math.round(1 / options.badShare));
  const isPoison = (i: number): boolean => i % badEvery === badEvery - 1;
  const orders = Array.from({ length: options.orders }, (_, i) => (isPoison(i) ? poisonOrder() : sampleOrder()));
  const poison = new Map(orders.filter((_, i) => isPoison(i)).map((o) => [o.orderId as string, JSON.stringify(o)]));
  const goodOrderIds = orders.filter((_, i) => !isPoison(i)).map((o) => o.orderId as string);

  let inDeadLetterQueue = 0;
  const progress = (): Progress => ({
    published: options.orders,
    stored: mapping.completed.size,
    inDeadLetterQueue,
    invocations: mapping.invocations,
    elapsedSeconds: elapsed(),
  });
  const progressTimer = setInterval(() => options.onProgress?.(progress()), 250);
  try {
    await publishOrders(env.sns, env.outputs.topic_arn, orders, 8);
    while (elapsed() < options.timeoutSeconds) {
      inDeadLetterQueue = await approximateCount(env, env.outputs.dlq_url);
      if (mapping.completed.size + inDeadLetterQueue >= options.orders) break;
      await sleep(100);
    }
  } finally {
    clearInterval(progressTimer);
    await mapping.stop();
  }
  const durationSeconds = elapsed();

  const stored = await storedOrderIds(env);
  const deadLetters = await deadLetterOrders(env);
  const receivesByOrderId = new Map<string, number>();
  for (const [messageId, receives] of mapping.receivesByMessageId) {
    const orderId = orderIdByMessageId.get(messageId)!;
    receivesByOrderId.set(orderId, (receivesByOrderId.get(orderId) ?? 0) + receives);
  }
  const deadById = new Map(deadLetters.map((o) => [String(o.orderId), JSON.stringify(o)]));
  const summary: LocalRunSummary = {
    published: options.orders,
    poisonPublished: poison.size,
    stored: stored.size,
    inDeadLetterQueue: deadLetters.length,
    invocations: mapping.invocations,
    elapsedSeconds: durationSeconds,
    ordersPerSecond: options.orders / durationSeconds,
    nothingLost: stored.size + deadLetters.length === options.orders,
    everyGoodOrderStored:
      goodOrderIds.every((id) => stored.has(id)) && [...poison.keys()].every((id) => !stored.has(id)),
    poisonRedrivenIntact:
      deadLetters.length === poison.size &&
      [...poison].every(
        ([id, body]) => deadById.get(id) === body && receivesByOrderId.get(id) === env.pipeline.maxReceiveCount,
      ),
  };
  options.onProgress?.(summary);
  return summary;
}
