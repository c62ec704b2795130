import { fitBytes, orderDigest } from "../functions/process-order";
import type { Order } from "../contract/order";
import { ECHO_MAX_CHARS, InexactNumber, decimal, echo, formatPath, itemSizeBytes } from "../contract/order";
import { parseOrderMessage } from "../contract/parse";
import { sampleOrder } from "../contract/samples";
import { deliveryBody } from "./support/sqs-events";

// dynalite models DynamoDB's item size rules (db/index.js); it is the oracle for everything but
// UTF-8, where it counts UTF-16 code units and DynamoDB counts bytes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { itemSize: dynaliteItemSize } = require("dynalite/db") as {
  itemSize: (item: Record<string, unknown>) => number;
};

function attribute(value: unknown): Record<string, unknown> {
  if (typeof value === "string") return { S: value };
  if (typeof value === "number") return { N: String(value) };
  if (typeof value === "boolean") return { BOOL: value };
  if (value === null) return { NULL: true };
  if (Array.isArray(value)) return { L: value.map(attribute) };
  return { M: Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, attribute(v)])) };
}

const dynaliteSize = (item: Record<string, unknown>): number =>
  dynaliteItemSize(Object.fromEntries(Object.entries(item).map(([k, v]) => [k, attribute(v)])));

describe("itemSizeBytes", () => {
  test.each([
    0, 1, -1, 7, 10, 12, 100, 123, 1234, -1234, 0.5, 0.05, -0.05, 1.5, 9.5, 0.001, 1e-7, 1.5e-7, 1e-130, 1.2345e-100,
    0.30000000000000004, 123456789012345, 1e15, 9007199254740991, -9007199254740991, 1e21, 12.5, 1250, 120, 0.012,
    34000, -1200, 3400,
  ])("counts the number %p as dynalite does", (n) => {
    expect(itemSizeBytes({ n })).toBe(dynaliteSize({ n }));
  });

  test("counts maps, lists, booleans, null and text as dynalite does", () => {
    const item = {
      orderId: "order-1",
      items: [
        { sku: "SKU-1", quantity: 2, unitPrice: 9.5 },
        { sku: "SKU-2", quantity: 1, unitPrice: 0 },
      ],
      empty: {},
      none: [],
      flags: [true, false, null],
      nested: { a: { b: [1, [2, { c: "d" }]] } },
      _pipeline: { receivedAt: "2026-11-27T10:00:01.000Z", orderDigest: "0".repeat(64) },
    };
    expect(itemSizeBytes(item)).toBe(dynaliteSize(item));
  });

  test("counts names and text in UTF-8 bytes, as DynamoDB does, where dynalite counts UTF-16 units", () => {
    // "é" is 2 bytes, "€" 3 and "😀" 4 (two UTF-16 units).
    expect(itemSizeBytes({ é: "€😀" })).toBe(2 + 3 + 4);
    expect(dynaliteSize({ é: "€😀" })).toBe(1 + 1 + 2);
    expect(itemSizeBytes({ m: { é: ["€"] } })).toBe(1 + (3 + 1 + 2) + (3 + 1 + 3));
  });
});

describe("decimal", () => {
  test.each([
    ["0", "0", 0],
    ["-0", "0", 0],
    ["0.000", "0", 0],
    ["0e7", "0", 0],
    ["7", "7", 0],
    ["100", "1", 2],
    ["-100", "1", 2],
    ["0.0120", "12", -2],
    ["12.5", "125", 1],
    ["1e21", "1", 21],
    ["1e+21", "1", 21],
    ["1.5e-7", "15", -7],
    ["0.30000000000000000001", "30000000000000000001", -1],
    ["1E2", "1", 2],
  ])("reads %s as significant digits %s with exponent %p", (literal, digits, exponent) => {
    expect(decimal(literal)).toEqual({ digits, exponent });
  });

  test.each(["", "abc", "1.2.3", "--1", "1e", ".5", "0x10", "Infinity"])("reads %p as no number", (literal) => {
    expect(decimal(literal)).toBeUndefined();
  });
});

