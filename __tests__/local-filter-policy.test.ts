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
    ["wildcard and cidr", { sku: [{ wildcard: "SKU-*" }], ip: [{ cidr: "10.0.0.0/24" }] }],
    [
      "anything-but over a suffix or a wildcard",
      { sku: [{ "anything-but": { suffix: "-9" } }, { "anything-but": { wildcard: "X*" } }] },
    ],
    ["anything-but over one value", { currency: [{ "anything-but": "EUR" }], total: [{ "anything-but": 5 }] }],
    ["every numeric comparison", { total: [{ numeric: ["=", 5] }, { numeric: [">", 0, "<=", 100] }] }],
    [
      "null values (what SNS itself refuses is for SNS to say)",
      { currency: [null], customerId: null, $or: [null, { currency: ["USD"] }] },
    ],
    ["a value not in a list", { currency: "USD" }],
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

  test("names a numeric comparison it does not know after the first", () => {
    expect(features({ total: [{ numeric: ["<", 0, "!=", 5] }] })).toEqual(['numeric "!=" (on total)']);
  });

  test("names an operator it does not know beside one it knows in the same object", () => {
    expect(features({ total: { numeric: [">", 1], between: [1, 2] } })).toEqual(['"between" (on total)']);
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
