import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { UsageError } from "../cli/cli";
import {
  STACK_MANIFEST_FILE,
  StackManifest,
  manifestProblems,
  manifestStacks,
  readStackManifest,
} from "../local/stack-manifest";
import { EnvironmentInput, environmentFrom } from "../config/environments";
import { OrderPipelineStack } from "../stacks/order-pipeline-stack";
import { AWS_DEFAULTS } from "../stacks/stack-manifest";
import { BUNDLE_PATH, SynthesizedApp, synthApp } from "./support/tf";

/** Synthesizes one OrderPipelineStack with `settings` over the dev settings and reads its manifest. */
function manifestOf(settings: Partial<EnvironmentInput>): StackManifest {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-manifest-"));
  const app = new App({ outdir, stackTraces: false });
  new OrderPipelineStack(app, "t-dev", {
    environment: environmentFrom({ name: "dev", region: "eu-west-1", deletionProtection: false, ...settings }),
    prefix: "t-dev",
    backend: { bucket: "b", region: "eu-west-1", keyPrefix: "k", kmsKeyId: "alias/k-state" },
    functionBundlePath: BUNDLE_PATH,
  });
  app.synth();
  return readStackManifest(outdir, "t-dev").manifest;
}

describe("the stack manifest synth writes beside each pipeline stack", () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthApp();
  });

  test("holds the dev stack's names and settings, as the constructs hold them", () => {
    expect(readStackManifest(synthesized.outdir, "orders-dev").manifest).toEqual({
      version: 1,
      stack: "orders-dev",
      region: "us-east-1",
      topic: { name: "orders-dev-OrderTopic" },
      subscription: { rawMessageDelivery: false },
      queue: {
        name: "orders-dev-OrderQueue",
        visibilityTimeoutSeconds: 180,
        messageRetentionSeconds: 345_600,
        receiveWaitTimeSeconds: 20,
        delaySeconds: 0,
      },
      deadLetterQueue: {
        name: "orders-dev-OrderQueueDLQ",
        visibilityTimeoutSeconds: 30,
        messageRetentionSeconds: 1_209_600,
        receiveWaitTimeSeconds: 0,
        delaySeconds: 0,
      },
      maxReceiveCount: 3,
      table: {
        name: "orders-dev-Orders",
        partitionKey: { name: "orderId", type: "S" },
        billingMode: "PAY_PER_REQUEST",
      },
      function: {
        name: "orders-dev-ProcessOrderLambda",
        timeoutSeconds: 30,
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        maximumConcurrency: 10,
      },
    });
  });

  test("agrees with the synthesized Terraform on the queue's visibility timeout, the function and the table key", () => {
    const tf = synthesized.stacks["orders-dev"];
    const { manifest } = readStackManifest(synthesized.outdir, "orders-dev");
    const queues = Object.values(tf.resource.aws_sqs_queue) as { name: string; visibility_timeout_seconds?: number }[];
    const queue = queues.find((q) => q.name === manifest.queue.name)!;
    const fn = Object.values(tf.resource.aws_lambda_function)[0] as { function_name: string; timeout: number };
    const mapping = Object.values(tf.resource.aws_lambda_event_source_mapping)[0] as { batch_size: number };
    const table = Object.values(tf.resource.aws_dynamodb_table)[0] as { name: string; hash_key: string };
    expect([
      queue.visibility_timeout_seconds,
      fn.function_name,
      fn.timeout,
      mapping.batch_size,
      table.name,
      table.hash_key,
    ]).toEqual([
      manifest.queue.visibilityTimeoutSeconds,
      manifest.function.name,
      manifest.function.timeoutSeconds,
      manifest.function.batchSize,
      manifest.table.name,
      manifest.table.partitionKey.name,
    ]);
  });

  test("states AWS's own default where a resource leaves a setting unset (the DLQ's visibility timeout)", () => {
    const dlq = readStackManifest(synthesized.outdir, "orders-dev").manifest.deadLetterQueue;
    expect([dlq.visibilityTimeoutSeconds, dlq.receiveWaitTimeSeconds]).toEqual([
      AWS_DEFAULTS.sqsQueue.visibilityTimeoutSeconds,
      AWS_DEFAULTS.sqsQueue.receiveWaitTimeSeconds,
    ]);
  });

  test("is written for each pipeline stack and not for the state bootstrap stack", () => {
    expect(manifestStacks(synthesized.outdir)).toEqual(["orders-dev", "orders-prod"]);
    expect(fs.existsSync(path.join(synthesized.outdir, "stacks", "orders-state-bootstrap", STACK_MANIFEST_FILE))).toBe(
      false,
    );
  });

  test("follows the stack's props: raw delivery, batch size, function timeout, maximum concurrency, region", () => {
    const manifest = manifestOf({
      rawMessageDelivery: true,
      batchSize: 5,
      timeoutSeconds: 10,
      maximumConcurrency: 2,
    });
    expect({
      raw: manifest.subscription.rawMessageDelivery,
      fn: manifest.function,
      visibility: manifest.queue.visibilityTimeoutSeconds,
      region: manifest.region,
    }).toEqual({
      raw: true,
      fn: {
        name: "t-dev-ProcessOrderLambda",
        timeoutSeconds: 10,
        batchSize: 5,
        maximumBatchingWindowSeconds: 0,
        maximumConcurrency: 2,
      },
      visibility: 60,
      region: "eu-west-1",
    });
  });
});

describe("reading a stack manifest", () => {
  let outdir: string;
  beforeAll(() => {
    outdir = synthApp().outdir;
  });

  test("refuses a stack that was not synthesized, listing those that were", () => {
    expect(() => readStackManifest(outdir, "orders-qa", {})).toThrow(
      new UsageError(`--stack must name a stack in ${outdir}: it holds orders-dev, orders-prod (given "orders-qa")`),
    );
  });

  test("names each setting a Terraform expression sets, which a local run cannot know", () => {
    const { manifest } = readStackManifest(outdir, "orders-dev");
    const changed = { ...manifest, function: { ...manifest.function, timeoutSeconds: "${var.timeout}" } };
    expect(manifestProblems(changed as unknown as StackManifest)).toEqual([
      'function.timeoutSeconds must be a fixed number for a local run; the stack sets it to "${var.timeout}"',
    ]);
  });

  test("refuses a manifest of another version", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "orders-manifest-"));
    fs.cpSync(outdir, copy, { recursive: true });
    const file = path.join(copy, "stacks", "orders-dev", STACK_MANIFEST_FILE);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), version: 2 }));
    expect(() => readStackManifest(copy, "orders-dev")).toThrow('version must be 1 (given 2): run "npm run synth"');
  });
});
