import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PublishBatchCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { LOCAL_AWS_ENV } from "../local/servers";
import { sampleOrder } from "../local/sns-delivery";
import { readStackOutputs } from "../ops/cli-support";
import { publishMain } from "../ops/publish";
import { recordingIo } from "./support/io";

const TOPIC = "arn:aws:sns:eu-west-1:111122223333:orders-dev-OrderTopic";
const sns = mockClient(SNSClient);
let dir: string;
let outputs: string;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(() => {
  savedEnv = { ...process.env };
  Object.assign(process.env, LOCAL_AWS_ENV);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-ops-"));
  outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(outputs, JSON.stringify({ "orders-dev": { topic_arn: TOPIC, table_name: "orders-dev-Orders" } }));
});
afterAll(() => {
  process.env = savedEnv;
  sns.restore();
});
beforeEach(() => sns.reset());

const publish = (argv: string[], stdin = "") => {
  const io = recordingIo();
  return publishMain([...argv, "--outputs", outputs], io, { readStdin: async () => stdin, root: dir }).then((code) => ({
    code,
    out: io.out(),
    err: io.err(),
  }));
};

describe("stack outputs", () => {
  test("reads the file cdktf deploy --outputs-file writes", () => {
    expect(readStackOutputs(outputs, "orders-dev")).toEqual({ topic_arn: TOPIC, table_name: "orders-dev-Orders" });
  });

  test("reads terraform output -json", () => {
    const file = path.join(dir, "tf.json");
    fs.writeFileSync(file, JSON.stringify({ topic_arn: { value: TOPIC, type: "string", sensitive: false } }));
    expect(readStackOutputs(file, "orders-dev")).toEqual({ topic_arn: TOPIC });
  });
});

describe("npm run publish", () => {
  test("publishes one order from a file to the stack's topic and prints its message ID", async () => {
    const order = sampleOrder();
    const file = path.join(dir, "order.json");
    fs.writeFileSync(file, JSON.stringify(order));
    sns.on(PublishCommand).resolves({ MessageId: "msg-1" });
    const result = await publish(["--file", file]);
    expect(result).toEqual({ code: 0, out: `${order.orderId} msg-1\n`, err: "" });
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      { TopicArn: TOPIC, Message: JSON.stringify(order) },
    ]);
  });

  test("reads the order from standard input with --file -", async () => {
    const order = sampleOrder();
    sns.on(PublishCommand).resolves({ MessageId: "msg-2" });
    const result = await publish(["--file", "-"], JSON.stringify(order));
    expect(result.code).toBe(0);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).toBe(JSON.stringify(order));
  });

  test("builds one order from flags", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "msg-3" });
    const result = await publish([
      "--order-id=o-1",
      "--customer-id=c-1",
      "--sku=SKU-9",
      "--quantity=2",
      "--unit-price=4.5",
      "--currency=USD",
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!)).toEqual({
      orderId: "o-1",
      customerId: "c-1",
      items: [{ sku: "SKU-9", quantity: 2, unitPrice: 4.5 }],
      currency: "USD",
      createdAt: expect.any(String),
    });
  });

  test("publishes 25 generated orders in batches of 10", async () => {
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
    }));
    const result = await publish(["--count", "25"]);
    expect(result.code).toBe(0);
    expect(result.out.trim().split("\n")).toHaveLength(25);
    const calls = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.TopicArn, c.PublishBatchRequestEntries!.length])).toEqual([
      [TOPIC, 10],
      [TOPIC, 10],
      [TOPIC, 5],
    ]);
  });

  test("refuses an order that breaks the contract, naming every problem, and publishes nothing", async () => {
    const result = await publish(["--file", "-"], JSON.stringify(sampleOrder({ currency: "eur", items: [] })));
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe(
      'the order does not match the contract: invalid order: items must hold at least one item (given []); currency must be an ISO 4217 code: three upper-case letters (given "eur")',
    );
    expect(sns.calls()).toHaveLength(0);
  });

  test("refuses input that is not JSON", async () => {
    const result = await publish(["--file", "-"], "{not json");
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^standard input is not JSON: /);
  });

  test("names the missing stack output and the flag that replaces it", async () => {
    const result = await publish(["--count", "1", "--stack", "orders-prod"]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe(
      `stack output topic_arn not found for orders-prod in ${outputs} (found: none); pass --topic-arn instead`,
    );
  });

  test("asks for exactly one source of orders", async () => {
    const result = await publish(["--count", "2", "--file", "x.json"]);
    expect(result.code).toBe(2);
    expect(result.err.split("\n")[0]).toBe("give exactly one of --file, --count or the order flags (--order-id ...)");
  });

  test("exits 1 with a plain message when SNS cannot be reached", async () => {
    sns.restore();
    const saved = process.env.AWS_ENDPOINT_URL_SNS;
    process.env.AWS_ENDPOINT_URL_SNS = "http://127.0.0.1:9";
    try {
      const result = await publish(["--count", "1"]);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        "could not reach SNS (ECONNREFUSED): check the region, AWS_ENDPOINT_URL_SNS and the network\n",
      );
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SNS;
      else process.env.AWS_ENDPOINT_URL_SNS = saved;
      mockClient(SNSClient);
    }
  });
});
