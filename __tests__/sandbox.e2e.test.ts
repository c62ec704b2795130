import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS } from "../cli/aws";
import { poisonOrder, sampleOrder } from "../contract/samples";
import { defaultStackName } from "../cli/stacks";
import { Pipeline, pipelineOf, readStackManifest } from "../local/stack-manifest";
import { RunningSandbox, lines, listening, npmRun, projectCopy, run } from "./support/commands";
import { snsNotification } from "./support/sqs-events";

/**
 * The operator path end to end, as a user runs it on a fresh clone: `npm run sandbox` in one
 * shell, then the operator commands in another with nothing but `--outputs outputs.local.json`.
 * Everything runs in a copy of the project, so this clone's dist/, cdktf.out/ and outputs files
 * are left alone.
 */

type Outputs = Record<string, string>;

const OUTPUT_NAMES = [
  "aws_endpoint_url_dynamodb",
  "aws_endpoint_url_sns",
  "aws_endpoint_url_sqs",
  "aws_region",
  "dlq_url",
  "function_name",
  "local_metrics_file",
  "queue_url",
  "table_name",
  "topic_arn",
];

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function clients(outputs: Outputs) {
  const config = { region: outputs.aws_region, credentials: LOCAL_CREDENTIALS };
  return {
    sns: new SNSClient({ ...config, endpoint: outputs.aws_endpoint_url_sns }),
    sqs: new SQSClient({ ...config, endpoint: outputs.aws_endpoint_url_sqs }),
    dynamodb: new DynamoDBClient({ ...config, endpoint: outputs.aws_endpoint_url_dynamodb }),
    destroy(): void {
      this.sns.destroy();
      this.sqs.destroy();
      this.dynamodb.destroy();
    },
  };
}

async function storedOrderIds(c: ReturnType<typeof clients>, table: string): Promise<Set<string>> {
  const { Items } = await c.dynamodb.send(new ScanCommand({ TableName: table }));
  return new Set((Items ?? []).map((item) => item.orderId.S!));
}

