import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS } from "../cli/aws";
import { sampleOrder } from "../contract/samples";
import { StackManifest, readStackManifest } from "../local/stack-manifest";
import { ROOT, RunningSandbox, lines, listening, runBuilt } from "./support/commands";
import { addUsdSubscriber, synthOwnStack } from "./support/second-subscriber";

/**
 * The sandbox runs whatever the stack subscribes: a pipeline stack the suite owns, with a second
 * subscriber that takes only USD orders (filtering on the message body) into a table of its own,
 * synthesized here and run by the built sandbox command (what `npm run sandbox` runs after synth).
 */

const STACK = "t-dev";

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

describe("npm run sandbox with a second subscriber", () => {
  let outdir: string;
  let manifest: StackManifest;
  let sandbox: RunningSandbox;
  let outputs: Record<string, string>;
  let sns: SNSClient;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    outdir = synthOwnStack(STACK, {}, (stack) => addUsdSubscriber(stack, STACK));
    manifest = readStackManifest(outdir, STACK).manifest;
    const outputsFile = path.join(outdir, "outputs.local.json");
    sandbox = await RunningSandbox.start(
      process.execPath,
      [
        "dist/local/sandbox.js",
        "--out",
        outdir,
        "--stack",
        STACK,
        "--outputs-file",
        outputsFile,
        "--visibility-timeout",
        "1",
      ],
      { cwd: ROOT },
    );
    outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"))[STACK];
    const config = { region: outputs.aws_region, credentials: LOCAL_CREDENTIALS };
    sns = new SNSClient({ ...config, endpoint: outputs.aws_endpoint_url_sns });
    sqs = new SQSClient({ ...config, endpoint: outputs.aws_endpoint_url_sqs });
    dynamodb = new DynamoDBClient({ ...config, endpoint: outputs.aws_endpoint_url_dynamodb });
  }, 120_000);

  afterAll(() => {
    sns?.destroy();
    sqs?.destroy();
    dynamodb?.destroy();
    sandbox?.kill();
  });

  /** The pipeline's own consumer and the fixture's USD consumer (an adopter's added consumers may sit beside them). */
  const consumers = (): { main: StackManifest["functions"][number]; usd: StackManifest["functions"][number] } => ({
    main: manifest.functions.find((f) => f.name === `${STACK}-ProcessOrderLambda`)!,
    usd: manifest.functions.find((f) => f.name === `${STACK}-DollarConsumer`)!,
  });

  const stored = async (table: string): Promise<Set<string>> =>
    new Set(((await dynamodb.send(new ScanCommand({ TableName: table }))).Items ?? []).map((i) => i.orderId.S!));

  test("prints every subscription with its filter, every queue with its DLQ and every consumer", () => {
    const printed = lines(sandbox.stdout);
    const { main, usd } = consumers();
    expect(printed).toEqual(
      expect.arrayContaining([
        `  topic ${STACK}-OrderTopic -> queue ${main.queue} (raw message delivery off)`,
        `  topic ${STACK}-OrderTopic -> queue ${usd.queue} (raw message delivery off, filter policy {"currency":["USD"]} on the message body)`,
        `  queue ${usd.queue}: to ${usd.queue}DLQ after 3 receives; visibility timeout 1 s here (the stack's: 180 s)`,
        `  function ${usd.name} <- queue ${usd.queue}: dist/functions/process-order/index.js, batch size 10, 4 poller(s)`,
      ]),
    );
    expect(sandbox.stderr).toBe("");
  });

  test("delivers a USD order to both consumers, each storing it in its own table", async () => {
    const order = sampleOrder({ currency: "USD" });
    await sns.send(new PublishCommand({ TopicArn: outputs.topic_arn, Message: JSON.stringify(order) }));
    const [mainTable, usdTable] = [consumers().main, consumers().usd].map((f) => f.environment.ORDERS_TABLE_NAME);
    await eventually("the USD order in both tables", async () =>
      (await stored(mainTable)).has(order.orderId as string) && (await stored(usdTable)).has(order.orderId as string)
        ? true
        : undefined,
    );
  });

  test("delivers a EUR order to the first consumer only: the USD queue never receives it", async () => {
    const order = sampleOrder({ currency: "EUR" });
    await sns.send(new PublishCommand({ TopicArn: outputs.topic_arn, Message: JSON.stringify(order) }));
    const [mainTable, usdTable] = [consumers().main, consumers().usd].map((f) => f.environment.ORDERS_TABLE_NAME);
    await eventually("the EUR order in the first table", async () =>
      (await stored(mainTable)).has(order.orderId as string) ? true : undefined,
    );
    const usdQueueUrl = `${outputs.aws_endpoint_url_sqs}/000000000000/${consumers().usd.queue}`;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: usdQueueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect([
      (await stored(usdTable)).has(order.orderId as string),
      Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible),
    ]).toEqual([false, 0]);
  });

  test("Ctrl-C stops every poller and both servers", async () => {
    const result = await sandbox.stop("SIGINT");
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const endpoints = [outputs.aws_endpoint_url_sns, outputs.aws_endpoint_url_dynamodb];
    expect(await Promise.all(endpoints.map(listening))).toEqual([false, false]);
  });
});

describe("npm run sandbox with a filter policy fauxqs does not apply as SNS does", () => {
  test("exits 1 before starting anything, naming the subscription and the operator", async () => {
    const outdir = synthOwnStack(STACK, {}, (stack) => addUsdSubscriber(stack, STACK));
    const file = path.join(outdir, "stacks", STACK, "stack-manifest.json");
    const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
    const dollar = (manifest.subscriptions as { queue: string }[]).find((s) => s.queue === `${STACK}-DollarQueue`)!;
    (dollar as { filterPolicy?: string }).filterPolicy = JSON.stringify({
      currency: [{ "anything-but": { "equals-ignore-case": "usd" } }],
    });
    fs.writeFileSync(file, JSON.stringify(manifest));
    const outputsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-outputs-")), "outputs.json");
    const result = await runBuilt("dist/local/sandbox.js", [
      "--out",
      outdir,
      "--stack",
      STACK,
      "--outputs-file",
      outputsFile,
    ]);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 1,
      stdout: "",
      stderr:
        "the local SNS server (fauxqs) does not apply these filter policies as SNS does, so a local run " +
        "would deliver other messages than AWS:\n" +
        `  - the subscription of ${STACK}-DollarQueue to ${STACK}-OrderTopic filters with "equals-ignore-case" inside "anything-but" (on currency)\n` +
        "Test this subscription on AWS, or use an operator fauxqs applies (see docs/local.md).\n",
    });
    expect(fs.existsSync(outputsFile)).toBe(false);
  });
});
