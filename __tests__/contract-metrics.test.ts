import { ORDER_METRIC_NAMES, emfDocumentOf, latencyText, percentile, summarize } from "../contract/metrics";

// The function's metrics as the sandbox and `npm run status` read them back from its log lines.
const document = (metrics: Record<string, unknown>, aws: unknown = { Timestamp: 1_700_000_000_000 }): string =>
  JSON.stringify({ _aws: aws, ...metrics });

describe("reading a log line as the function's metrics document", () => {
  test("takes a JSON object whose _aws holds a numeric Timestamp", () => {
    expect(emfDocumentOf(document({ [ORDER_METRIC_NAMES.stored]: 2 }))?._aws.Timestamp).toBe(1_700_000_000_000);
  });

  test.each([
    ["the function's own log line", JSON.stringify({ level: "INFO", message: "stored", orderId: "o-1" })],
    ["a line that names _aws but is not JSON", '{"_aws": {"Timestamp": 1}'],
    ["_aws that is null", document({}, null)],
    ["_aws without a Timestamp", document({}, { CloudWatchMetrics: [] })],
    ["a Timestamp that is not a number", document({}, { Timestamp: "1700000000000" })],
    ["a list holding a document", `[${document({})}]`],
  ])("refuses %s", (_what, line) => {
    expect(emfDocumentOf(line)).toBeUndefined();
  });
});

describe("summing the outcome counts of metrics documents", () => {
  test("counts numbers alone, one value or a list of them", () => {
    const documents = [
      document({ [ORDER_METRIC_NAMES.stored]: [1, 2], [ORDER_METRIC_NAMES.rejected]: "3" }),
      document({ [ORDER_METRIC_NAMES.stored]: 4, [ORDER_METRIC_NAMES.failed]: null }),
    ].map((line) => emfDocumentOf(line)!);
    expect(summarize(documents)).toEqual({
      invocations: 2,
      counts: { stored: 7, duplicate: 0, rejected: 0, failed: 0 },
      latenciesMs: [],
    });
  });
});

describe("the latency line", () => {
  test("has no percentile of no values", () => {
    expect(percentile([], 50)).toBeUndefined();
  });

  test("takes the nearest rank", () => {
    expect([percentile([30, 10, 20], 50), percentile([30, 10, 20], 99)]).toEqual([20, 30]);
  });

  test("prints both percentiles rounded", () => {
    expect(latencyText(35.4, 120.6)).toBe("latency p50 35 ms, p99 121 ms");
  });

  test.each([
    [undefined, undefined],
    [35, undefined],
    [undefined, 120],
  ])("says n/a when a percentile is missing (p50 %s, p99 %s)", (p50, p99) => {
    expect(latencyText(p50, p99)).toBe("latency n/a (nothing stored)");
  });
});
