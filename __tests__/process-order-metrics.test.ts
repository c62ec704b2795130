import * as path from "path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_AWS_ENV, LocalServer, createTable, localDynamoDbClient, startDynamoDb } from "../local/servers";
import { sampleOrder } from "../contract/samples";
import { pipelineOf, readStackManifest } from "../local/stack-manifest";
import { emfProblems, metricValues } from "./support/emf";
import { FaultServer, startThrottlingServer } from "./support/fault-servers";
import { Handler, Invocation, invoke, loadHandler, withEnv } from "./support/handler-harness";
import { deliveryBody, sqsEvent, sqsRecord } from "./support/sqs-events";
import { TfJson, pipelineStacks, processOrderFunction, synthApp } from "./support/tf";

// The TypeScript source (what `npm run mutate` mutates) and the bundle SqsLambda deploys (built by the jest global setup).
const MODULES = {
  source: path.join(__dirname, "..", "functions", "process-order", "index.ts"),
  "built bundle": path.join(__dirname, "..", "dist", "functions", "process-order", "index.js"),
};

describe.each(Object.entries(MODULES))("ProcessOrderLambda metrics (%s against dynalite)", (_kind, modulePath) => {
  let dynamo: LocalServer;
  let client: DynamoDBClient;
  let standIn: FaultServer;
  let functionEnv: Record<string, string>;
  let mixed: Invocation;
  let handler: Handler;

  beforeAll(async () => {
    const app = synthApp();
    const [stackName, tf] = Object.entries(pipelineStacks(app.stacks))[0] as [string, TfJson];
    functionEnv = processOrderFunction(tf).environment.variables;
    const settings = pipelineOf(readStackManifest(app.outdir, stackName).manifest);
    dynamo = await startDynamoDb();
    client = localDynamoDbClient(dynamo.endpoint);
    await createTable(client, settings.table);
    // One record at a time, so request n is known: 0 stores, 1-2 find the duplicate, 3+ are throttled (failed).
    standIn = await startThrottlingServer(dynamo.endpoint, (n) => (n >= 3 ? "ThrottlingException" : undefined));
    const env = {
      ...functionEnv,
      ...LOCAL_AWS_ENV,
      ORDERS_TABLE_NAME: settings.table.name,
      AWS_ENDPOINT_URL_DYNAMODB: standIn.endpoint,
      MAX_RECORDS_IN_FLIGHT: "1",
    };
    const order = sampleOrder();
    const rejected = sampleOrder({ items: "many" });
    const records = [order, order, rejected, sampleOrder()].map((o) => sqsRecord(deliveryBody(o)));
    mixed = await withEnv(env, async () => {
      handler = loadHandler(modulePath);
      return invoke(handler, sqsEvent(records));
    });
  });

  afterAll(async () => {
    client?.destroy();
    await standIn?.stop();
    await dynamo?.stop();
  });

  test("writes exactly one EMF document for an invocation of four records", () => {
    expect(mixed.metrics).toHaveLength(1);
  });

  test("writes a document valid against the EMF specification", () => {
    expect(emfProblems(mixed.metrics[0])).toEqual([]);
  });

  test("counts each outcome of a mixed batch: stored, duplicate, rejected and failed", () => {
    const doc = mixed.metrics[0];
    const counts = ["OrdersStored", "OrdersDuplicate", "OrdersRejected", "OrdersFailed", "BatchSize"].map((name) =>
      metricValues(doc, name),
    );
    expect(counts).toEqual([[1], [1], [1], [1], [4]]);
  });

  test("gives one non-negative OrderLatency value in milliseconds per stored order", () => {
    const doc = mixed.metrics[0];
    expect(metricValues(doc, "OrderLatency")).toEqual([expect.any(Number)]);
    expect(metricValues(doc, "OrderLatency")[0]).toBeGreaterThanOrEqual(0);
    const units = Object.fromEntries(doc._aws.CloudWatchMetrics[0].Metrics.map((m: TfJson) => [m.Name, m.Unit]));
    expect(units).toMatchObject({ OrderLatency: "Milliseconds", OrdersStored: "Count", BatchSize: "Count" });
  });

  test("uses the stack's namespace and only the service and environment dimensions", () => {
    const [directive] = mixed.metrics[0]._aws.CloudWatchMetrics;
    expect(directive.Namespace).toBe(functionEnv.POWERTOOLS_METRICS_NAMESPACE);
    expect(directive.Dimensions).toEqual([expect.arrayContaining(["service", "environment"])]);
    expect(directive.Dimensions[0]).toHaveLength(2);
    expect(mixed.metrics[0].environment).toBe(functionEnv.ORDERS_ENVIRONMENT);
  });

  test("emits zero counts for an empty batch, so a graph never has gaps", async () => {
    const { metrics } = await invoke(handler, sqsEvent([]));
    expect(metrics).toHaveLength(1);
    expect(metricValues(metrics[0], "OrdersStored")).toEqual([0]);
    expect(metricValues(metrics[0], "OrderLatency")).toEqual([]);
  });
});

describe("quantileSample", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { quantileSample, MAX_LATENCY_VALUES } = require("../functions/process-order/index");

  test("keeps every value when there are at most the maximum", () => {
    expect(quantileSample([3, 1, 2], 3)).toEqual([3, 1, 2]);
  });

  test("reduces more values to evenly spaced quantiles, keeping the minimum and the maximum", () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    const sample = quantileSample(values, MAX_LATENCY_VALUES);
    expect(sample).toHaveLength(99);
    expect(sample[0]).toBe(1);
    expect(sample[98]).toBe(1000);
    expect(sample[49]).toBe(501);
  });
});
