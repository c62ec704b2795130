import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import * as fs from "fs";
import { LocalRunSummary, orderOfBody, runLocalPipeline } from "../local/batch-run";
import { LocalEnvironment } from "../local/environment";
import { StackManifest, readStackManifest } from "../local/stack-manifest";
import { synthesized } from "./support/commands";
import { projectDefaultStack } from "./support/configuration";

// npm run local's checks, each made to fail: the batch runs through the stack's topic, queue and DLQ on
// the local servers, but into a function that stands in for ProcessOrderLambda and gets something wrong
// (stores nothing, stores the poison orders too, fails the good ones).

let manifest: StackManifest;
let out: string;
beforeAll(async () => {
  out = await synthesized();
  manifest = readStackManifest(out, projectDefaultStack()).manifest;
}, 120_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/** An order the function rejects (samples' poison orders have a lower-case currency). */
const isPoison = (order: Record<string, unknown>): boolean =>
  typeof order.currency === "string" && order.currency !== order.currency.toUpperCase();

/** A stand-in function: `decide` says per order whether to store it and whether to report it failed. */
function standIn(
  env: LocalEnvironment,
  decide: (order: Record<string, unknown>) => { store: boolean; fail: boolean },
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      const order = orderOfBody(record.body)!;
      const { store, fail } = decide(order);
      if (store) {
        await env.dynamodb.send(
          new PutItemCommand({
            TableName: env.pipeline.table.name,
            Item: { [env.pipeline.table.partitionKey.name]: { S: String(order.orderId) } },
          }),
        );
      }
      if (fail) failures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures: failures };
  };
}

/** Runs 6 orders, half of them poison, through a fresh environment into the stand-in. */
async function run(
  decide: (order: Record<string, unknown>) => { store: boolean; fail: boolean },
): Promise<LocalRunSummary> {
  const env = await LocalEnvironment.start(manifest, { visibilityTimeoutSeconds: 1 });
  try {
    return await runLocalPipeline(env, standIn(env, decide), {
      orders: 6,
      badShare: 0.5,
      batchSize: 10,
      concurrency: 2,
      visibilityTimeoutSeconds: 1,
      timeoutSeconds: 20,
    });
  } finally {
    await env.stop();
  }
}

const checks = (s: LocalRunSummary) => ({
  stored: s.stored,
  inDeadLetterQueue: s.inDeadLetterQueue,
  nothingLost: s.nothingLost,
  everyGoodOrderStored: s.everyGoodOrderStored,
  poisonRedrivenIntact: s.poisonRedrivenIntact,
});

describe("npm run local's checks", () => {
  test("hold for a function that stores the good orders and fails the poison ones", async () => {
    const summary = await run((o) => ({ store: !isPoison(o), fail: isPoison(o) }));
    expect(checks(summary)).toEqual({
      stored: 3,
      inDeadLetterQueue: 3,
      nothingLost: true,
      everyGoodOrderStored: true,
      poisonRedrivenIntact: true,
    });
  }, 60_000);

  test("fail for a function that stores nothing and fails nothing: every order lost", async () => {
    const summary = await run(() => ({ store: false, fail: false }));
    expect(checks(summary)).toEqual({
      stored: 0,
      inDeadLetterQueue: 0,
      nothingLost: false,
      everyGoodOrderStored: false,
      poisonRedrivenIntact: false,
    });
  }, 60_000);

  test("fail for a function that stores some good orders only", async () => {
    let seen = 0;
    const summary = await run((o) => ({ store: !isPoison(o) && seen++ === 0, fail: isPoison(o) }));
    expect(checks(summary)).toEqual({
      stored: 1,
      inDeadLetterQueue: 3,
      nothingLost: false,
      everyGoodOrderStored: false,
      poisonRedrivenIntact: true,
    });
  }, 60_000);

  test("fail for a function that stores the poison orders too", async () => {
    const summary = await run(() => ({ store: true, fail: false }));
    expect(checks(summary)).toEqual({
      stored: 6,
      inDeadLetterQueue: 0,
      nothingLost: true,
      everyGoodOrderStored: false,
      poisonRedrivenIntact: false,
    });
  }, 60_000);

  test("fail for a function that fails the good orders and stores the poison ones (as many in the DLQ as poison)", async () => {
    const summary = await run((o) => ({ store: isPoison(o), fail: !isPoison(o) }));
    expect(checks(summary)).toEqual({
      stored: 3,
      inDeadLetterQueue: 3,
      nothingLost: true,
      everyGoodOrderStored: false,
      poisonRedrivenIntact: false,
    });
  }, 60_000);

  test("fail for a function that fails every order: the good ones reach the DLQ too", async () => {
    const summary = await run(() => ({ store: false, fail: true }));
    expect(checks(summary)).toEqual({
      stored: 0,
      inDeadLetterQueue: 6,
      nothingLost: true,
      everyGoodOrderStored: false,
      poisonRedrivenIntact: false,
    });
  }, 60_000);
});

describe("the order a queued body carries", () => {
  const order = { orderId: "order-1" };
  test.each([
    ["SNS's envelope: its Message", JSON.stringify({ Type: "Notification", Message: JSON.stringify(order) }), order],
    ["a raw delivery: the body itself", JSON.stringify(order), order],
    [
      "an envelope whose Message is no text: the body itself",
      JSON.stringify({ Type: "Notification", Message: 5 }),
      { Type: "Notification", Message: 5 },
    ],
    [
      "a Message without the envelope's Type: the body itself",
      JSON.stringify({ Message: JSON.stringify(order) }),
      { Message: JSON.stringify(order) },
    ],
    ["a number: none", "5", undefined],
    ["null: none", "null", undefined],
    ["text that is not JSON: none", "{broken", undefined],
  ])("%s", (_, body, expected) => {
    expect(orderOfBody(body)).toEqual(expected);
  });
});
