import {
  InexactNumber,
  Order,
  OrderSchema,
  PathProblem,
  STORAGE_LIMITS,
  SnsNotificationSchema,
  decimal,
  describeIssues,
  storageProblems,
} from "./order";

/**
 * Reading an SQS message body into an order: shared by the function and the
 * operator tools (publish checks an order before sending it, dlq list explains why
 * a dead letter failed), so both speak the same contract.
 */

/** The record's body is not a JSON object (or an SNS notification carrying one). */
export class MalformedMessageError extends Error {
  public override readonly name = "MalformedMessageError";
}

/** How many broken rules an InvalidOrderError's message lists; the rest are counted. */
export const MAX_LISTED_PROBLEMS = 10;

/** The order breaks the contract; the message lists every broken field (the first 10, then a count). */
export class InvalidOrderError extends Error {
  public override readonly name = "InvalidOrderError";
  constructor(
    public readonly orderId: string | undefined,
    public readonly problems: readonly string[],
  ) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join("; ");
    const more = problems.length - MAX_LISTED_PROBLEMS;
    super(`invalid order: ${listed}${more > 0 ? `; and ${more} more` : ""}`);
  }
}

/** An order read from a message, and the ID of the message that carried it. */
export interface ParsedMessage {
  readonly order: Order;
  /** The SNS MessageId when the body is an SNS notification, else the SQS message ID given. */
  readonly carrierMessageId: string;
  /** When SNS accepted the publish (its `Timestamp`, epoch ms), for a notification body; else undefined. */
  readonly publishedAt?: number;
}

/** Reads a body: an SNS notification (raw delivery off) or the order itself, told apart by shape. */
export function parseOrderMessage(body: string, sqsMessageId: string): ParsedMessage {
  const json = readJsonObject(body, "record body");
  const notification = SnsNotificationSchema.safeParse(json);
  const carrierMessageId = notification.success ? notification.data.MessageId : sqsMessageId;
  const candidate = notification.success
    ? parseJsonObject(notification.data.Message, "SNS Message")
    : withExactNumbers(body, json);
  const timestamp = notification.success ? Date.parse(String(notification.data.Timestamp)) : NaN;
  return {
    order: parseOrder(candidate),
    carrierMessageId,
    ...(Number.isFinite(timestamp) ? { publishedAt: timestamp } : {}),
  };
}

/**
 * Checks a value against the order contract and DynamoDB's limits; throws
 * InvalidOrderError listing every broken rule, each bad value quoted once.
 */
export function parseOrder(candidate: Record<string, unknown>): Order {
  const parsed = OrderSchema.safeParse(candidate);
  const storage = storageProblems(candidate);
  const schema = parsed.success ? [] : describeIssues(parsed.error.issues, candidate);
  // A value the storage check names (an inexact or infinite number) is not quoted a second time.
  const problems = [...schema.filter((p) => !storage.some((s) => samePath(s, p))), ...storage];
  if (problems.length > 0) {
    const orderId = typeof candidate.orderId === "string" ? candidate.orderId : undefined;
    throw new InvalidOrderError(
      orderId,
      problems.map((p) => p.text),
    );
  }
  return parsed.data!;
}

function samePath(a: PathProblem, b: PathProblem): boolean {
  return a.path.length === b.path.length && a.path.every((key, i) => key === b.path[i]);
}

/**
 * Parses JSON text that must be an object (an order); throws MalformedMessageError otherwise.
 * A number the text holds that a 64-bit float cannot (0.30000000000000000001, 1e-400) is
 * kept as an InexactNumber, for the order's checks to name.
 */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  return withExactNumbers(text, readJsonObject(text, what));
}

function readJsonObject(text: string, what: string): Record<string, unknown> {
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

// A number (after ":", "[" or ",") that starts with 16 digits (a dot allowed between them), or
// that has an exponent: a number written without either has at most 15 significant digits,
// which a 64-bit float always holds exactly. Text inside strings (an orderId's "3e4f") rarely matches.
const MAY_BE_INEXACT = /[:[,]\s*-?(?:\d(?:\.?\d){15}|\d[\d.]*[eE])/;

/**
 * `value` (the parsed `text`), or, when the text may hold a number a float cannot, `text`
 * parsed again seeing each number as written. The second parse recurses: it runs only on
 * text nested no deeper than DynamoDB allows (a deeper order is rejected anyway).
 */
function withExactNumbers(text: string, value: Record<string, unknown>): Record<string, unknown> {
  if (!MAY_BE_INEXACT.test(text) || nestsDeeperThan(value, STORAGE_LIMITS.maxNestingLevels)) return value;
  return JSON.parse(text, markInexact);
}

/** Whether a value sits more than `levels` levels below `root` (its own fields are level 1). */
function nestsDeeperThan(root: object, levels: number): boolean {
  let values = Object.values(root);
  for (let level = 1; values.length > 0; level++) {
    if (level > levels) return true;
    values = values.flatMap((v) => (v !== null && typeof v === "object" ? Object.values(v) : []));
  }
  return false;
}

/** JSON.parse reviver: a number whose text reads as a different number becomes an InexactNumber. */
function markInexact(_key: string, value: unknown, context?: { source?: string }): unknown {
  // Not a number, or not finite (the order's checks name those).
  if (!Number.isFinite(value)) return value;
  // Node 22 passes each number's text (JSON.parse source text access). A correctly rounded
  // read keeps the power of ten, so the same significant digits mean the same number.
  return decimal(context!.source!)!.digits === decimal(String(value))!.digits
    ? value
    : new InexactNumber(context!.source!, value as number);
}
