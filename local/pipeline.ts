import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { LOCAL_AWS_ENV, LocalServer, createTable, localDynamoDbClient, startDynamoDb, startSqs } from "./servers";
import { sampleOrder, snsDeliveryBody } from "./sns-delivery";
import { PipelineSettings } from "./stack-settings";

/**
 * Runs the pipeline on this machine: real SQS (local-aws-sqs) and DynamoDB (dynalite)
 * API servers on 127.0.0.1, queues and table created from the synthesized stack's
 * settings, orders delivered the way SNS delivers them, and the built handler invoked
 * the way Lambda's event source mapping invokes it. SNS itself and IAM are AWS's and
 * are not exercised here.
 */

export type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface LocalRunOptions {
  /** Orders to publish. */
  readonly orders: number;
  /** Share of them (0-1) that break the order contract: poison messages that must reach the DLQ. */
  readonly badShare: number;
  /** Records per invocation (the mapping's batch size). */
  readonly batchSize: number;
  /** Pollers running at once (the mapping's concurrency). */
  readonly concurrency: number;
  /** Visibility timeout of the local queue, seconds: shortened so retries happen in seconds, not minutes. */
  readonly visibilityTimeoutSeconds: number;
  /** Give up after this many seconds. */
  readonly timeoutSeconds: number;
  /** Loads the handler once the environment points at the local servers. */
  readonly loadHandler: () => Handler;
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
  /** Stored (counted in the table) + in the DLQ (counted on the queue) = published. */
  readonly nothingLost: boolean;
  /** How many times each message ID was received, as the handler saw it. */
  readonly receivesByMessageId: ReadonlyMap<string, number>;
  /** Message IDs and bodies of what was published as poison. */
  readonly poison: ReadonlyMap<string, string>;
  /** Bodies found in the DLQ at the end, by message ID. */
  readonly deadLetters: ReadonlyMap<string, string>;
  /** The orderIds of the good orders published. */
  readonly goodOrderIds: readonly string[];
  /** Items in the table at the end, by orderId (how many items carry each). */
  readonly storedOrderIds: ReadonlyMap<string, number>;
}

interface Queues {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Servers and clients of one local run; `stop` releases them all. */
export class LocalEnvironment {
  private constructor(
    public readonly sqsServer: LocalServer,
    public readonly dynamoServer: LocalServer,
    public readonly sqs: SQSClient,
    public readonly dynamo: ReturnType<typeof localDynamoDbClient>,
  ) {}

