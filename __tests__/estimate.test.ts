import * as fs from "fs";
import * as path from "path";
import { pipelineStackNames } from "../config/environments";
import { ORDER_METRIC_NAMES } from "../contract/metrics";
import { configurationFromEnv } from "../stacks/app";
import { LIMITS, snsPublishLimit } from "../estimate/limits";
import { PRICE_KEYS, PriceTable, priceTableProblems } from "../estimate/prices";
import { ROOT } from "./support/commands";
import { TEST_PRICES, estimateFixtures, pricesWithout, runEstimate, synthFixture } from "./support/estimate";
import { QueueWithDlq, SqsLambda } from "../constructs";
import { addUsdSubscriber, synthOwnStack } from "./support/second-subscriber";
import { BUNDLE_PATH, synthApp } from "./support/tf";

const HOURS = 730;
const ORDERS_A_DAY = 10_000;
/** Orders in a 730-hour month. */
const O = (ORDERS_A_DAY * HOURS) / 24;
const GIB = 1024 ** 3;
const price = (key: string): number => TEST_PRICES[key].usd / TEST_PRICES[key].per;

interface Line {
  id: string;
  quantity: number;
  cost: number | null;
}
interface Env {
  stack: string;
  firstMonth: { lines: Line[]; total: number; unpriced: string[] };
  growth: { month: number; storage: number; total: number }[];
  capacity: {
    consumer: string;
    sustainableOrdersPerSecond: number;
    binding: { label: string };
    limits: { label: string }[];
  }[];
  costPerMillionOrders: number;
  overCapacity?: { averageOrdersPerSecond: number; consumer: string; sustainable: number };
}
/** The reference to the pipeline's own table (`${aws_dynamodb_table.<id>.name}`), from its Orders construct. */
const stackTableReference = (tf: { resource: Record<string, Record<string, { "//"?: unknown }>> }): string => {
  const [id] = Object.entries(tf.resource.aws_dynamodb_table).find(([, t]) =>
    JSON.stringify(t["//"]).includes('"path":"shared-dev/Orders/'),
  )!;
  return `\${aws_dynamodb_table.${id}.name}`;
};
const costOf = (env: Env, id: string): number =>
  env.firstMonth.lines.filter((l) => l.id === id).reduce((s, l) => s + (l.cost ?? 0), 0);

/** Fixed inputs, so every line has a hand calculation: one record a batch of 40 ms, no failures or duplicates. */
const FIXED = [
  "--orders-per-day",
  String(ORDERS_A_DAY),
  "--order-bytes",
  "500",
  "--records-per-batch",
  "1",
  "--batch-ms",
  "40",
  "--failure-share",
  "0",
  "--duplicate-share",
  "0",
  "--log-bytes-per-order",
  "300",
  "--json",
];

