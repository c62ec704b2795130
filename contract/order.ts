import * as z from "zod/mini";

/**
 * The order contract: what a client publishes to OrderTopic. Unknown fields are
 * kept as they are; `_pipeline` is reserved for what the pipeline adds.
 * zod/mini (tree-shakeable) keeps the bundle small; every rule carries its own message.
 * docs/order-contract.md lists every rule and limit.
 */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const OrderItemSchema = z.looseObject({
  // A schema's own message also serves its checks.
  sku: z.string({ error: "must be a non-empty string" }).check(z.minLength(1)),
  quantity: z.int({ error: "must be an integer >= 1" }).check(z.gte(1)),
  unitPrice: z.number({ error: "must be a number >= 0" }).check(z.gte(0)),
});

export const OrderSchema = z.looseObject({
  orderId: z
    .string({ error: "is required: 1-64 characters of letters, digits, - and _" })
    .check(z.regex(ORDER_ID_PATTERN, { error: "must be 1-64 characters of letters, digits, - and _" })),
  customerId: z
    .string({ error: "is required: a non-empty string" })
    .check(z.minLength(1, { error: "must be a non-empty string" })),
  items: z
    .array(OrderItemSchema, { error: "is required: a list of at least one item" })
    .check(z.minLength(1, { error: "must hold at least one item" })),
  currency: z
    .string({ error: "is required: an ISO 4217 code such as EUR" })
    .check(z.regex(/^[A-Z]{3}$/, { error: "must be an ISO 4217 code: three upper-case letters" })),
  createdAt: z.optional(
    z.iso.datetime({ offset: true, error: "must be an ISO-8601 timestamp such as 2026-11-27T10:00:00Z" }),
  ),
  _pipeline: z.optional(z.undefined({ error: "is reserved for the pipeline's own fields" })),
});

export type Order = z.infer<typeof OrderSchema>;

/** The SNS notification JSON that SQS holds when raw message delivery is off. */
export const SnsNotificationSchema = z.looseObject({
  Type: z.literal("Notification"),
  MessageId: z.string(),
  TopicArn: z.string(),
  Message: z.string(),
});

export type SnsNotification = z.infer<typeof SnsNotificationSchema>;

/** What DynamoDB and the SDK can store, checked before any write (docs/order-contract.md). */
export const STORAGE_LIMITS = {
  /** DynamoDB's item size limit (400 KB), names and values, `_pipeline` included. */
  maxItemBytes: 400 * 1024,
  /** DynamoDB nests 32 levels, a top-level field being level 1. */
  maxNestingLevels: 32,
  /** lib-dynamodb refuses to marshal numbers beyond Number.MAX_SAFE_INTEGER in magnitude. */
  maxNumber: Number.MAX_SAFE_INTEGER,
  /** DynamoDB's smallest positive number. */
  minPositiveNumber: 1e-130,
  /** DynamoDB's longest attribute name, in UTF-8 bytes. */
  maxKeyBytes: 65_535,
} as const;

/** How much of a bad value a message quotes: its first characters, then its length. */
export const ECHO_MAX_CHARS = 200;

/**
 * A number as written in the message that a 64-bit float cannot hold exactly
 * (`0.30000000000000000001` reads as 0.3): kept in place of the number so the
 * check can name it, and never stored.
 */
export class InexactNumber {
  constructor(
    public readonly source: string,
    public readonly read: number,
  ) {}
}

/** A value quoted for a message: JSON, cut to its first 200 characters plus its length. */
export function echo(value: unknown): string {
  const text =
    value instanceof InexactNumber
      ? value.source
      : typeof value === "number" && !Number.isFinite(value)
        ? String(value)
        : (JSON.stringify(value) ?? "nothing");
  return text.length <= ECHO_MAX_CHARS ? text : `${text.slice(0, ECHO_MAX_CHARS)}… (${text.length} characters)`;
}

/** Renders zod issues as `field: rule (given value)` lines, with the given value echoed by `echo`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): PathProblem[] {
  return issues.map((issue) => ({
    path: issue.path,
    text: `${formatPath(issue.path)} ${issue.message} (given ${echo(valueAt(input, issue.path))})`,
  }));
}

/** A broken rule and where in the order it is broken. */
export interface PathProblem {
  readonly path: readonly PropertyKey[];
  readonly text: string;
}

/** `items[0].sku`; `order` for the whole order. Long keys are cut like values. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "order";
  const text = path
    .map((key, index) => (typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`))
    .join("");
  return text.length <= ECHO_MAX_CHARS ? text : `${text.slice(0, ECHO_MAX_CHARS)}… (${text.length} characters)`;
}

// zod reports a path through values that exist, ending at the one it rejects (undefined when missing).
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown>)[key], input);
}

/**
 * Every value DynamoDB or the SDK would refuse or change: numbers it cannot store
 * exactly, nesting beyond 32 levels, keys that cannot round-trip, strings that are
 * not valid Unicode. The order's size is checked on the whole item (`itemSizeBytes`).
 */
