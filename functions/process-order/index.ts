import { createHash } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { ORDER_ID_PATTERN, Order, STORAGE_LIMITS, itemSizeBytes } from "../../contract/order";
import { ORDER_METRIC_NAMES, Outcome } from "../../contract/metrics";
import { InvalidOrderError, MalformedMessageError, ParsedMessage, parseOrderMessage } from "../../contract/parse";

export { InvalidOrderError, MalformedMessageError } from "../../contract/parse";

/**
 * Records of one batch processed at once: the environment variable `MAX_RECORDS_IN_FLIGHT`,
 * an integer 1-500, default 32. Each holds one socket; more in flight than a slow DynamoDB
 * endpoint answers within the 2 s socket timeout turns its slowness into failures
 * (docs/order-contract.md).
 */
export const MAX_RECORDS_IN_FLIGHT = { variable: "MAX_RECORDS_IN_FLIGHT", default: 32, min: 1, max: 500 } as const;

/**
 * Every DynamoDB call gives up when it cannot connect within 1 s, when its socket is
 * silent for 2 s, or when the whole request takes 3 s; the SDK then retries (3 attempts
 * in all), and the invocation's deadline aborts whatever is still running.
 */
export const DYNAMODB_TIMEOUTS_MS = { connection: 1_000, socketIdle: 2_000, request: 3_000 } as const;

/**
 * How long before the function timeout the invocation stops and answers: 1 s for the
 * runtime to return the response and for timers that fire late, plus 0.3 ms per record
 * for reporting each one failed (measured: 0.16 ms per record on a 2-core machine with
 * two CPU-bound processes beside it, about the CPU share of a 256 MB function).
 */
export function deadlineMarginMs(records: number): number {
  return 1_000 + Math.ceil(records * 0.3);
}

/** The time an invocation without a Lambda context (the local runner) may take: the default function timeout. */
export const DEFAULT_REMAINING_MS = 30_000;

/**
 * The metric names, part of the contract (contract/metrics.ts: dashboards, alarms, `npm run status`
 * and the sandbox read them). Counts are emitted every invocation, 0 included, so a graph never has gaps.
 */
export const METRIC_NAMES = ORDER_METRIC_NAMES;

/**
 * The most `OrderLatency` values one EMF document carries: EMF allows 100 values per metric and
 * Powertools flushes a document when a metric reaches 100, so 99 keeps one document per
 * invocation. A bigger batch is summarised by 99 evenly spaced quantiles (min and max kept).
 */
export const MAX_LATENCY_VALUES = 99;

/** The most bytes of an error message one log line carries (a line stays under 8 KiB). */
export const MAX_LOGGED_ERROR_BYTES = 4_096;

// Module scope: read once per container, reused by every invocation.
const settings = readSettings(process.env);

// One socket per record in flight: a request never waits for a socket, so the connection timeout
// measures the connection alone.
const agentOptions = { maxSockets: settings.maxInFlight };
// The client honours the SDK's standard configuration (region, credentials, AWS_ENDPOINT_URL_DYNAMODB).
const client = new DynamoDBClient({
  maxAttempts: 3,
  requestHandler: {
    connectionTimeout: DYNAMODB_TIMEOUTS_MS.connection,
    socketTimeout: DYNAMODB_TIMEOUTS_MS.socketIdle,
    requestTimeout: DYNAMODB_TIMEOUTS_MS.request,
    // Without it, smithy 4.x only logs that the request timeout passed.
    throwOnRequestTimeout: true,
    httpAgent: agentOptions,
    httpsAgent: agentOptions,
  },
});
/**
 * The host (and port) a failed request went to, for its log line: an own property, so it stays on
 * the error when the SDK's retry wraps one that is not an `Error` of this realm.
 */
const HOST = Symbol("host");
client.middlewareStack.add(
  (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      const { hostname, port } = args.request as { hostname?: string; port?: number };
      if (typeof error === "object" && error !== null && hostname) {
        (error as { [HOST]?: string })[HOST] = port ? `${hostname}:${port}` : hostname;
      }
      throw error;
    }
  },
  { step: "finalizeRequest", name: "failedRequestHost" },
);
const dynamodb = DynamoDBDocumentClient.from(client);
const logger = new Logger({ serviceName: "process-order" });
// Namespace (POWERTOOLS_METRICS_NAMESPACE) and service (POWERTOOLS_SERVICE_NAME) come from the stack;
// the only other dimension is the environment: each extra dimension is a separately billed metric.
const metrics = new Metrics({
  serviceName: "process-order",
  ...(process.env.ORDERS_ENVIRONMENT ? { defaultDimensions: { environment: process.env.ORDERS_ENVIRONMENT } } : {}),
});

