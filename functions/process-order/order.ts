import * as z from "zod/mini";

/**
 * The order contract: what a client publishes to OrderTopic. Unknown fields are
 * kept as they are; `_pipeline` is reserved for what the pipeline adds.
 * zod/mini (tree-shakeable) keeps the bundle small; every rule carries its own message.
 */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const OrderItemSchema = z.looseObject({
  sku: z.string({ error: "must be a non-empty string" }).check(z.minLength(1, { error: "must be a non-empty string" })),
  quantity: z.int({ error: "must be an integer >= 1" }).check(z.gte(1, { error: "must be an integer >= 1" })),
  unitPrice: z.number({ error: "must be a number >= 0" }).check(z.gte(0, { error: "must be a number >= 0" })),
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

/** Renders zod issues as `field: rule (given value)` lines. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const field = issue.path.length === 0 ? "order" : formatPath(issue.path);
    const given = valueAt(input, issue.path);
    return `${field} ${issue.message} (given ${given === undefined ? "nothing" : JSON.stringify(given)})`;
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`))
    .join("");
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
