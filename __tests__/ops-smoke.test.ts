import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { LOCAL_AWS_ENV, LocalServer, createTable, localDynamoDbClient, startDynamoDb } from "../local/servers";
import { snsDeliveryBody } from "../local/sns-delivery";
import { pipelineSettings } from "../local/stack-settings";
import { smokeMain } from "../ops/smoke";
import { recordingIo } from "./support/io";
import { sqsEvent, sqsRecord } from "./support/sqs-events";
import { synthApp } from "./support/tf";

const TOPIC = "arn:aws:sns:us-east-1:111122223333:orders-dev-OrderTopic";
const sns = mockClient(SNSClient);
let dynamo: LocalServer;
let outputs: string;
let savedEnv: NodeJS.ProcessEnv;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  const settings = pipelineSettings(synthApp().stacks["orders-dev"]);
  dynamo = await startDynamoDb();
  const client = localDynamoDbClient(dynamo.endpoint);
  await createTable(client, settings.table);
  client.destroy();
  savedEnv = { ...process.env };
  Object.assign(process.env, LOCAL_AWS_ENV, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ORDERS_TABLE_NAME: settings.table.name,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require("../functions/process-order").handler;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-smoke-"));
  outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(outputs, JSON.stringify({ "orders-dev": { topic_arn: TOPIC, table_name: settings.table.name } }));
});

afterAll(async () => {
  process.env = savedEnv;
  sns.restore();
  await dynamo.stop();
});

beforeEach(() => sns.reset());

describe("npm run smoke", () => {
  test("publishes a unique test order, sees it stored and reports the latency", async () => {
    // SNS is AWS's: the mock delivers the published message through the real handler into dynalite.
    sns.on(PublishCommand).callsFake(async (input) => {
      setTimeout(() => {
        const body = snsDeliveryBody(input.Message, { rawMessageDelivery: false, topicArn: input.TopicArn });
        void handler(sqsEvent([sqsRecord(body)]));
      }, 300);
      return { MessageId: "smoke-message" };
    });
    const io = recordingIo();
    const code = await smokeMain(["--outputs", outputs, "--interval", "100"], io);
    expect({ code, err: io.err() }).toEqual({ code: 0, err: "" });
    expect(io.out()).toMatch(
      /^published smoke order smoke-\d+-[0-9a-f]{8} \(message smoke-message\)\nstored in orders-dev-Orders after \d+ ms\n$/,
    );
    const published = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!);
    expect(published).toMatchObject({ customerId: "smoke-test", smoke: true, currency: "EUR" });
  });

  test("exits 1 and says where to look when the order is not stored in time", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "lost" });
    const io = recordingIo();
    const code = await smokeMain(["--outputs", outputs, "--timeout", "1", "--interval", "100"], io);
    expect(code).toBe(1);
    expect(io.err()).toMatch(
      /^smoke order smoke-\S+ not stored in orders-dev-Orders within 1 s: look at the DLQ \(npm run dlq -- list\), the alarms and the function's log group\n$/,
    );
  });

  test("rejects a timeout out of range", async () => {
    const io = recordingIo();
    expect(await smokeMain(["--outputs", outputs, "--timeout", "0"], io)).toBe(2);
    expect(io.err().split("\n")[0]).toBe('--timeout must be an integer between 1 and 900 (given "0")');
  });

  test("names the missing table output", async () => {
    const file = path.join(path.dirname(outputs), "partial.json");
    fs.writeFileSync(file, JSON.stringify({ "orders-dev": { topic_arn: TOPIC } }));
    const io = recordingIo();
    expect(await smokeMain(["--outputs", file], io)).toBe(2);
    expect(io.err().split("\n")[0]).toBe(
      `stack output table_name not found for orders-dev in ${file} (found: topic_arn); pass --table-name instead`,
    );
  });
});