describe("npm run estimate on a stack of the tests' own", () => {
  let out: string;
  let fixtures: ReturnType<typeof estimateFixtures>;
  let tf: Record<string, Record<string, unknown>>;
  let env: Env;
  const run = (args: string[]) =>
    runEstimate(["--out", out, "--prices", fixtures.prices, ...args], fixtures.measurement);

  beforeAll(async () => {
    fixtures = estimateFixtures();
    out = synthFixture("calc", [{ name: "one", memorySizeMb: 256, logRetentionDays: 14 }]);
    tf = JSON.parse(fs.readFileSync(path.join(out, "stacks", "calc-one", "cdk.tf.json"), "utf8")).resource;
    const result = await run([...FIXED, "--months", "24"]);
    expect(result.err).toBe("");
    env = JSON.parse(result.out).environments[0];
  });

  // The stored item: the 500-byte order plus _pipeline: its name (9), a map's 3 bytes, the names
  // receivedAt, messageId, sqsMessageId, orderDigest (42) and their values (24 + 36 + 36 + 64).
  const ITEM = 500 + 9 + 3 + 42 + 160;
  // Every consumer the stack holds (the template has one; an adopter's added subscriber is priced the same way,
  // each receiving every order) scales the per-consumer lines.
  const consumers = (): number => Object.keys(tf.aws_lambda_event_source_mapping ?? {}).length;
  /** Consumers whose function publishes metrics (Powertools' namespace in its environment). */
  /** Services publishing metrics: each publishes the contract's metrics apart. */
  const services = (): number =>
    new Set(
      Object.values(tf.aws_lambda_function as Record<string, { environment?: { variables?: Record<string, string> } }>)
        .map((f) => f.environment?.variables ?? {})
        .filter((v) => v.POWERTOOLS_METRICS_NAMESPACE !== undefined)
        .map((v) => v.POWERTOOLS_SERVICE_NAME),
    ).size;
  const publishing = (): number =>
    Object.values(tf.aws_lambda_event_source_mapping ?? {}).filter((m) => {
      const id = /aws_lambda_function\.([^.]+)\./.exec(String((m as { function_name: string }).function_name))![1];
      const fn = (tf.aws_lambda_function as Record<string, { environment?: { variables?: Record<string, string> } }>)[
        id
      ];
      return typeof fn.environment?.variables?.POWERTOOLS_METRICS_NAMESPACE === "string";
    }).length;
  const expected = (): Record<string, number> => {
    const n = consumers();
    const keys = Object.keys(tf.aws_kms_key ?? {}).length;
    const encryptedTables = Object.values(
      (tf.aws_dynamodb_table ?? {}) as Record<string, { server_side_encryption?: { enabled?: boolean } }>,
    ).filter((t) => t.server_side_encryption?.enabled === true).length;
    const alarms = Object.keys(tf.aws_cloudwatch_metric_alarm ?? {}).length;
    const busyPerPoller = (O * (20 + 40)) / 1000 / 5;
    const storedGb = (O * 0.5 * (ITEM + 100)) / GIB;
    // 300 bytes a stored order, and each invocation (one an order here) of a function that publishes metrics
    // logs its EMF document: the measurement's 374 bytes plus CloudWatch's 26 an event.
    const logged = n * O * 300 + publishing() * O * (374 + 26);
    return {
      "sns.publishes": O * price("snsPublishes"),
      "sqs.deliveries": n * O * price("sqsRequests"),
      "sqs.receives": n * O * price("sqsRequests"),
      "sqs.emptyReceives": n * 5 * ((HOURS * 3600 - busyPerPoller) / 3600) * 180 * price("sqsRequests"),
      "sqs.deletes": n * O * price("sqsRequests"),
      "sqs.dlq": 0,
      "lambda.requests": n * O * price("lambdaRequests"),
      "lambda.duration.arm64": n * O * 0.04 * (256 / 1024) * price("lambdaGbSecondArm64"),
      "dynamodb.writes": n * O * price("dynamodbWriteRequestUnits"),
      "dynamodb.duplicateReads": 0,
      "dynamodb.storage": n * storedGb * price("dynamodbStorageGbMonth"),
      "dynamodb.pitr": n * storedGb * price("dynamodbPitrGbMonth"),
      "kms.keys": keys * price("kmsKeyMonth"),
      // The topic's AWS-managed key (2 requests every 5 minutes) and each encrypted table's key (12 an hour).
      "kms.requests": (((HOURS * 3600) / 300) * 2 + 12 * HOURS * encryptedTables) * price("kmsRequests"),
      "logs.ingestion": (logged / GIB) * price("logsIngestionGb"),
      // Month 1 keeps the 14 days of retention.
      "logs.storage": (((logged / (HOURS / 24)) * 14) / GIB) * price("logsStorageGbMonth"),
      "cloudwatch.alarms": alarms * price("alarmMetricMonth"),
      "cloudwatch.dashboards": Object.keys(tf.aws_cloudwatch_dashboard ?? {}).length * price("dashboardMonth"),
      // Every metric the function writes in its EMF (the four outcome counts, OrderLatency and BatchSize), read or not.
      // ... once for each service that publishes them (an added consumer may publish under its own).
      "cloudwatch.customMetrics": Object.keys(ORDER_METRIC_NAMES).length * services() * price("customMetricMonth"),
    };
  };

  test("prices every line item of the first month as the hand calculation does", () => {
    const lines = Object.fromEntries(env.firstMonth.lines.map((l) => [l.id, l.cost]));
    const hand = expected();
    expect(Object.keys(lines).sort()).toEqual(Object.keys(hand).sort());
    for (const [id, cost] of Object.entries(hand)) expect([id, lines[id]]).toEqual([id, expect.closeTo(cost, 8)]);
  });

  test("totals the line items and divides by the month's orders for the cost per million", () => {
    const sum = Object.values(expected()).reduce((s, c) => s + c, 0);
    expect(env.firstMonth.total).toBeCloseTo(sum, 8);
    expect(env.costPerMillionOrders).toBeCloseTo((sum / O) * 1e6, 6);
    expect(env.firstMonth.unpriced).toEqual([]);
  });

  test("scales every per-order line item linearly in the orders, and no fixed one", async () => {
    const tenTimes = FIXED.map((arg, i) => (FIXED[i - 1] === "--orders-per-day" ? String(ORDERS_A_DAY * 10) : arg));
    const ten = JSON.parse((await run(tenTimes)).out).environments[0];
    const perOrder = [
      "sns.publishes",
      "sqs.deliveries",
      "sqs.receives",
      "sqs.deletes",
      "lambda.requests",
      "lambda.duration.arm64",
      "dynamodb.writes",
      "dynamodb.storage",
      "dynamodb.pitr",
      "logs.ingestion",
      "logs.storage",
    ];
    for (const id of perOrder) expect([id, costOf(ten, id)]).toEqual([id, expect.closeTo(10 * costOf(env, id), 8)]);
    for (const id of [
      "kms.keys",
      "kms.requests",
      "cloudwatch.alarms",
      "cloudwatch.dashboards",
      "cloudwatch.customMetrics",
    ]) {
      expect([id, costOf(ten, id)]).toEqual([id, costOf(env, id)]);
    }
  });

  test("grows the table's storage and backups by one month of orders each month, logs capped by retention", () => {
    const monthly =
      ((consumers() * O * (ITEM + 100)) / GIB) * (price("dynamodbStorageGbMonth") + price("dynamodbPitrGbMonth"));
    const logs = expected()["logs.storage"];
    expect(env.growth.map((g) => g.month)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (const { month, storage } of env.growth) {
      expect([month, storage]).toEqual([month, expect.closeTo((month - 0.5) * monthly + logs, 8)]);
    }
  });

  test("says whether a rate fits and, when not, what to change", async () => {
    // 10 concurrent batches of 10 records in 50 ms: 2,000 orders a second.
    const args = ["--batch-ms", "50", "--json"];
    const fitting = await run([...args, "--orders-per-second", "100"]);
    expect(fitting.code).toBe(0);
    expect(JSON.parse(fitting.out).environments[0].check).toEqual({ ordersPerSecond: 100, fits: true, changes: [] });
    const short = await run([...args, "--orders-per-second", "3000"]);
    expect(short.code).toBe(1);
    const changes = [
      "mapping maximum concurrency (2,000/s): raise maximumConcurrency to 15 (and reservedConcurrentExecutions to at least that)",
      "function reserved concurrency (2,000/s): raise reservedConcurrentExecutions to 15",
    ];
    const given = JSON.parse(short.out).environments[0].check.changes;
    // With several consumers, each change names the function it is for.
    if (consumers() === 1) expect(given).toEqual(changes);
    else {
      // With several, each names its consumer and where its settings live.
      const where = " (environments.json, or the consumer's own SqsLambda props)";
      expect(given).toEqual(expect.arrayContaining(changes.map((c) => `calc-one-ProcessOrderLambda: ${c}${where}`)));
    }
  });

  test("names the consumer each change is for when the stack has several", async () => {
    const two = synthOwnStack("two-dev", { region: "us-east-1" }, (stack) => addUsdSubscriber(stack, "two-dev"));
    const result = await runEstimate(
      ["--out", two, "--prices", fixtures.prices, "--batch-ms", "50", "--json", "--orders-per-second", "3000"],
      fixtures.measurement,
    );
    expect(result.err).toBe("");
    const changes: string[] = JSON.parse(result.out).environments[0].check.changes;
    expect([...new Set(changes.map((c) => c.split(": ")[0]))]).toEqual(
      expect.arrayContaining(["two-dev-DollarConsumer", "two-dev-ProcessOrderLambda"]),
    );
    expect(changes.filter((c) => !c.startsWith("two-dev-"))).toEqual([]);
  });

  test("shares the table's write throughput among the consumers that write it", async () => {
    // The tests' second subscriber writes a table of its own; a third consumer on the pipeline's table shares it.
    const shared = synthOwnStack("shared-dev", { region: "us-east-1" }, (stack) => {
      const queue = new QueueWithDlq(stack, "SharingQueue", { queueName: "shared-dev-SharingQueue" });
      stack.topic.subscribeQueue(queue);
      const consumer = new SqsLambda(stack, "SharingConsumer", {
        functionName: "shared-dev-SharingConsumer",
        bundlePath: BUNDLE_PATH,
        source: queue,
        environment: { ORDERS_TABLE_NAME: stack.table.tableName },
      });
      stack.table.grantWriteOrders(consumer);
    });
    const tfShared = JSON.parse(fs.readFileSync(path.join(shared, "stacks", "shared-dev", "cdk.tf.json"), "utf8"));
    const tables = Object.values(
      tfShared.resource.aws_lambda_function as Record<string, { environment?: { variables?: Record<string, string> } }>,
    ).map((f) => f.environment?.variables?.ORDERS_TABLE_NAME);
    const pipelineTable = stackTableReference(tfShared);
    const writers = tables.filter((t) => t === pipelineTable).length;
    const result = await runEstimate(
      // Batches of 20 ms: 5,000 orders a second a consumer, above what the shared table takes.
      ["--out", shared, "--prices", fixtures.prices, "--batch-ms", "20", "--json"],
      fixtures.measurement,
    );
    const capacity = (JSON.parse(result.out).environments[0] as Env).capacity.find(
      (c) => c.consumer === "shared-dev-SharingConsumer",
    )!;
    expect(writers).toBeGreaterThanOrEqual(2);
    expect([capacity.binding.label, capacity.sustainableOrdersPerSecond]).toEqual([
      "DynamoDB warm throughput",
      LIMITS.dynamodbNewTableWriteUnitsPerSecond.value / writers,
    ]);
  });

  test("counts each service's metrics apart when two consumers publish into one namespace", async () => {
    const two = synthOwnStack("metrics-dev", { region: "us-east-1" }, (stack) =>
      addUsdSubscriber(stack, "metrics-dev"),
    );
    const functions = JSON.parse(fs.readFileSync(path.join(two, "stacks", "metrics-dev", "cdk.tf.json"), "utf8"))
      .resource.aws_lambda_function as Record<string, { environment?: { variables?: Record<string, string> } }>;
    const services = new Set(
      Object.values(functions)
        .map((f) => f.environment?.variables ?? {})
        .filter((v) => v.POWERTOOLS_METRICS_NAMESPACE !== undefined)
        .map((v) => v.POWERTOOLS_SERVICE_NAME),
    );
    const result = await runEstimate(["--out", two, "--prices", fixtures.prices, "--json"], fixtures.measurement);
    const metrics = (JSON.parse(result.out).environments[0] as Env).firstMonth.lines.find(
      (l) => l.id === "cloudwatch.customMetrics",
    )!;
    expect(services.size).toBeGreaterThanOrEqual(2);
    expect(metrics.quantity).toBe(services.size * Object.keys(ORDER_METRIC_NAMES).length);
  });

  test("prints JSON of a stable shape with --json", async () => {
    const result = JSON.parse((await run(FIXED)).out);
    expect(Object.keys(result).sort()).toEqual([
      "assumptions",
      "currency",
      "environments",
      "measurement",
      "prices",
      "synth",
      "version",
    ]);
    expect([result.version, result.currency]).toEqual([1, "USD"]);
    expect(Object.keys(result.environments[0]).sort()).toEqual([
      "capacity",
      "costPerMillionOrders",
      "firstMonth",
      "fromVariables",
      "growth",
      "model",
      "ordersPerDay",
      "region",
      "stack",
    ]);
    expect(Object.keys(result.environments[0].firstMonth.lines[0]).sort()).toEqual([
      "basis",
      "billable",
      "cost",
      "id",
      "label",
      "per",
      "price",
      "quantity",
      "unit",
      "usd",
    ]);
    expect(Object.keys(result.environments[0].capacity[0]).sort()).toEqual([
      "binding",
      "concurrency",
      "consumer",
      "fullBatchMs",
      "limits",
      "sustainableOrdersPerSecond",
    ]);
    expect(Object.keys(result.assumptions[0]).sort()).toEqual(["basis", "flag", "name", "value"]);
  });

  test("prices the KMS requests of every publisher and of the table key as given", async () => {
    const given: Env = JSON.parse(
      (await run([...FIXED, "--publishers", "3", "--table-key-requests-per-hour", "0"])).out,
    ).environments[0];
    // The topic's AWS-managed key: 2 requests every 5 minutes for each of the 3 publishers; the table's key: none.
    expect(costOf(given, "kms.requests")).toBeCloseTo(((HOURS * 3600) / 300) * 2 * 3 * price("kmsRequests"), 8);
  });

  test("logs no metrics documents when --metrics-bytes-per-invocation is 0", async () => {
    const given: Env = JSON.parse((await run([...FIXED, "--metrics-bytes-per-invocation", "0"])).out).environments[0];
    // 26 bytes an event remain for each document: CloudWatch counts them whatever the document's size.
    const logged = consumers() * O * 300 + publishing() * O * 26;
    expect(costOf(given, "logs.ingestion")).toBeCloseTo((logged / GIB) * price("logsIngestionGb"), 8);
  });

  // 10 records a batch in 50 ms: 200 orders a second an invocation.
  const own = (result: string) =>
    (JSON.parse(result).environments[0] as Env).capacity.find((c) => c.consumer === "calc-one-ProcessOrderLambda")!;

  test("bounds the capacity by the account's Lambda concurrency as given", async () => {
    const capacity = own((await run(["--batch-ms", "50", "--json", "--account-concurrency", "2"])).out);
    expect([capacity.binding.label, capacity.sustainableOrdersPerSecond]).toEqual(["Lambda account concurrency", 400]);
  });

  test("bounds the capacity by the table's warm throughput as given", async () => {
    const capacity = own((await run(["--batch-ms", "50", "--json", "--table-warm-writes", "100"])).out);
    expect([capacity.binding.label, capacity.sustainableOrdersPerSecond]).toEqual(["DynamoDB warm throughput", 100]);
  });

  test("flags orders a day that average more orders a second than the stack sustains", async () => {
    // 200,000,000 orders a day average 2,314.8 a second; 10 batches of 10 in 50 ms carry 2,000.
    const over: Env = JSON.parse((await run(["--batch-ms", "50", "--orders-per-day", "200000000", "--json"])).out)
      .environments[0];
    expect(over.overCapacity).toEqual({
      averageOrdersPerSecond: expect.closeTo(200_000_000 / 86_400, 6),
      consumer: expect.stringMatching(/^calc-one-/),
      sustainable: Math.min(...over.capacity.map((c) => c.sustainableOrdersPerSecond)),
    });
    expect(env.overCapacity).toBeUndefined();
  });

  test("says in the Markdown that a month above capacity cannot happen as priced", async () => {
    const markdown = (await run(["--batch-ms", "50", "--orders-per-day", "200000000"])).out;
    expect(markdown).toContain(
      "**Above capacity:** calc-one's 200,000,000 orders a day average 2,314.8 orders a second",
    );
  });

  test("marks the total and the cost per million partial when the price table lacks a price", async () => {
    const gaps = pricesWithout(fixtures, "snsPublishes");
    const markdown = (
      await runEstimate(["--out", out, "--prices", gaps, "--orders-per-day", "1000"], fixtures.measurement)
    ).out;
    expect(markdown).toContain("| **Total, partial: 1 line item(s) unpriced** |");
    expect(markdown).toMatch(/Cost per million orders: \$[\d.,]+, \*\*partial\*\*: the total leaves out 1 line item/);
  });

  test("applies the free tiers only with --free-tier", async () => {
    const free = JSON.parse((await run([...FIXED, "--free-tier"])).out).environments[0];
    // 304,167 Lambda requests and 3,042 GB-seconds fit Lambda's free tier.
    expect(costOf(free, "lambda.requests")).toBe(0);
    expect(costOf(free, "lambda.duration.arm64")).toBe(0);
    expect(costOf(env, "lambda.requests")).toBeGreaterThan(0);
  });

  test("cites the measurement behind the default duration model, and that the local DynamoDB is not AWS's", async () => {
    const markdown = (await run(["--orders-per-day", "1000"])).out;
    expect(markdown).toContain("measured by scripts/bench-capacity.mjs");
    expect(markdown).toContain("the local DynamoDB (dynalite) is not AWS's");
  });
});

describe("the capacity of each environment of the committed configuration", () => {
  let out: string;
  let fixtures: ReturnType<typeof estimateFixtures>;
  beforeAll(() => {
    fixtures = estimateFixtures();
    out = synthApp().outdir;
  });

  test("is bound by the lowest of the stack's limits, each from the stack or AWS's quotas", async () => {
    const configuration = configurationFromEnv({});
    const result = await runEstimate(["--out", out, "--batch-ms", "50", "--json"], fixtures.measurement);
    const envs: Env[] = JSON.parse(result.out).environments;
    expect(envs.map((e) => e.stack)).toEqual(pipelineStackNames(configuration));
    for (const environment of configuration.environments) {
      const perInvocation = (environment.batchSize * 1000) / 50;
      const candidates: [string, number][] = [
        ["mapping maximum concurrency", environment.maximumConcurrency * perInvocation],
        ["function reserved concurrency", environment.reservedConcurrentExecutions * perInvocation],
        ["Lambda account concurrency", LIMITS.lambdaAccountConcurrency.value * perInvocation],
        ["DynamoDB warm throughput", LIMITS.dynamodbNewTableWriteUnitsPerSecond.value],
        ["DynamoDB table throughput quota", LIMITS.dynamodbTableWriteUnitsPerSecond.value],
        ["SNS publish quota", snsPublishLimit(environment.region).value],
      ];
      const lowest = candidates.reduce((low, c) => (c[1] < low[1] ? c : low));
      const stack = envs.find((e) => e.stack === `${configuration.settings.namePrefix}-${environment.name}`)!;
      expect([stack.stack, stack.capacity[0].binding.label, stack.capacity[0].sustainableOrdersPerSecond]).toEqual([
        stack.stack,
        lowest[0],
        expect.closeTo(lowest[1], 6),
      ]);
    }
  });
});

describe("the committed price table", () => {
  const table = JSON.parse(fs.readFileSync(path.join(ROOT, "estimate", "prices.json"), "utf8")) as PriceTable;

  test("has every price of us-east-1, eu-west-1 and eu-central-1 with its source page and the date read", () => {
    expect(priceTableProblems(table)).toEqual([]);
    expect(Object.keys(table.regions)).toEqual(expect.arrayContaining(["us-east-1", "eu-west-1", "eu-central-1"]));
    for (const prices of Object.values(table.regions))
      expect(Object.keys(prices).sort()).toEqual([...PRICE_KEYS].sort());
  });

  test("prices arm64 and x86 Lambda duration apart", () => {
    const east = table.regions["us-east-1"];
    expect(east.lambdaGbSecondArm64.usd).toBeLessThan(east.lambdaGbSecondX86.usd!);
  });
});
