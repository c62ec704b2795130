import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { LocalServer, createTable, localDynamoDbClient, startDynamoDb } from "../local/servers";
import type { TableManifest } from "../stacks/manifest-format";
import { smokeMain } from "../ops/smoke-command";
import { FakeSns, startFakeSns } from "./support/fake-sns";
import { recordingIo } from "./support/io";

/**
 * `npm run smoke` in-process: an SNS stand-in and dynalite on 127.0.0.1 stand in for the stack,
 * and the test plays the pipeline (it stores the published order, or not). --timeout bounds the
 * whole command, and a table that answers is never blamed for an order that is not there yet.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-smoke-"));
const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic";
const table: TableManifest = {
  name: "orders-smoke-Orders",
  partitionKey: { name: "orderId", type: "S" },
  billingMode: "PAY_PER_REQUEST",
};

let dynamo: LocalServer;
let client: DynamoDBClient;
let sns: FakeSns;
let outputs: string;

beforeAll(async () => {
  dynamo = await startDynamoDb();
  client = localDynamoDbClient(dynamo.endpoint);
  await createTable(client, table);
  sns = await startFakeSns(() => "accept");
  outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      "orders-dev": {
        topic_arn: TOPIC,
        table_name: table.name,
        aws_region: "us-east-1",
        aws_endpoint_url_sns: sns.endpoint,
        aws_endpoint_url_dynamodb: dynamo.endpoint,
      },
    }),
  );
});

afterAll(async () => {
  client.destroy();
  await sns.stop();
  await dynamo.stop();
});

/** Plays the pipeline: stores the next order published, `afterMs` after it is published. */
async function storeNextPublished(afterMs: number): Promise<void> {
  const before = sns.accepted.length;
  while (sns.accepted.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
  const order = JSON.parse(sns.accepted[before]);
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  await client.send(new PutItemCommand({ TableName: table.name, Item: { orderId: { S: order.orderId } } }));
}

test("exits 0 once the order it published is in the table, and says after how long", async () => {
  const io = recordingIo();
  const [exit] = await Promise.all([
    smokeMain(["--outputs", outputs, "--interval", "50", "--timeout", "20"], io),
    storeNextPublished(300),
  ]);
  expect({ exit, err: io.err() }).toEqual({ exit: 0, err: "" });
  const lines = io.out().trim().split("\n");
  expect(lines[0]).toMatch(/^published smoke order smoke-\d+-[0-9a-f]{8} \(message [0-9a-f-]{36}\)$/);
  const ms = Number(/^stored in orders-smoke-Orders after (\d+) ms$/.exec(lines[1])?.[1]);
  expect(ms).toBeGreaterThanOrEqual(300);
  expect(ms).toBeLessThan(20_000);
  expect(JSON.parse(sns.accepted[sns.accepted.length - 1])).toMatchObject({ customerId: "smoke-test", smoke: true });
});

test("exits 1 at --timeout when the order never arrives, saying where to look", async () => {
  const io = recordingIo();
  const started = Date.now();
  expect(await smokeMain(["--outputs", outputs, "--interval", "50", "--timeout", "1"], io)).toBe(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(io.err()).toMatch(
    /^smoke order smoke-\S+ not stored in orders-smoke-Orders within 1 s: look at the DLQ \(npm run dlq -- list\), the alarms and the function's log group\n$/,
  );
});

/** An outputs file whose table is served by `table`'s answers (a DynamoDB stand-in on 127.0.0.1). */
async function withTable(
  answer: (request: number, body: Record<string, unknown>) => string | undefined,
): Promise<{ file: string; endpoint: string; close: () => Promise<void> }> {
  let requests = 0;
  const table = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = answer(requests++, JSON.parse(Buffer.concat(chunks).toString("utf8")));
      if (body === undefined) return; // never answers
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => table.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(table.address() as AddressInfo).port}`;
  const file = path.join(dir, `table-${(table.address() as AddressInfo).port}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      "orders-dev": {
        topic_arn: TOPIC,
        table_name: "orders-smoke-Orders",
        aws_region: "us-east-1",
        aws_endpoint_url_sns: sns.endpoint,
        aws_endpoint_url_dynamodb: endpoint,
      },
    }),
  );
  const close = async (): Promise<void> => {
    table.closeAllConnections();
    await new Promise((resolve) => table.close(resolve));
  };
  return { file, endpoint, close };
}