/** A different order is already stored under this orderId; it is never overwritten. */
export class OrderConflictError extends Error {
  public override readonly name = "OrderConflictError";
  constructor(public readonly orderId: string) {
    super(`orderId ${JSON.stringify(orderId)} is already stored with different content; not overwritten`);
  }
}

/** The function is deployed without the table name it writes to, or with a setting out of range. */
export class ConfigurationError extends Error {
  public override readonly name = "ConfigurationError";
}

/** The record had no result when the invocation's deadline came; it was aborted and will be delivered again. */
export class DeadlineExceededError extends Error {
  public override readonly name = "DeadlineExceededError";
}

interface Settings {
  readonly tableName: string | undefined;
  readonly maxInFlight: number;
  /** Problems that fail every record with a ConfigurationError. */
  readonly problems: readonly string[];
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const problems: string[] = [];
  if (!env.ORDERS_TABLE_NAME) problems.push("ORDERS_TABLE_NAME is not set");
  const { variable, min, max } = MAX_RECORDS_IN_FLIGHT;
  const given = env[variable];
  let maxInFlight: number = MAX_RECORDS_IN_FLIGHT.default;
  if (given !== undefined) {
    const value = Number(given);
    if (Number.isInteger(value) && value >= min && value <= max) maxInFlight = value;
    else problems.push(`${variable} must be an integer between ${min} and ${max} (given ${JSON.stringify(given)})`);
  }
  return { tableName: env.ORDERS_TABLE_NAME, maxInFlight, problems };
}

/** A stable digest of the order's content, independent of key order: tells a redelivery from a conflict. */
export function orderDigest(order: Order): string {
  return createHash("sha256").update(canonicalJson(order)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

interface RecordResult {
  readonly outcome: Outcome;
  /** For a stored order: stored time minus the publish time (SNS Timestamp, or SQS SentTimestamp when raw). */
  readonly latencyMs?: number;
  readonly orderId?: string;
  readonly error?: Error;
  /** The host of a failed request, and its HTTP status or "closed" connection. */
  readonly http?: Record<string, string | number>;
}

/** Stores one order with a conditional create; a redelivery of the same order is a success that changes nothing. */
async function storeOrder(
  record: SQSRecord,
  { order, carrierMessageId }: ParsedMessage,
  abortSignal: AbortSignal,
): Promise<"stored" | "duplicate"> {
  const digest = orderDigest(order);
  const sentAt = Number(record.attributes.SentTimestamp);
  const item = {
    ...order,
    _pipeline: {
      receivedAt: new Date(Number.isFinite(sentAt) ? sentAt : Date.now()).toISOString(),
      messageId: carrierMessageId,
      sqsMessageId: record.messageId,
      orderDigest: digest,
    },
  };
  const size = itemSizeBytes(item);
  if (size > STORAGE_LIMITS.maxItemBytes) {
    throw new InvalidOrderError(order.orderId, [
      `order is ${size} bytes as a DynamoDB item with the pipeline's fields; DynamoDB stores at most ` +
        `${STORAGE_LIMITS.maxItemBytes} bytes (400 KB)`,
    ]);
  }
  if (settings.problems.length > 0) throw new ConfigurationError(settings.problems.join("; "));
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: settings.tableName,
        Item: item,
        ConditionExpression: "attribute_not_exists(orderId)",
      }),
      { abortSignal },
    );
    return "stored";
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
  }
  const existing = await dynamodb.send(
    new GetCommand({
      TableName: settings.tableName,
      Key: { orderId: order.orderId },
      ConsistentRead: true,
      ProjectionExpression: "#p.orderDigest",
      ExpressionAttributeNames: { "#p": "_pipeline" },
    }),
    { abortSignal },
  );
  // The conditional create failed, so the item exists (the pipeline never deletes one); another writer's may lack _pipeline.
  if (existing.Item!._pipeline?.orderDigest === digest) return "duplicate";
  throw new OrderConflictError(order.orderId);
}

