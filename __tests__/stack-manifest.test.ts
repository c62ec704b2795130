import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../cli/cli";
import {
  STACK_MANIFEST_FILE,
  STACK_MANIFEST_VERSION,
  StackManifest,
  manifestProblems,
  manifestStacks,
  pipelineOf,
  readStackManifest,
} from "../local/stack-manifest";
import { AWS_DEFAULTS } from "../stacks/stack-manifest";
import { addUsdSubscriber, synthOwnStack } from "./support/second-subscriber";
import { inConstruct, pipelineStacks, processOrderFunction, synthApp } from "./support/tf";

const manifestOf = (outdir: string, stack: string): StackManifest => readStackManifest(outdir, stack).manifest;

/**
 * The manifest's entries named `names` (queues, tables and functions by name, subscriptions by queue), in the
 * manifest's order: what this suite's stack holds, whatever an adopter added to the pipeline stack beside it.
 */
function only(manifest: StackManifest, names: readonly string[]): StackManifest {
  const named = <T extends { name: string }>(list: readonly T[]): T[] => list.filter((e) => names.includes(e.name));
  return {
    ...manifest,
    topics: named(manifest.topics),
    queues: named(manifest.queues),
    subscriptions: manifest.subscriptions.filter((s) => names.includes(s.queue)),
    tables: named(manifest.tables),
    functions: named(manifest.functions),
  };
}

const PIPELINE = ["t-dev-OrderTopic", "t-dev-OrderQueue", "t-dev-Orders", "t-dev-ProcessOrderLambda"];
const DOLLAR = ["t-dev-DollarQueue", "t-dev-DollarOrders", "t-dev-DollarConsumer"];

describe("the stack manifest synth writes beside a pipeline stack", () => {
  let outdir: string;
  let manifest: StackManifest;
  beforeAll(() => {
    outdir = synthOwnStack("t-dev");
    manifest = manifestOf(outdir, "t-dev");
  });

  test("holds the stack's topic, queue with its DLQ, subscription, table and function, as the constructs hold them", () => {
    expect(only(manifest, PIPELINE)).toEqual({
      version: STACK_MANIFEST_VERSION,
      stack: "t-dev",
      region: "eu-west-1",
      topics: [{ name: "t-dev-OrderTopic" }],
      queues: [
        {
          name: "t-dev-OrderQueue",
          visibilityTimeoutSeconds: 180,
          messageRetentionSeconds: 345_600,
          receiveWaitTimeSeconds: 20,
          delaySeconds: 0,
          deadLetterQueue: {
            name: "t-dev-OrderQueueDLQ",
            visibilityTimeoutSeconds: 30,
            messageRetentionSeconds: 1_209_600,
            receiveWaitTimeSeconds: 0,
            delaySeconds: 0,
          },
          maxReceiveCount: 3,
        },
      ],
      subscriptions: [{ topic: "t-dev-OrderTopic", queue: "t-dev-OrderQueue", rawMessageDelivery: false }],
      tables: [{ name: "t-dev-Orders", partitionKey: { name: "orderId", type: "S" }, billingMode: "PAY_PER_REQUEST" }],
      functions: [
        {
          name: "t-dev-ProcessOrderLambda",
          queue: "t-dev-OrderQueue",
          bundle: "dist/functions/process-order/index.js",
          environment: {
            ORDERS_ENVIRONMENT: "dev",
            ORDERS_TABLE_NAME: "t-dev-Orders",
            POWERTOOLS_METRICS_NAMESPACE: "order-pipeline/t-dev",
            POWERTOOLS_SERVICE_NAME: "process-order",
          },
          timeoutSeconds: 30,
          batchSize: 10,
          maximumBatchingWindowSeconds: 0,
          maximumConcurrency: 10,
        },
      ],
    });
  });

  test("agrees with the synthesized Terraform on the queue's visibility timeout, the function and the table key", () => {
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "t-dev", "cdk.tf.json"), "utf8"));
    const queue = Object.values(tf.resource.aws_sqs_queue).find(
      (q) => (q as { name: string }).name === manifest.queues[0].name,
    ) as { visibility_timeout_seconds: number };
    const fn = processOrderFunction(tf);
    const [mapping] = inConstruct(tf, "aws_lambda_event_source_mapping", "ProcessOrderLambda");
    const [table] = inConstruct(tf, "aws_dynamodb_table", "Orders");
    const { function: f, table: t } = pipelineOf(manifest);
    expect([
      queue.visibility_timeout_seconds,
      fn.function_name,
      fn.timeout,
      mapping.batch_size,
      table.name,
      table.hash_key,
    ]).toEqual([
      manifest.queues[0].visibilityTimeoutSeconds,
      f.name,
      f.timeoutSeconds,
      f.batchSize,
      t.name,
      t.partitionKey.name,
    ]);
  });

  test("states AWS's own default where a resource leaves a setting unset (the DLQ's visibility timeout)", () => {
    const dlq = manifest.queues[0].deadLetterQueue!;
    expect([dlq.visibilityTimeoutSeconds, dlq.receiveWaitTimeSeconds]).toEqual([
      AWS_DEFAULTS.sqsQueue.visibilityTimeoutSeconds,
      AWS_DEFAULTS.sqsQueue.receiveWaitTimeSeconds,
    ]);
  });

  test("follows the stack's props: raw delivery, batch size, function timeout, maximum concurrency", () => {
    const changed = manifestOf(
      synthOwnStack("t-dev", {
        rawMessageDelivery: true,
        batchSize: 5,
        timeoutSeconds: 10,
        maximumConcurrency: 2,
      }),
      "t-dev",
    );
    const { function: fn, subscription, queue } = pipelineOf(changed);
    expect([
      subscription.rawMessageDelivery,
      fn.timeoutSeconds,
      fn.batchSize,
      fn.maximumConcurrency,
      queue.visibilityTimeoutSeconds,
    ]).toEqual([true, 10, 5, 2, 60]);
  });
});

