import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { localClientSettings } from "../cli/aws";
import { localDynamoDbClient } from "../local/servers";
import { CommandResult, closedEndpoint, pooled, runBuilt } from "./support/commands";
import { FaultProxy, startFaultProxy } from "./support/fault-servers";

/**
 * Every command fails within its budget against a silent endpoint: a listener on 127.0.0.1 that
 * accepts each connection, reads the request and never answers. With --timeout the command
 * ends at its deadline; without, each attempt's socket timeout fires and the SDK gives up after
 * 3 attempts. Either way: exit 1 and one line naming the endpoint and the call that got no answer.
 * (How long each takes is measured by scripts/bench-silent-endpoint.mjs, not asserted here.)
 */

let silent: FaultProxy;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-silent-"));
let outputs: string;

interface Case {
  readonly command: string;
  readonly args: readonly string[];
  readonly message: (endpoint: string) => string;
  /** What follows the message, if anything. */
  readonly then?: RegExp;
}

const CASES: Case[] = [
  {
    command: "dist/ops/smoke.js",
    args: ["--timeout", "2"],
    message: (e) => `SNS at ${e} did not answer Publish within 2 s (--timeout 2)`,
  },
  {
    command: "dist/ops/publish.js",
    args: ["--count", "25", "--timeout", "2"],
    message: (e) => `SNS at ${e} did not answer PublishBatch within 2 s (--timeout 2)`,
    then: /^0 of 25 published \(the lines printed\); 25 without an answer from SNS \(it may have accepted some\): (order-\S+ ){24}order-\S+$/,
  },
  {
    command: "dist/ops/dlq.js",
    args: ["list", "--timeout", "2"],
    message: (e) => `SQS at ${e} did not answer ReceiveMessage within 2 s (--timeout 2)`,
  },
  {
    command: "dist/ops/dlq.js",
    args: ["redrive", "--timeout", "2"],
    message: (e) => `SQS at ${e} did not answer GetQueueAttributes within 2 s (--timeout 2)`,
  },
  {
    command: "dist/ops/dlq.js",
    args: ["purge", "--yes", "--timeout", "2"],
    message: (e) => `SQS at ${e} did not answer PurgeQueue within 2 s (--timeout 2)`,
  },
  {
    command: "dist/ops/dlq.js",
    args: ["purge", "--yes", "--max", "5", "--timeout", "2"],
    message: (e) => `SQS at ${e} did not answer ReceiveMessage within 2 s (--timeout 2)`,
  },
  // No --timeout: the default (60 s) is not what ends it, each attempt's 10 s socket timeout is.
  {
    command: "dist/ops/publish.js",
    args: ["--count", "1"],
    message: (e) => `SNS at ${e} accepted the connection but did not answer Publish: silent for 10 s, 3 attempts`,
  },
];

let results: CommandResult[];
let localClientOutcomes: PromiseSettledResult<unknown>[];

/** What the clients of the local servers do against the silent endpoint (each waits out its socket timeouts). */
async function localClientCalls(endpoint: string): Promise<PromiseSettledResult<unknown>[]> {
  const dynamodb = localDynamoDbClient(endpoint);
  const sqs = new SQSClient(localClientSettings(endpoint, "us-east-1"));
  try {
    return await Promise.allSettled([
      dynamodb.send(new GetItemCommand({ TableName: "t", Key: { orderId: { S: "o-1" } } })),
      sqs.send(new ReceiveMessageCommand({ QueueUrl: `${endpoint}/000000000000/q` })),
    ]);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
  }
}

beforeAll(async () => {
  // "stall": accept, read the request, never answer (the target is never contacted).
  silent = await startFaultProxy(await closedEndpoint(), () => "stall");
  const e = silent.endpoint;
  outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      "orders-dev": {
        topic_arn: "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic",
        dlq_url: `${e}/000000000000/orders-dev-OrderQueueDLQ`,
        table_name: "orders-dev-Orders",
        aws_region: "us-east-1",
        aws_endpoint_url_sns: e,
        aws_endpoint_url_sqs: e,
        aws_endpoint_url_dynamodb: e,
      },
    }),
  );
  // The commands and the local clients wait on the same silent listener at once: the file takes as long as the
  // longest wait (3 socket timeouts of 10 s), not the sum.
  [results, localClientOutcomes] = await Promise.all([
    pooled(
      CASES.map((c) => () => runBuilt(c.command, [...c.args, "--outputs", outputs], { timeoutMs: 60_000 })),
      CASES.length,
    ),
    localClientCalls(e),
  ]);
}, 90_000);

afterAll(() => silent.stop());

describe("a command against a silent endpoint", () => {
  test.each(CASES.map((c, i) => [`${path.basename(c.command)} ${c.args.join(" ")}`, i] as const))(
    "%s: exits 1 naming the endpoint and the call that got no answer",
    (_label, i) => {
      const { message, then } = CASES[i];
      expect({ status: results[i].status, stderr: results[i].stderr.split("\n") }).toEqual({
        status: 1,
        stderr: [message(silent.endpoint), ...(then ? [expect.stringMatching(then)] : []), ""],
      });
    },
  );

  test("closes every connection it opened before it exits", () => {
    expect(silent.held.length).toBeGreaterThan(0);
    expect(silent.held.filter((h) => h.closedAt === undefined)).toEqual([]);
  });
});

describe("the clients of the local servers (npm run sandbox, npm run local)", () => {
  test("give up on a silent server after their socket timeout, 3 attempts, instead of waiting forever", () => {
    expect(localClientOutcomes).toHaveLength(2);
    for (const outcome of localClientOutcomes) {
      expect(outcome).toMatchObject({
        status: "rejected",
        reason: {
          name: "TimeoutError",
          message: expect.stringContaining("socket timed out after 10000 ms of inactivity"),
          $metadata: { attempts: 3 },
        },
      });
    }
  });
});
