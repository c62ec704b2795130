import { SavedQueries } from "../constructs/saved-queries";
import { OUTCOMES } from "../contract/metrics";
import { TfJson, resourcesOf, synthConstructs, synthError } from "./support/tf";

const queriesOf = (folder: string, logGroupNames: string[]): TfJson[] =>
  Object.values(
    resourcesOf(
      synthConstructs((scope) => new SavedQueries(scope, "Q", { folder, logGroupNames })),
      "aws_cloudwatch_query_definition",
    ),
  );

describe("SavedQueries", () => {
  /** The text of the query saved as `f/<name>` over the log group g. */
  let queryText: (name: string) => string;
  beforeAll(() => {
    const queries = queriesOf("f", ["g"]);
    queryText = (name) => queries.find((q) => q.name === `f/${name}`)!.query_string;
  });

  test("saves three queries under the folder, each over every given log group", () => {
    expect(queriesOf("orders-dev", ["/aws/lambda/a", "/aws/lambda/b"]).map((q) => [q.name, q.log_group_names])).toEqual(
      [
        ["orders-dev/failures-and-rejections-by-reason", ["/aws/lambda/a", "/aws/lambda/b"]],
        ["orders-dev/order-history", ["/aws/lambda/a", "/aws/lambda/b"]],
        ["orders-dev/slowest-batches", ["/aws/lambda/a", "/aws/lambda/b"]],
      ],
    );
  });

  // The fields are those the function's JSON log lines and its EMF document carry (the runbook shows them).
  test("counts rejected and failed orders by reason in 5-minute bins", () => {
    expect(queryText("failures-and-rejections-by-reason")).toBe(
      [
        "fields @timestamp, outcome, errorKind",
        '| filter outcome in ["rejected", "failed"]',
        "| stats count(*) as orders by bin(5m), outcome, errorKind",
      ].join("\n"),
    );
    expect(OUTCOMES).toEqual(expect.arrayContaining(["rejected", "failed"]));
  });

  test("follows one order by its id, oldest line first", () => {
    expect(queryText("order-history")).toBe(
      [
        "fields @timestamp, level, message, outcome, messageId, receiveCount, errorKind, error",
        '| filter orderId = "ORDER-ID"',
        "| sort @timestamp asc",
      ].join("\n"),
    );
  });

  test("lists the 20 slowest batches from the metrics document", () => {
    expect(queryText("slowest-batches")).toBe(
      [
        "fields @timestamp, @requestId, batchDurationMs * 1 as durationMs, BatchSize, OrdersStored, OrdersFailed",
        "| filter ispresent(BatchSize)",
        "| sort durationMs desc",
        "| limit 20",
      ].join("\n"),
    );
  });

  test.each([
    ["1 character and 50 log groups", "f", 50],
    ["200 characters and 1 log group", "f".repeat(200), 1],
  ])("accepts a folder of %s", (_, folder, groups) => {
    expect(
      queriesOf(
        folder,
        Array.from({ length: groups }, (_, i) => `g${i}`),
      ),
    ).toHaveLength(3);
  });

  test("rejects an empty folder and no log group in one error", () => {
    expect(synthError((scope) => new SavedQueries(scope, "Q", { folder: "", logGroupNames: [] }))).toBe(
      [
        "Invalid SavedQueries props at stack/Q:",
        "  - folder must be 1-200 characters (given 0)",
        "  - logGroupNames must hold 1-50 log groups (given 0)",
      ].join("\n"),
    );
  });

  test("rejects a folder of 201 characters and 51 log groups in one error", () => {
    const logGroupNames = Array.from({ length: 51 }, (_, i) => `g${i}`);
    expect(synthError((scope) => new SavedQueries(scope, "Q", { folder: "f".repeat(201), logGroupNames }))).toBe(
      [
        "Invalid SavedQueries props at stack/Q:",
        "  - folder must be 1-200 characters (given 201)",
        "  - logGroupNames must hold 1-50 log groups (given 51)",
      ].join("\n"),
    );
  });
});
