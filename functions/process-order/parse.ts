import { Order, OrderSchema, SnsNotificationSchema, describeIssues } from "./order";

/**
 * Reading an SQS message body into an order: shared by the function and the
 * operator tools (publish checks an order before sending it, dlq list explains why
 * a dead letter failed), so both speak the same contract.
 */

/** The record's body is not a JSON object (or an SNS notification carrying one). */
export class MalformedMessageError extends Error {
  public override readonly name = "MalformedMessageError";
}

/** The order breaks the contract; the message lists every broken field. */
export class InvalidOrderError extends Error {
  public override readonly name = "InvalidOrderError";
  constructor(
    public readonly orderId: string | undefined,
    public readonly problems: readonly string[],
  ) {
    super(`invalid order: ${problems.join("; ")}`);
  }
}

/** An order read from a message, and the ID of the message that carried it. */
export interface ParsedMessage {
  readonly order: Order;
  /** The SNS MessageId when the body is an SNS notification, else the SQS message ID given. */
  readonly carrierMessageId: string;
}

/** Reads a body: an SNS notification (raw delivery off) or the order itself, told apart by shape. */
export function parseOrderMessage(body: string, sqsMessageId: string): ParsedMessage {
  const json = parseJsonObject(body, "record body");
  const notification = SnsNotificationSchema.safeParse(json);
  const carrierMessageId = notification.success ? notification.data.MessageId : sqsMessageId;
  const candidate = notification.success ? parseJsonObject(notification.data.Message, "SNS Message") : json;
  return { order: parseOrder(candidate), carrierMessageId };
}

/** Checks a value against the order contract; throws InvalidOrderError listing every broken field. */
export function parseOrder(candidate: Record<string, unknown>): Order {
  const parsed = OrderSchema.safeParse(candidate);
  if (!parsed.success) {
    const orderId = typeof candidate.orderId === "string" ? candidate.orderId : undefined;
    throw new InvalidOrderError(orderId, describeIssues(parsed.error.issues, candidate));
  }
  return parsed.data;
}

/** Parses JSON text that must be an object; throws MalformedMessageError otherwise. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  if (text.trim() === "") throw new MalformedMessageError(`${what} is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedMessageError(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new MalformedMessageError(`${what} must be a JSON object (given ${kind})`);
  }
  return value as Record<string, unknown>;
}
