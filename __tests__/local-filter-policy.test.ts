import { unsupportedFilterFeatures } from "../local/filter-policy";

/** What the sandbox refuses before it starts: filter policies fauxqs would not apply as SNS does. */
const features = (policy: unknown, filterPolicyScope?: "MessageAttributes" | "MessageBody"): string[] =>
  unsupportedFilterFeatures({
    topic: "t",
    queue: "q",
    rawMessageDelivery: false,
    filterPolicy: JSON.stringify(policy),
    filterPolicyScope,
  });

describe("filter policies the local SNS server applies as SNS does", () => {
  test.each([
    ["exact values", { currency: ["USD", "EUR"] }],
    [
      "prefix, suffix, equals-ignore-case and exists",
      { sku: [{ prefix: "SKU-" }, { suffix: "-9" }, { "equals-ignore-case": "x" }, { exists: true }] },
    ],
    ["numeric ranges", { total: [{ numeric: [">=", 0, "<", 100] }] }],
    [
      "anything-but over values and a prefix",
      { currency: [{ "anything-but": ["EUR"] }, { "anything-but": { prefix: "X" } }] },
    ],
    ["$or groups", { $or: [{ currency: ["USD"] }, { customerId: [{ prefix: "vip-" }] }] }],
  ])("passes %s", (_, policy) => {
    expect(features(policy)).toEqual([]);
  });

  test("passes nested body keys", () => {
    expect(features({ customer: { tier: ["gold"] } }, "MessageBody")).toEqual([]);
  });

  test("passes a subscription without a filter policy", () => {
    expect(unsupportedFilterFeatures({ topic: "t", queue: "q", rawMessageDelivery: true })).toEqual([]);
  });
});

describe("filter policies the local SNS server does not apply as SNS does", () => {
  test("names an operator it does not know, and where", () => {
    expect(
      features({ currency: [{ "anything-but": { "equals-ignore-case": "usd" } }], total: [{ between: [1, 2] }] }),
    ).toEqual(['"equals-ignore-case" inside "anything-but" (on currency)', '"between" (on total)']);
  });

  test("names an operator it does not know given as an object, not in a list, with its nested key", () => {
    expect(features({ order: { total: { numeric: ["!=", 5] } } }, "MessageBody")).toEqual([
      'numeric "!=" (on order.total)',
    ]);
  });

  test("names a numeric comparison it does not know, inside $or and nested keys", () => {
    expect(features({ $or: [{ order: { total: [{ numeric: ["!=", 5] }] } }] }, "MessageBody")).toEqual([
      'numeric "!=" (on order.total)',
    ]);
  });
});