test("polls at --interval: an order absent at the first read is found by the second, an interval later", async () => {
  // A DynamoDB stand-in whose table holds the order from the second read on.
  let reads = 0;
  const table = await withTable(() => (reads++ === 0 ? "{}" : JSON.stringify({ Item: { orderId: { S: "stored" } } })));
  const io = recordingIo();
  try {
    const exit = await smokeMain(["--outputs", table.file, "--interval", "1500", "--timeout", "20"], io);
    expect({ exit, reads }).toEqual({ exit: 0, reads: 2 });
    expect(Number(/after (\d+) ms/.exec(io.out())?.[1])).toBeGreaterThanOrEqual(1500);
  } finally {
    await table.close();
  }
});

test("exits 1 naming the table's endpoint when the table cannot be read", async () => {
  const file = path.join(dir, "no-table.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      "orders-dev": {
        topic_arn: TOPIC,
        table_name: "orders-smoke-Missing",
        aws_region: "us-east-1",
        aws_endpoint_url_sns: sns.endpoint,
        aws_endpoint_url_dynamodb: dynamo.endpoint,
      },
    }),
  );
  const io = recordingIo();
  expect(await smokeMain(["--outputs", file, "--timeout", "10"], io)).toBe(1);
  expect(io.err()).toMatch(
    /^DynamoDB refused GetItem: ResourceNotFoundException: .+ \(HTTP 400 from http:\/\/127\.0\.0\.1:\d+\)\n$/,
  );
});

test("exits 1 with one line naming SNS's endpoint when SNS does not take the order, and reads no table", async () => {
  const refusing = await startFakeSns(() => ({ status: 502 }));
  const file = path.join(dir, "no-sns.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      "orders-dev": {
        topic_arn: TOPIC,
        table_name: "orders-smoke-Missing",
        aws_region: "us-east-1",
        aws_endpoint_url_sns: refusing.endpoint,
        aws_endpoint_url_dynamodb: dynamo.endpoint,
      },
    }),
  );
  const io = recordingIo();
  try {
    expect({ exit: await smokeMain(["--outputs", file, "--timeout", "10"], io), out: io.out() }).toEqual({
      exit: 1,
      out: "",
    });
    expect(io.err()).toMatch(new RegExp(`^SNS at ${refusing.endpoint} answered Publish with HTTP 502.*\\n$`));
  } finally {
    await refusing.stop();
  }
});

test("reads the table consistently, and says the order is not stored when the deadline cuts a read after the table answered", async () => {
  const bodies: Record<string, unknown>[] = [];
  const table = await withTable((request, body) => (bodies.push(body), request === 0 ? "{}" : undefined));
  const io = recordingIo();
  try {
    expect(await smokeMain(["--outputs", table.file, "--interval", "50", "--timeout", "2"], io)).toBe(1);
    expect(io.err()).toMatch(/^smoke order smoke-\S+ not stored in orders-smoke-Orders within 2 s: /);
    expect(bodies[0]).toMatchObject({ TableName: "orders-smoke-Orders", ConsistentRead: true });
  } finally {
    await table.close();
  }
});

test("names the table's endpoint, not a missing order, when the table never answered", async () => {
  const table = await withTable(() => undefined);
  const io = recordingIo();
  try {
    expect(await smokeMain(["--outputs", table.file, "--timeout", "2"], io)).toBe(1);
    expect(io.err()).toMatch(new RegExp(`^DynamoDB at ${table.endpoint} did not answer GetItem within 2 s`));
  } finally {
    await table.close();
  }
});

test("takes the topic from --topic-arn over the outputs file, checked", async () => {
  const io = recordingIo();
  expect(await smokeMain(["--outputs", outputs, "--topic-arn", "not-an-arn"], io)).toBe(2);
  expect(io.err().split("\n")[0]).toMatch(/^--topic-arn must be an SNS topic ARN such as /);
});