  static async start(): Promise<LocalEnvironment> {
    const [sqsServer, dynamoServer] = await Promise.all([startSqs(), startDynamoDb()]);
    const sqs = new SQSClient({
      endpoint: sqsServer.endpoint,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: {
        accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
    });
    return new LocalEnvironment(sqsServer, dynamoServer, sqs, localDynamoDbClient(dynamoServer.endpoint));
  }

  /** The environment the handler's SDK client reads: region, credentials, the local DynamoDB endpoint. */
  handlerEnv(settings: PipelineSettings): Record<string, string> {
    return {
      ...LOCAL_AWS_ENV,
      AWS_ENDPOINT_URL_DYNAMODB: this.dynamoServer.endpoint,
      ORDERS_TABLE_NAME: settings.table.name,
    };
  }

  async stop(): Promise<void> {
    this.sqs.destroy();
    this.dynamo.destroy();
    await Promise.all([this.sqsServer.stop(), this.dynamoServer.stop()]);
  }
}

/** Creates the DLQ, the queue (redrive from the stack) and the table exactly as the stack defines them. */
export async function createResources(
  env: LocalEnvironment,
  settings: PipelineSettings,
  visibilityTimeoutSeconds: number,
): Promise<Queues> {
  const dlq = await env.sqs.send(
    new CreateQueueCommand({
      QueueName: settings.deadLetterQueue.name,
      Attributes: { MessageRetentionPeriod: String(settings.deadLetterQueue.messageRetentionSeconds) },
    }),
  );
  const dlqArn = (
    await env.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes!.QueueArn!;
  const queue = await env.sqs.send(
    new CreateQueueCommand({
      QueueName: settings.queue.name,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(settings.queue.messageRetentionSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
      },
    }),
  );
  const arn = (
    await env.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes!.QueueArn!;
  await createTable(env.dynamo, settings.table);
  return { url: queue.QueueUrl!, arn, dlqUrl: dlq.QueueUrl! };
}

/** The SQS record Lambda's event source mapping builds from a received message. */
function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: LOCAL_AWS_ENV.AWS_REGION,
  };
}

/** Publishes `count` orders as SNS would deliver them (envelope or raw, as the subscription says), 10 per call. */
async function publish(
  env: LocalEnvironment,
  queues: Queues,
  settings: PipelineSettings,
  count: number,
  badShare: number,
): Promise<{ poison: Map<string, string>; goodOrderIds: string[] }> {
  const badEvery = badShare > 0 ? Math.max(1, Math.round(1 / badShare)) : 0;
  const topicArn = `arn:aws:sns:${LOCAL_AWS_ENV.AWS_REGION}:000000000000:${settings.queue.name.replace(/Queue$/, "Topic")}`;
  const poison = new Map<string, string>();
  const goodOrderIds: string[] = [];
  const batches: { Id: string; MessageBody: string; bad: boolean }[][] = [];
  for (let i = 0; i < count; i++) {
    const bad = badEvery > 0 && i % badEvery === badEvery - 1;
    // A poison order breaks the contract: a lower-case currency.
    const order = sampleOrder(bad ? { currency: "eur" } : {});
    if (!bad) goodOrderIds.push(order.orderId as string);
    const body = snsDeliveryBody(JSON.stringify(order), { rawMessageDelivery: settings.rawMessageDelivery, topicArn });
    if (i % 10 === 0) batches.push([]);
    batches[batches.length - 1].push({ Id: `m${i % 10}`, MessageBody: body, bad });
  }
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map(async (batch) => {
        const result = await env.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queues.url,
            Entries: batch.map(({ Id, MessageBody }) => ({ Id, MessageBody })),
          }),
        );
        if (result.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(result.Failed)}`);
        for (const sent of result.Successful ?? []) {
          const entry = batch.find((e) => e.Id === sent.Id)!;
          if (entry.bad) poison.set(sent.MessageId!, entry.MessageBody);
        }
      }),
    );
  }
  return { poison, goodOrderIds };
}

async function approximateCount(env: LocalEnvironment, queueUrl: string): Promise<number> {
  const attributes = (
    await env.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    )
  ).Attributes!;
  return Number(attributes.ApproximateNumberOfMessages) + Number(attributes.ApproximateNumberOfMessagesNotVisible);
}

/** Reads every message on the DLQ (hiding each for the rest of the run) to check bodies arrived intact. */
async function drainForInspection(env: LocalEnvironment, queueUrl: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (;;) {
    const received = await env.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    if (!received.Messages?.length) return found;
    for (const m of received.Messages) found.set(m.MessageId!, m.Body ?? "");
  }
}

async function storedOrderIds(env: LocalEnvironment, tableName: string, hashKey: string): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  let startKey: Record<string, never> | undefined;
  do {
    const page = await env.dynamo.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: "#k",
        ExpressionAttributeNames: { "#k": hashKey },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const id = item[hashKey].S!;
      ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  return ids;
}

/** Runs one local pipeline end to end and returns what happened, verified against the servers. */
export async function runLocalPipeline(
  env: LocalEnvironment,
  settings: PipelineSettings,
  options: LocalRunOptions,
): Promise<LocalRunSummary> {
  const started = Date.now();
  const elapsed = (): number => (Date.now() - started) / 1000;
  const queues = await createResources(env, settings, options.visibilityTimeoutSeconds);
  const handler = options.loadHandler();
  const { poison, goodOrderIds } = await publish(env, queues, settings, options.orders, options.badShare);
  const published = options.orders;
  const receivesByMessageId = new Map<string, number>();
  const succeeded = new Set<string>();
  let invocations = 0;
  let inDeadLetterQueue = 0;
  let done = false;

  // Like the event source mapping: receive up to the batch size, invoke, delete what did not fail.
  const poller = async (): Promise<void> => {
    while (!done) {
      const messages: Message[] = [];
      while (messages.length < options.batchSize) {
        const received = await env.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.url,
            MaxNumberOfMessages: Math.min(10, options.batchSize - messages.length),
            // Shorter than the visibility timeout: local-aws-sqs returns a message again within one
            // long poll once it becomes visible, which a real queue never does.
            WaitTimeSeconds: messages.length === 0 ? Math.max(0, Math.min(1, options.visibilityTimeoutSeconds - 1)) : 0,
            AttributeNames: ["All"],
          }),
        );
        if (!received.Messages?.length) break;
        messages.push(...received.Messages);
      }
      if (messages.length === 0) {
        if (!done) await sleep(50);
        continue;
      }
      const records = messages.map((m) => toRecord(m, queues.arn));
      for (const r of records) receivesByMessageId.set(r.messageId, (receivesByMessageId.get(r.messageId) ?? 0) + 1);
      invocations++;
      let failed: Set<string>;
      try {
        const response = await handler({ Records: records });
        failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        // A thrown invocation fails the whole batch, as on Lambda.
        failed = new Set(records.map((r) => r.messageId));
      }
      const completed = records.filter((r) => !failed.has(r.messageId));
      for (let i = 0; i < completed.length; i += 10) {
        await env.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queues.url,
            Entries: completed.slice(i, i + 10).map((r, j) => ({ Id: `d${j}`, ReceiptHandle: r.receiptHandle })),
          }),
        );
      }
      for (const r of completed) succeeded.add(r.messageId);
    }
  };

  const pollers = Array.from({ length: options.concurrency }, () => poller());
  const progressTimer = setInterval(() => {
    options.onProgress?.({
      published,
      stored: succeeded.size,
      inDeadLetterQueue,
      invocations,
      elapsedSeconds: elapsed(),
    });
  }, 250);
  try {
    while (elapsed() < options.timeoutSeconds) {
      inDeadLetterQueue = await approximateCount(env, queues.dlqUrl);
      if (succeeded.size + inDeadLetterQueue >= published) break;
      await sleep(100);
    }
  } finally {
    done = true;
    clearInterval(progressTimer);
    await Promise.all(pollers);
  }
  const durationSeconds = elapsed();

  const stored = await storedOrderIds(env, settings.table.name, settings.table.hashKey);
  const deadLetters = await drainForInspection(env, queues.dlqUrl);
  const storedCount = [...stored.values()].reduce((a, b) => a + b, 0);
  const summary: LocalRunSummary = {
    published,
    stored: storedCount,
    inDeadLetterQueue: deadLetters.size,
    invocations,
    elapsedSeconds: durationSeconds,
    ordersPerSecond: published / durationSeconds,
    nothingLost: storedCount + deadLetters.size === published,
    receivesByMessageId,
    poison,
    deadLetters,
    goodOrderIds,
    storedOrderIds: stored,
  };
  options.onProgress?.(summary);
  return summary;
}