/** Messages on the DLQ, visible or not (a message received with a zero visibility timeout counts once again visible). */
async function dlqDepth(c: ReturnType<typeof clients>, dlqUrl: string): Promise<number> {
  const { Attributes } = await c.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

const project = projectCopy();
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

/** The stack `npm run sandbox` runs by default: the first environment of the copy's configuration. */
const STACK = defaultStackName({}, project);

/** That stack's pipeline as synth described it (read once the sandbox has synthesized). */
const pipelineOfCopy = (): Pipeline => pipelineOf(readStackManifest(path.join(project, "cdktf.out"), STACK).manifest);

/** `text` as a literal inside a regular expression. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A built command of the copy, run as its npm script runs it after the build (for the variations). */
const built = (file: string, args: string[], stdin?: string) =>
  run(process.execPath, [file, ...args], { cwd: project, stdin });

describe("npm run sandbox, then the operator commands with --outputs outputs.local.json", () => {
  let sandbox: RunningSandbox;
  let outputs: Outputs;
  let c: ReturnType<typeof clients>;
  let published: string[];
  let poisonMessageId: string;
  let pipeline: Pipeline;
  const poison = poisonOrder();

  beforeAll(async () => {
    sandbox = await RunningSandbox.start("npm", ["run", "sandbox", "--", "--visibility-timeout", "1"], {
      cwd: project,
    });
    outputs = JSON.parse(fs.readFileSync(path.join(project, "outputs.local.json"), "utf8"))[STACK];
    pipeline = pipelineOfCopy();
    c = clients(outputs);
  }, 120_000);

  afterAll(() => {
    c?.destroy();
    sandbox?.kill();
  });

  test("prints the stack's settings, the servers on 127.0.0.1, then ready", () => {
    const printed = lines(sandbox.stdout);
    expect(printed.filter((l) => l === "ready")).toHaveLength(1);
    const before = printed.slice(0, printed.indexOf("ready"));
    expect(before).toEqual(
      expect.arrayContaining([
        `Sandbox of ${STACK} (settings from cdktf.out/stacks/${STACK}/stack-manifest.json)`,
        `  SNS+SQS   fauxqs    ${outputs.aws_endpoint_url_sns}`,
        `  DynamoDB  dynalite  ${outputs.aws_endpoint_url_dynamodb}`,
        `  queue ${pipeline.queue.name}: to ${pipeline.deadLetterQueue.name} after ${pipeline.maxReceiveCount} receives; ` +
          `visibility timeout 1 s here (the stack's: ${pipeline.queue.visibilityTimeoutSeconds} s)`,
      ]),
    );
    expect(sandbox.stderr).toBe("");
  });

  test("writes outputs.local.json in the shape of npm run deploy's outputs.json, with the local endpoints", () => {
    expect(Object.keys(outputs).sort()).toEqual(OUTPUT_NAMES);
    expect(outputs).toMatchObject({
      topic_arn: `arn:aws:sns:${pipeline.region}:000000000000:${pipeline.topic.name}`,
      table_name: pipeline.table.name,
      function_name: pipeline.function.name,
      aws_region: pipeline.region,
      queue_url: `${outputs.aws_endpoint_url_sqs}/000000000000/${pipeline.queue.name}`,
      dlq_url: `${outputs.aws_endpoint_url_sqs}/000000000000/${pipeline.deadLetterQueue.name}`,
    });
    for (const name of OUTPUT_NAMES.filter((n) => n.startsWith("aws_endpoint_url_"))) {
      expect(outputs[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  test("npm run publish -- --outputs outputs.local.json --count 20 exits 0 and prints 20 orders", async () => {
    const result = await npmRun(project, "publish", ["--outputs", "outputs.local.json", "--count", "20"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const rows = lines(result.stdout);
    expect(rows).toHaveLength(20);
    for (const row of rows) expect(row).toMatch(/^order-[0-9a-f-]{36} [0-9a-f-]{36}$/);
    published = rows.map((r) => r.split(" ")[0]);
  });

  test("npm run smoke -- --outputs outputs.local.json exits 0 once its order is stored", async () => {
    const result = await npmRun(project, "smoke", ["--outputs", "outputs.local.json"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(lines(result.stdout)).toEqual([
      expect.stringMatching(/^published smoke order smoke-\d+-[0-9a-f]{8} \(message [0-9a-f-]{36}\)$/),
      expect.stringMatching(new RegExp(`^stored in ${literal(pipeline.table.name)} after \\d+ ms$`)),
    ]);
  });

  test("the 20 published orders are in the table", async () => {
    const missing = await eventually("the 20 orders in the table", async () => {
      const stored = await storedOrderIds(c, outputs.table_name);
      const absent = published.filter((id) => !stored.has(id));
      return absent.length === 0 ? absent : undefined;
    });
    expect(missing).toEqual([]);
  });

  test("npm run dlq -- list --outputs outputs.local.json exits 0 on the empty DLQ", async () => {
    const result = await npmRun(project, "dlq", ["list", "--outputs", "outputs.local.json"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(lines(result.stdout)).toEqual([`0 message(s) on ${outputs.dlq_url}`]);
  });

  test("a poison order published through SNS reaches the DLQ after maxReceiveCount receives, and dlq list says why", async () => {
    await c.sns.send(new PublishCommand({ TopicArn: outputs.topic_arn, Message: JSON.stringify(poison) }));
    await eventually("the poison order in the DLQ", async () =>
      (await dlqDepth(c, outputs.dlq_url)) === 1 ? true : undefined,
    );
    const result = await npmRun(project, "dlq", ["list", "--outputs", "outputs.local.json"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const [header, row, ...rest] = lines(result.stdout);
    expect([header, rest]).toEqual([`1 message(s) on ${outputs.dlq_url}`, []]);
    expect(row).toMatch(
      /^\S+ {2}receives \d+ {2}first seen \S+ {2}InvalidOrderError: invalid order: currency must be an ISO 4217 code: three upper-case letters \(given "eur"\)$/,
    );
    poisonMessageId = row.split(" ")[0];
    // The sandbox reported each receive of it: exactly maxReceiveCount, then the queue's redrive moved it.
    const receives = lines(sandbox.stdout).filter((l) => l.startsWith(`  failed ${poisonMessageId} `));
    const n = pipeline.maxReceiveCount;
    expect(receives).toEqual(
      Array.from({ length: n }, (_, i) =>
        i + 1 < n
          ? `  failed ${poisonMessageId} (receive ${i + 1} of ${n})`
          : `  failed ${poisonMessageId} (receive ${n} of ${n}: next to the DLQ)`,
      ),
    );
  });

  test("a dlq listing leaves the messages visible and raises each receive count by one", async () => {
    const count = async (): Promise<number> => {
      const result = await built("dist/ops/dlq.js", ["list", "--outputs", "outputs.local.json"]);
      return Number(/receives (\d+)/.exec(result.stdout)![1]);
    };
    const first = await count();
    expect(await count()).toBe(first + 1);
    expect(await dlqDepth(c, outputs.dlq_url)).toBe(1);
  });

  test("the DLQ holds the order in SNS's envelope, with the fields of AWS's published sample the function's tests use", async () => {
    const { Messages } = await c.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: outputs.dlq_url, VisibilityTimeout: 0, WaitTimeSeconds: 1 }),
    );
    const delivered = JSON.parse(Messages![0].Body!);
    // SNS writes Subject only when the publisher gives one (AWS: "HTTP/HTTPS notification JSON format"); publish gives none.
    const { Subject: _subject, ...fixture } = JSON.parse(snsNotification("x"));
    expect(Object.keys(delivered).sort()).toEqual(Object.keys(fixture).sort());
    expect(delivered).toMatchObject({
      Type: "Notification",
      TopicArn: outputs.topic_arn,
      Message: JSON.stringify(poison),
    });
  });

  test("npm run publish takes an order from a file, from standard input and from flags; each is stored", async () => {
    const fromFile = sampleOrder();
    const fromStdin = sampleOrder();
    fs.writeFileSync(path.join(project, "order.json"), JSON.stringify(fromFile));
    const o = ["--outputs", "outputs.local.json"];
    const results = [
      await built("dist/ops/publish.js", ["--file", "order.json", ...o]),
      await built("dist/ops/publish.js", ["--file", "-", ...o], JSON.stringify(fromStdin)),
      await built("dist/ops/publish.js", [
        ...["--order-id", "o-flags", "--customer-id", "c-1", "--sku", "SKU-9", "--quantity", "2"],
        ...["--unit-price", "4.5", "--currency", "USD", ...o],
      ]),
    ];
    expect(results.map((r) => [r.status, lines(r.stdout).map((l) => l.split(" ")[0])])).toEqual([
      [0, [fromFile.orderId]],
      [0, [fromStdin.orderId]],
      [0, ["o-flags"]],
    ]);
    const wanted = [fromFile.orderId as string, fromStdin.orderId as string, "o-flags"];
    await eventually("the three orders in the table", async () => {
      const stored = await storedOrderIds(c, outputs.table_name);
      return wanted.every((id) => stored.has(id)) ? true : undefined;
    });
  });

  test("npm run smoke exits 1 and says where to look when its order is not stored in time", async () => {
    // A topic nothing subscribes to: the order goes nowhere. The deadline bounds the publish too, so it leaves the
    // publish seconds on a loaded machine (with 1 s, the publish itself outlasted it at a load average of 13).
    const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: `${STACK}-Unsubscribed` }));
    const result = await built("dist/ops/smoke.js", [
      ...["--outputs", "outputs.local.json", "--topic-arn", TopicArn!, "--timeout", "5"],
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^smoke order smoke-\\S+ not stored in ${literal(pipeline.table.name)} within 5 s: look at the DLQ ` +
          "\\(npm run dlq -- list\\), the alarms and the function's log group\n$",
      ),
    );
  });

  test("npm run dlq -- redrive says the sandbox's SQS has no message-move task, exits 1 and moves nothing", async () => {
    const result = await npmRun(project, "dlq", ["redrive", "--outputs", "outputs.local.json"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 1,
      stderr:
        `redrive needs SQS's StartMessageMoveTask, which the SQS server at ${outputs.aws_endpoint_url_sqs} does not implement ` +
        '(it answered InvalidAction: Unknown action: StartMessageMoveTask); fauxqs, the server of "npm run sandbox", has none: nothing was moved\n',
    });
    expect(await dlqDepth(c, outputs.dlq_url)).toBe(1);
  });

  test("npm run dlq -- purge --yes empties the DLQ", async () => {
    const result = await npmRun(project, "dlq", ["purge", "--yes", "--outputs", "outputs.local.json"]);
    expect({ status: result.status, out: lines(result.stdout) }).toEqual({
      status: 0,
      out: [`purged ${outputs.dlq_url}`],
    });
    expect(await dlqDepth(c, outputs.dlq_url)).toBe(0);
  });

  test("Ctrl-C (SIGINT) stops the sandbox: exit 0 and no server left listening", async () => {
    const result = await sandbox.stop("SIGINT");
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: "",
    });
    // Between the two: only the last interval's metric summary of a function that ran in it.
    const out = lines(result.stdout);
    const between = out.slice(out.lastIndexOf("SIGINT: stopping") + 1, -1);
    expect([out.includes("SIGINT: stopping"), out.at(-1)]).toEqual([true, "stopped"]);
    expect(between.filter((line) => !/^\d\d:\d\d:\d\d \S+ metrics, last \d+ s: /.test(line))).toEqual([]);
    const endpoints = [outputs.aws_endpoint_url_sns, outputs.aws_endpoint_url_dynamodb];
    expect(await Promise.all(endpoints.map(listening))).toEqual([false, false]);
  });
});

describe("npm run sandbox -- --data <dir>", () => {
  test("keeps the table and the queues' messages across a restart with new settings; SIGTERM stops it with exit 0", async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "orders-sandbox-data-"));
    const options = ["--data", data, "--outputs-file", "data-outputs.json"];
    const read = (): Outputs => JSON.parse(fs.readFileSync(path.join(project, "data-outputs.json"), "utf8"))[STACK];
    const order = sampleOrder();

    const first = await RunningSandbox.start("npm", ["run", "sandbox", "--", ...options], { cwd: project });
    let c = clients(read());
    try {
      await c.sns.send(new PublishCommand({ TopicArn: read().topic_arn, Message: JSON.stringify(order) }));
      await c.sqs.send(new SendMessageCommand({ QueueUrl: read().dlq_url, MessageBody: "kept" }));
      await eventually("the order stored", async () =>
        (await storedOrderIds(c, read().table_name)).has(order.orderId as string) ? true : undefined,
      );
    } finally {
      c.destroy();
      expect((await first.stop("SIGTERM")).status).toBe(0);
    }

    // The restart runs the built command npm run sandbox runs after its synth, with another visibility timeout.
    const second = await RunningSandbox.start(
      process.execPath,
      ["dist/local/sandbox.js", ...options, "--visibility-timeout", "3"],
      { cwd: project },
    );
    c = clients(read());
    const pipeline = pipelineOfCopy();
    try {
      const stored = await storedOrderIds(c, read().table_name);
      expect([stored.has(order.orderId as string), await dlqDepth(c, read().dlq_url)]).toEqual([true, 1]);
      expect(lines(second.stdout)).toEqual(
        expect.arrayContaining([
          `  data: kept in ${data}`,
          `  queue ${pipeline.queue.name}: to ${pipeline.deadLetterQueue.name} after ${pipeline.maxReceiveCount} receives; ` +
            `visibility timeout 3 s here (the stack's: ${pipeline.queue.visibilityTimeoutSeconds} s)`,
        ]),
      );
    } finally {
      c.destroy();
      expect((await second.stop("SIGTERM")).status).toBe(0);
    }
  }, 60_000);
});