export function storageProblems(order: Record<string, unknown>): PathProblem[] {
  const problems: PathProblem[] = [];
  const add = (path: readonly PropertyKey[], rule: string): void => {
    problems.push({ path, text: `${formatPath(path)} ${rule}` });
  };
  const visit = (value: unknown, path: PropertyKey[], level: number): void => {
    if (typeof value === "number" || value instanceof InexactNumber) {
      const rule = numberRule(value);
      if (rule) add(path, `${rule} (given ${echo(value)})`);
    } else if (typeof value === "string") {
      if (!isWellFormed(value))
        add(path, `must be valid Unicode: it holds an unpaired surrogate (given ${echo(value)})`);
    } else if (value !== null && typeof value === "object") {
      const entries = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
      if (level >= STORAGE_LIMITS.maxNestingLevels && entries.length > 0) {
        add(
          path,
          `nests deeper than ${STORAGE_LIMITS.maxNestingLevels} levels, DynamoDB's limit (a top-level field is level 1)`,
        );
        return;
      }
      for (const [key, child] of entries) {
        if (typeof key === "string") checkKey(key, path, add);
        visit(child, [...path, key], level + 1);
      }
    }
  };
  for (const [key, value] of Object.entries(order)) {
    checkKey(key, [], add);
    visit(value, [key], 1);
  }
  return problems;
}

function numberRule(value: number | InexactNumber): string | undefined {
  if (value instanceof InexactNumber) {
    return `must be a number a 64-bit float holds exactly (it reads as ${value.read})`;
  }
  if (!Number.isFinite(value)) return "must be a finite number";
  const magnitude = Math.abs(value);
  if (magnitude > STORAGE_LIMITS.maxNumber || (magnitude !== 0 && magnitude < STORAGE_LIMITS.minPositiveNumber)) {
    return `must be 0 or between 1E-130 and ${STORAGE_LIMITS.maxNumber} in magnitude`;
  }
  return undefined;
}

function checkKey(
  key: string,
  path: readonly PropertyKey[],
  add: (path: readonly PropertyKey[], rule: string) => void,
) {
  if (key === "__proto__") {
    add(path, 'has a key "__proto__", which JavaScript drops when it builds the item; rename it');
  } else if (key === "") {
    add(path, "has an empty key; DynamoDB needs field names of 1 to 65535 bytes");
  } else if (!isWellFormed(key)) {
    add(path, `has a key that is not valid Unicode (given ${echo(key)})`);
  } else if (Buffer.byteLength(key) > STORAGE_LIMITS.maxKeyBytes) {
    add(
      path,
      `has a key of ${Buffer.byteLength(key)} bytes; DynamoDB needs field names of 1 to 65535 bytes (given ${echo(key)})`,
    );
  }
}

function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * An item's size as DynamoDB counts it against its 400 KB limit: UTF-8 names and
 * strings, numbers by significant digits, 3 bytes per list or map plus 1 per element
 * (AWS's "Item sizes and formats" rules; numbers as dynalite models them).
 */
export function itemSizeBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSizeBytes(value);
  return size;
}

function valueSizeBytes(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number") return numberSizeBytes(value);
  if (value === null || typeof value !== "object") return 1;
  if (Array.isArray(value)) return value.reduce((sum: number, element) => sum + 1 + valueSizeBytes(element), 3);
  return 3 + Object.keys(value).length + itemSizeBytes(value as Record<string, unknown>);
}

function numberSizeBytes(value: number): number {
  const { digits, exponent } = decimal(String(value))!;
  if (digits === "0") return 1;
  const evenPadding = digits.length % 2 === 0 && exponent % 2 === 0 ? 1 : 0;
  return 1 + Math.ceil(digits.length / 2) + evenPadding + (value < 0 ? 1 : 0);
}

/**
 * A decimal literal as its significant digits and the power of ten of the first one
 * (`"0.0120"` -> `12`, -2): two literals are the same number when both agree.
 */
export function decimal(literal: string): { digits: string; exponent: number } | undefined {
  const match = /^-?(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(literal);
  if (!match) return undefined;
  const all = match[1] + (match[2] ?? "");
  const leading = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(leading).replace(/0+$/, "");
  if (digits === "") return { digits: "0", exponent: 0 };
  return { digits, exponent: match[1].length - leading - 1 + Number(match[3] ?? 0) };
}