/** DynamoDB's endpoint answered with something that is not DynamoDB's answer, or closed the connection. */
export class HttpError extends Error {
  public override readonly name = "HttpError";
}

/**
 * What failed at the HTTP level, for the log line: the host, and the status of a non-2xx answer
 * or "closed" for a dropped connection. An answer the SDK could not read (a proxy's HTML 502, a
 * body cut off) becomes an HttpError saying so, not `SyntaxError: Unexpected token` or `aborted`.
 */
function httpLevel(error: Error): { error: Error; fields: Record<string, string | number> } {
  const e = error as Error & { [HOST]?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const host = e[HOST];
  if (!host) return { error, fields: {} };
  const status = e.$metadata?.httpStatusCode;
  if (/ECONNRESET|EPIPE|ECONNABORTED/.test(String(e.code)) || /(^|: )aborted$|socket hang up/m.test(e.message)) {
    const during = status === undefined ? "before answering" : `in the middle of its answer (HTTP ${status})`;
    return {
      error: new HttpError(`DynamoDB at ${host} closed the connection ${during} (${e.code ?? e.message})`),
      fields: { host, connection: "closed" },
    };
  }
  if (status === undefined || status < 300) return { error, fields: { host } };
  const unreadable = e.name === "SyntaxError" || e.name === "Unknown" || /Deserialization error/.test(e.message);
  return {
    error: unreadable
      ? new HttpError(`DynamoDB at ${host} answered HTTP ${status} with a body that is not DynamoDB's`)
      : error,
    fields: { host, httpStatus: status },
  };
}

/** Processes one record; never throws: the result says what became of it. */
async function processRecord(record: SQSRecord, abortSignal: AbortSignal): Promise<RecordResult> {
  let orderId: string | undefined;
  try {
    const parsed = parseOrderMessage(record.body, record.messageId);
    orderId = parsed.order.orderId;
    const outcome = await storeOrder(record, parsed, abortSignal);
    const publishedAt = parsed.publishedAt ?? Number(record.attributes.SentTimestamp);
    const latencyMs = Date.now() - publishedAt;
    return { outcome, orderId, ...(outcome === "stored" && latencyMs >= 0 ? { latencyMs } : {}) };
  } catch (error) {
    const err = error as Error;
    orderId ??= err instanceof InvalidOrderError ? err.orderId : undefined;
    const rejected =
      err instanceof MalformedMessageError || err instanceof InvalidOrderError || err instanceof OrderConflictError;
    if (rejected) return { outcome: "rejected", orderId, error: err };
    const { error: described, fields } = httpLevel(err);
    return { outcome: "failed", orderId, error: described, http: fields };
  }
}

const MESSAGES: Record<Outcome, string> = {
  stored: "order stored",
  duplicate: "order already stored; redelivery ignored",
  rejected: "order rejected",
  failed: "order failed",
};

/**
 * One JSON line per record. Bounded: a bad orderId is not repeated outside the error
 * (which quotes it once, cut), and no field can push the line past 8 KiB.
 */
function report(record: SQSRecord, { outcome, orderId, error, http }: RecordResult): void {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount);
  const fields = {
    messageId: fitBytes(String(record.messageId), 256),
    ...(Number.isFinite(receiveCount) ? { receiveCount } : {}),
    ...(ORDER_ID_PATTERN.test(orderId ?? "") ? { orderId } : {}),
    outcome,
    ...(error
      ? { errorKind: fitBytes(String(error.name), 128), error: fitBytes(String(error.message), MAX_LOGGED_ERROR_BYTES) }
      : {}),
    ...http,
  };
  // A rejected message needs a person (it will reach the DLQ); a failed one may succeed on retry.
  if (outcome === "rejected") logger.warn(MESSAGES[outcome], fields);
  else if (outcome === "failed") logger.error(MESSAGES[outcome], fields);
  else logger.info(MESSAGES[outcome], fields);
}

/**
 * `text` cut to its longest start that, as a JSON string followed by the text's length, takes
 * at most `maxBytes` bytes of UTF-8. When not even the length fits, the length alone is returned.
 */