describe("the stack manifest of a pipeline stack with a second subscriber", () => {
  let manifest: StackManifest;
  beforeAll(() => {
    manifest = manifestOf(
      synthOwnStack("t-dev", {}, (stack) => addUsdSubscriber(stack, "t-dev")),
      "t-dev",
    );
  });

  test("lists both queues, each with its DLQ", () => {
    expect(
      only(manifest, [...PIPELINE, ...DOLLAR]).queues.map((q) => [q.name, q.deadLetterQueue?.name, q.maxReceiveCount]),
    ).toEqual([
      ["t-dev-OrderQueue", "t-dev-OrderQueueDLQ", 3],
      ["t-dev-DollarQueue", "t-dev-DollarQueueDLQ", 3],
    ]);
  });

  test("lists both subscriptions of the topic, the second with its filter policy on the message body", () => {
    expect(only(manifest, [...PIPELINE, ...DOLLAR]).subscriptions).toEqual([
      { topic: "t-dev-OrderTopic", queue: "t-dev-OrderQueue", rawMessageDelivery: false },
      {
        topic: "t-dev-OrderTopic",
        queue: "t-dev-DollarQueue",
        rawMessageDelivery: false,
        filterPolicy: '{"currency":["USD"]}',
        filterPolicyScope: "MessageBody",
      },
    ]);
  });

  test("lists both consumers with their queues and the names of the tables they write", () => {
    const listed = only(manifest, [...PIPELINE, ...DOLLAR]);
    expect(listed.functions.map((f) => [f.name, f.queue, f.environment.ORDERS_TABLE_NAME])).toEqual([
      ["t-dev-ProcessOrderLambda", "t-dev-OrderQueue", "t-dev-Orders"],
      ["t-dev-DollarConsumer", "t-dev-DollarQueue", "t-dev-DollarOrders"],
    ]);
    expect(listed.tables.map((t) => t.name)).toEqual(["t-dev-Orders", "t-dev-DollarOrders"]);
  });

  test("gives each consumer's pipeline: its queue, DLQ, subscription and table", () => {
    const usd = pipelineOf(manifest, "t-dev-DollarConsumer");
    expect([usd.queue.name, usd.deadLetterQueue.name, usd.subscription.filterPolicyScope, usd.table.name]).toEqual([
      "t-dev-DollarQueue",
      "t-dev-DollarQueueDLQ",
      "MessageBody",
      "t-dev-DollarOrders",
    ]);
  });
});

