import { createHash } from "node:crypto";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { Order } from "./order";
import { InvalidOrderError, MalformedMessageError, ParsedMessage, parseOrderMessage } from "./parse";

export { InvalidOrderError, MalformedMessageError } from "./parse";

// Module scope: created once per container, reused by every invocation.
// The client honours the SDK's standard configuration (region, credentials,
// AWS_ENDPOINT_URL_DYNAMODB). Retries and timeouts are bounded so that an
// unreachable DynamoDB fails the records well within the function timeout.
const dynamodb = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  }),
);
const logger = new Logger({ serviceName: "process-order" });
const tableName = process.env.ORDERS_TABLE_NAME;

/** A different order is already stored under this orderId; it is never overwritten. */
export class OrderConflictError extends Error {
  public override readonly name = "OrderConflictError";
  constructor(public readonly orderId: string) {
    super(`orderId ${JSON.stringify(orderId)} is already stored with different content; not overwritten`);
  }
}

/** The function is deployed without the table name it writes to. */
export class ConfigurationError extends Error {
  public override readonly name = "ConfigurationError";
}

/** A stable digest of the order's content, independent of key order: tells a redelivery from a conflict. */
export function orderDigest(order: Order): string {
  return createHash("sha256").update(canonicalJson(order)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

type Outcome = "stored" | "duplicate";

/** Stores one order with a conditional create; a redelivery of the same order is a success that changes nothing. */
async function storeOrder(record: SQSRecord, { order, carrierMessageId }: ParsedMessage): Promise<Outcome> {
  if (!tableName) throw new ConfigurationError("ORDERS_TABLE_NAME is not set");
  const digest = orderDigest(order);
  const sentAt = Number(record.attributes?.SentTimestamp);
  try {
    await dynamodb.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...order,
          _pipeline: {
            receivedAt: new Date(Number.isFinite(sentAt) ? sentAt : Date.now()).toISOString(),
            messageId: carrierMessageId,
            sqsMessageId: record.messageId,
            orderDigest: digest,
          },
        },
        ConditionExpression: "attribute_not_exists(orderId)",
      }),
    );
    return "stored";
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
  }
  const existing = await dynamodb.send(
    new GetCommand({
      TableName: tableName,
      Key: { orderId: order.orderId },
      ConsistentRead: true,
      ProjectionExpression: "#p.orderDigest",
      ExpressionAttributeNames: { "#p": "_pipeline" },
    }),
  );
  if (existing.Item?._pipeline?.orderDigest === digest) return "duplicate";
  throw new OrderConflictError(order.orderId);
}

/** Processes one record; throws to report it as failed (it is retried, then moves to the DLQ). */
export async function processRecord(record: SQSRecord): Promise<void> {
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
  const base = { messageId: record.messageId, ...(Number.isFinite(receiveCount) ? { receiveCount } : {}) };
  let parsed: ParsedMessage | undefined;
  try {
    parsed = parseOrderMessage(record.body, record.messageId);
    const outcome = await storeOrder(record, parsed);
    logger.info(outcome === "stored" ? "order stored" : "order already stored; redelivery ignored", {
      ...base,
      orderId: parsed.order.orderId,
      outcome,
    });
  } catch (error) {
    const err = error as Error;
    const orderId = parsed?.order.orderId ?? (err instanceof InvalidOrderError ? err.orderId : undefined);
    const rejected =
      err instanceof MalformedMessageError || err instanceof InvalidOrderError || err instanceof OrderConflictError;
    const fields = {
      ...base,
      orderId,
      outcome: rejected ? "rejected" : "failed",
      errorKind: err.name,
      error: err.message,
    };
    // A rejected message needs a person (it will reach the DLQ); a failed one may succeed on retry.
    if (rejected) logger.warn("order rejected", fields);
    else logger.error("order failed", fields);
    throw error;
  }
}

/**
 * The Lambda handler: an SQS partial batch response listing exactly the records
 * that failed. One bad record never fails its batch.
 */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  // One processor per invocation keeps the handler re-entrant (the local runner invokes it concurrently).
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, processRecord, processor, {
    context,
    throwOnFullBatchFailure: false,
  }) as Promise<SQSBatchResponse>;
}