export function fitBytes(text: string, maxBytes: number): string {
  const bytes = (s: string): number => Buffer.byteLength(JSON.stringify(s));
  if (bytes(text) <= maxBytes) return text;
  const suffix = `… (${text.length} characters)`;
  // Binary search: text.slice(0, fits) + suffix fits; text.slice(0, tooMany) + suffix does not.
  let fits = 0;
  let tooMany = text.length;
  while (tooMany - fits > 1) {
    const middle = (fits + tooMany) >> 1;
    if (bytes(text.slice(0, middle) + suffix) <= maxBytes) fits = middle;
    else tooMany = middle;
  }
  return text.slice(0, fits) + suffix;
}

/**
 * The Lambda handler: an SQS partial batch response listing exactly the records that
 * failed or were rejected. One bad record never fails its batch. At most
 * MAX_RECORDS_IN_FLIGHT records run at once, and the response is returned before the
 * function timeout: records without a result by then are reported failed and their
 * requests aborted.
 */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  const startedAt = Date.now();
  const records = event.Records;
  const remaining =
    typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : DEFAULT_REMAINING_MS;
  const budgetMs = Math.max(0, remaining - deadlineMarginMs(records.length));
  const results: (RecordResult | undefined)[] = [];
  const controller = new AbortController();

  let passed = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      passed = true;
      controller.abort();
      resolve();
    }, budgetMs);
  });

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!passed && next < records.length) {
      const index = next++;
      const result = await processRecord(records[index], controller.signal);
      // After the deadline the record is already reported failed: a late result changes nothing.
      if (passed) return;
      results[index] = result;
      report(records[index], result);
    }
  };
  const workers = Array.from({ length: Math.min(settings.maxInFlight, records.length) }, worker);
  await Promise.race([Promise.all(workers), deadline]);
  clearTimeout(timer);

  const batchItemFailures: SQSBatchResponse["batchItemFailures"] = [];
  records.forEach((record, index) => {
    let result = results[index];
    if (!result) {
      result = {
        outcome: "failed",
        error: new DeadlineExceededError(
          `no result ${deadlineMarginMs(records.length)} ms before the function timeout ` +
            "(not started, or its request aborted); SQS will deliver it again",
        ),
      };
      results[index] = result;
      report(record, result);
    }
    if (result.outcome === "rejected" || result.outcome === "failed") {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  });
  publishMetrics(records.length, results as RecordResult[], Date.now() - startedAt);
  return { batchItemFailures };
}

/** `values` reduced to at most `max` evenly spaced quantiles of their distribution (min and max kept). */
export function quantileSample(values: readonly number[], max: number): number[] {
  if (values.length <= max) return [...values];
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from({ length: max }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (max - 1))]);
}

/**
 * One EMF document for the invocation (not one per record: cost and log volume). Never throws: a
 * metric problem is logged once and the batch response stands. Its cost is bounded: at most
 * 6 metrics and 99 latency values, one synchronous write.
 */
function publishMetrics(batchSize: number, results: readonly RecordResult[], batchDurationMs: number): void {
  try {
    const counts: Record<Outcome, number> = { stored: 0, duplicate: 0, rejected: 0, failed: 0 };
    const latencies: number[] = [];
    for (const result of results) {
      counts[result.outcome] += 1;
      if (result.latencyMs !== undefined) latencies.push(result.latencyMs);
    }
    for (const outcome of Object.keys(counts) as Outcome[]) {
      metrics.addMetric(METRIC_NAMES[outcome], MetricUnit.Count, counts[outcome]);
    }
    metrics.addMetric(METRIC_NAMES.batchSize, MetricUnit.Count, batchSize);
    for (const latency of quantileSample(latencies, MAX_LATENCY_VALUES)) {
      metrics.addMetric(METRIC_NAMES.latency, MetricUnit.Milliseconds, latency);
    }
    // A property of the document, not a metric (not billed): the saved "slowest batches" query sorts by it.
    metrics.addMetadata("batchDurationMs", String(batchDurationMs));
    metrics.publishStoredMetrics();
  } catch (error) {
    metrics.clearMetrics();
    logger.warn("metrics not published", {
      error: fitBytes(String((error as Error)?.message), MAX_LOGGED_ERROR_BYTES),
    });
  }
}