describe("the stack manifests of the configured app", () => {
  test("are written for each pipeline stack of the configuration and not for the state bootstrap stack", () => {
    const { outdir, stacks } = synthApp();
    expect(manifestStacks(outdir)).toEqual(Object.keys(pipelineStacks(stacks)).sort());
    const others = Object.keys(stacks).filter((name) => !(name in pipelineStacks(stacks)));
    expect(others.filter((name) => fs.existsSync(path.join(outdir, "stacks", name, STACK_MANIFEST_FILE)))).toEqual([]);
  });
});

describe("reading a stack manifest", () => {
  let outdir: string;
  let manifest: StackManifest;
  beforeAll(() => {
    outdir = synthOwnStack("t-dev");
    manifest = manifestOf(outdir, "t-dev");
  });

  test("refuses a stack that was not synthesized, listing those that were", () => {
    expect(() => readStackManifest(outdir, "t-qa", {})).toThrow(
      new UsageError(`--stack must name a stack in ${outdir}: it holds t-dev (given "t-qa")`),
    );
  });

  test("names each setting a Terraform expression sets, which a local run cannot know", () => {
    const fn = { ...manifest.functions[0], timeoutSeconds: "${var.timeout}" };
    const changed = { ...manifest, functions: [fn] } as unknown as StackManifest;
    expect(manifestProblems(changed)).toEqual([
      'functions[0].timeoutSeconds must be a fixed number for a local run; the stack sets it to "${var.timeout}"',
    ]);
  });

  test("names a function whose queue the manifest does not hold", () => {
    const changed = { ...manifest, functions: [{ ...manifest.functions[0], queue: "t-dev-Other" }] };
    expect(manifestProblems(changed)).toEqual(['functions[0].queue names no queue of the manifest ("t-dev-Other")']);
  });

  test("finds no problem in queues without a dead-letter queue", () => {
    const queues = manifest.queues.map((q) => ({ ...q, deadLetterQueue: undefined, maxReceiveCount: undefined }));
    expect(manifestProblems({ ...manifest, queues })).toEqual([]);
  });

  test.each([
    ["no function", (m: StackManifest) => ({ ...m, functions: [] }), undefined, "no function"],
    ["not the function named", (m: StackManifest) => m, "t-dev-Other", "no function t-dev-Other"],
    [
      "no dead-letter queue",
      (m: StackManifest) => ({ ...m, queues: m.queues.map((q) => ({ ...q, deadLetterQueue: undefined })) }),
      undefined,
      "no dead-letter queue for t-dev-OrderQueue, the queue of t-dev-ProcessOrderLambda",
    ],
    [
      "no receive count",
      (m: StackManifest) => ({ ...m, queues: m.queues.map((q) => ({ ...q, maxReceiveCount: undefined })) }),
      undefined,
      "no dead-letter queue for t-dev-OrderQueue, the queue of t-dev-ProcessOrderLambda",
    ],
    [
      "no subscription",
      (m: StackManifest) => ({ ...m, subscriptions: [] }),
      undefined,
      "no subscription of t-dev-OrderQueue, the queue of t-dev-ProcessOrderLambda",
    ],
    ["no table", (m: StackManifest) => ({ ...m, tables: [] }), undefined, "no table"],
  ])("says what a pipeline lacks: %s", (_, change, functionName, what) => {
    expect(() => pipelineOf(change(manifest), functionName)).toThrow(
      new Error(`t-dev: the stack manifest has ${what}`),
    );
  });

  test("names a subscription whose topic and queue the manifest does not hold", () => {
    const changed = {
      ...manifest,
      subscriptions: [{ ...manifest.subscriptions[0], topic: "t-dev-OtherTopic", queue: "t-dev-Other" }],
    };
    expect(manifestProblems(changed)).toEqual([
      'subscriptions[0].topic names no topic of the manifest ("t-dev-OtherTopic")',
      'subscriptions[0].queue names no queue of the manifest ("t-dev-Other")',
    ]);
  });

  test("refuses a manifest of another version", () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "orders-manifest-"));
    fs.cpSync(outdir, copy, { recursive: true });
    const file = path.join(copy, "stacks", "t-dev", STACK_MANIFEST_FILE);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), version: 1 }));
    expect(() => readStackManifest(copy, "t-dev")).toThrow(
      `version must be ${STACK_MANIFEST_VERSION} (given 1): run "npm run synth"`,
    );
  });
});