describe("echo", () => {
  test("quotes a short value as JSON", () => {
    expect(echo("EURO")).toBe('"EURO"');
    expect(echo({ a: [1] })).toBe('{"a":[1]}');
  });

  test("names values JSON cannot hold", () => {
    expect(echo(undefined)).toBe("nothing");
    expect(echo(Infinity)).toBe("Infinity");
    expect(echo(-Infinity)).toBe("-Infinity");
    expect(echo(new InexactNumber("0.30000000000000000001", 0.3))).toBe("0.30000000000000000001");
  });

  test("cuts a long value to its first 200 characters and gives its length", () => {
    const text = "x".repeat(ECHO_MAX_CHARS - 2);
    expect(echo(text)).toBe(JSON.stringify(text));
    const long = "y".repeat(ECHO_MAX_CHARS - 1);
    expect(echo(long)).toBe(`"${"y".repeat(ECHO_MAX_CHARS - 1)}… (${ECHO_MAX_CHARS + 1} characters)`);
  });
});

describe("formatPath", () => {
  test("writes list positions in brackets and names after dots", () => {
    expect(formatPath([])).toBe("order");
    expect(formatPath(["items", 0, "sku"])).toBe("items[0].sku");
  });

  test("cuts a path longer than 200 characters, like a value", () => {
    expect(formatPath(["p".repeat(ECHO_MAX_CHARS)])).toBe("p".repeat(ECHO_MAX_CHARS));
    expect(formatPath(["p".repeat(ECHO_MAX_CHARS + 1)])).toBe(
      `${"p".repeat(ECHO_MAX_CHARS)}… (${ECHO_MAX_CHARS + 1} characters)`,
    );
  });
});

describe("fitBytes", () => {
  test("gives only the length when nothing else fits", () => {
    expect(fitBytes("x".repeat(100), 10)).toBe("… (100 characters)");
  });

  const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text));

  test("keeps text that fits exactly, or with room, as it is", () => {
    expect(fitBytes("short", 7)).toBe("short");
    expect(fitBytes("é", 4)).toBe("é");
  });

  test.each([
    ["ASCII", "a".repeat(10_000)],
    ["three-byte characters", "€".repeat(10_000)],
    ["emoji", "😀".repeat(10_000)],
    ["control characters", "\u0001".repeat(10_000)],
    ["quotes and backslashes", '"\\'.repeat(5_000)],
    ["unpaired surrogates", "\ud800".repeat(10_000)],
  ])("cuts %s to the bytes allowed, as a JSON string, and says how long the text was", (_, text) => {
    for (const max of [40, 64, 256, 4_096]) {
      const cut = fitBytes(text, max);
      const suffix = `… (${text.length} characters)`;
      expect(cut.endsWith(suffix)).toBe(true);
      const kept = cut.slice(0, -suffix.length);
      expect(text.startsWith(kept)).toBe(true);
      expect(jsonBytes(cut)).toBeLessThanOrEqual(max);
      // The longest start that fits: one character more would not.
      expect(jsonBytes(text.slice(0, kept.length + 1) + suffix)).toBeGreaterThan(max);
    }
  });
});

describe("orderDigest", () => {
  const digest = (value: Record<string, unknown>): string => orderDigest(value as Order);

  test("does not depend on the order of keys, at any depth", () => {
    expect(digest({ a: 1, b: { c: [1, { d: 2, e: 3 }], f: null } })).toBe(
      digest({ b: { f: null, c: [1, { e: 3, d: 2 }] }, a: 1 }),
    );
  });

  test.each([
    ["a list and a map with the same entries", { tags: ["x"] }, { tags: { "0": "x" } }],
    ["lists whose numbers split differently", { n: [1, 23] }, { n: [12, 3] }],
    ["lists whose texts split differently", { t: ["ab", "c"] }, { t: ["a", "bc"] }],
    ["a value and the same value as text", { n: 1 }, { n: "1" }],
    ["an empty list and an empty map", { x: [] }, { x: {} }],
    ["null and a missing field", { x: null }, {}],
  ])("tells apart %s", (_, a, b) => {
    expect(digest(a)).not.toBe(digest(b));
  });
});

describe("parseOrderMessage's publish time", () => {
  // The function's OrderLatency counts from it; without it, from SQS's SentTimestamp.
  test("is the SNS notification's Timestamp", () => {
    const body = JSON.parse(deliveryBody(sampleOrder()));
    body.Timestamp = "2026-12-07T10:00:00.000Z";
    expect(parseOrderMessage(JSON.stringify(body), "m-1").publishedAt).toBe(Date.parse("2026-12-07T10:00:00.000Z"));
  });

  test("is absent from an order delivered raw", () => {
    expect(parseOrderMessage(deliveryBody(sampleOrder(), { raw: true }), "m-1")).not.toHaveProperty("publishedAt");
  });
});
