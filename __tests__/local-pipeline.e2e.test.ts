import * as path from "path";
import { Handler, LocalEnvironment, LocalRunSummary, runLocalPipeline } from "../local/pipeline";
import { PipelineSettings, pipelineSettings } from "../local/stack-settings";
import { synthApp } from "./support/tf";

const BUNDLE = path.join(__dirname, "..", "dist", "functions", "process-order", "index.js");

/** One local run against fresh servers, with the built bundle as the function. */
async function run(
  settings: PipelineSettings,
  orders: number,
  badShare: number,
  batchSize: number,
): Promise<LocalRunSummary> {
  const env = await LocalEnvironment.start();
  const saved = { ...process.env };
  try {
    return await runLocalPipeline(env, settings, {
      orders,
      badShare,
      batchSize,
      concurrency: 3,
      visibilityTimeoutSeconds: 1,
      timeoutSeconds: 60,
      loadHandler: () => {
        Object.assign(process.env, env.handlerEnv(settings), { POWERTOOLS_LOG_LEVEL: "SILENT" });
        let handler: Handler | undefined;
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          handler = require(BUNDLE).handler;
        });
        return handler!;
      },
    });
  } finally {
    process.env = saved;
    await env.stop();
  }
}

describe("the pipeline run locally against real SQS and DynamoDB API servers", () => {
  let settings: PipelineSettings;
  let summary: LocalRunSummary;
  beforeAll(async () => {
    settings = pipelineSettings(synthApp().stacks["orders-dev"]);
    summary = await run(settings, 60, 0.1, settings.batchSize);
  }, 90_000);

  test("reads the redrive count and queue names from the synthesized stack", () => {
    expect(settings).toMatchObject({
      maxReceiveCount: 3,
      queue: { name: "orders-dev-OrderQueue", visibilityTimeoutSeconds: 180 },
      deadLetterQueue: { name: "orders-dev-OrderQueueDLQ", messageRetentionSeconds: 1209600 },
      table: { name: "orders-dev-Orders", hashKey: "orderId" },
      batchSize: 10,
    });
  });

  test("stores every good order exactly once", () => {
    expect(summary.goodOrderIds).toHaveLength(54);
    for (const orderId of summary.goodOrderIds)
      expect({ orderId, items: summary.storedOrderIds.get(orderId) }).toEqual({ orderId, items: 1 });
    expect(summary.stored).toBe(54);
  });

  test("receives each poison message exactly maxReceiveCount times", () => {
    expect(summary.poison.size).toBe(6);
    for (const messageId of summary.poison.keys()) {
      expect({ messageId, receives: summary.receivesByMessageId.get(messageId) }).toEqual({
        messageId,
        receives: settings.maxReceiveCount,
      });
    }
  });

  test("leaves each poison message in the DLQ with its body intact", () => {
    expect(new Set(summary.deadLetters.values())).toEqual(new Set(summary.poison.values()));
    expect(summary.inDeadLetterQueue).toBe(6);
  });

  test("loses nothing: stored + in the DLQ = published", () => {
    expect(summary.stored + summary.inDeadLetterQueue).toBe(summary.published);
    expect(summary.nothingLost).toBe(true);
  });

  test("receives every good order once, so none was retried", () => {
    const retried = [...summary.receivesByMessageId].filter(([id, n]) => !summary.poison.has(id) && n !== 1);
    expect(retried).toEqual([]);
  });
});

describe("the local run with one record per invocation and no poison", () => {
  test("stores every order and leaves the DLQ empty", async () => {
    const settings = pipelineSettings(synthApp().stacks["orders-dev"]);
    const summary = await run(settings, 20, 0, 1);
    expect(summary).toMatchObject({
      published: 20,
      stored: 20,
      inDeadLetterQueue: 0,
      invocations: 20,
      nothingLost: true,
    });
  }, 60_000);
});
