import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SNS_MAX_MESSAGE_BYTES, batchesOf, publishEach, publishOrders } from "../cli/publish";
import { LOCAL_CREDENTIALS } from "../cli/aws";
import { sampleOrder } from "../contract/samples";
import { LOCAL_AWS_ENV, LocalServer, createTable, localDynamoDbClient, startDynamoDb } from "../local/servers";
import type { TableManifest } from "../stacks/manifest-format";
import { publishMain, seededOrderId } from "../ops/publish-command";
import { FakeSns, SnsAnswer, startFakeSns } from "./support/fake-sns";
import { invoke, loadHandler, withEnv } from "./support/handler-harness";
import { recordingIo } from "./support/io";
import { snsNotification, sqsEvent, sqsRecord } from "./support/sqs-events";

/**
 * `npm run publish` can be run again safely: each order is printed (and appended to --ids-file)
 * as SNS accepts it, --seed makes generated orders the same on every run so a rerun republishes
 * exactly what an interrupted one meant to, SNS's refusal of single entries is reported per entry,
 * and Ctrl-C stops the sending. SNS is a stand-in on 127.0.0.1 (support/fake-sns.ts); the
 * command runs in-process.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-publish-"));
const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic";
const servers: FakeSns[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

let n = 0;
/** A stand-in answering as `answer` says, and an outputs file that points the command at it. */
async function sns(answer: (request: number) => SnsAnswer): Promise<{ fake: FakeSns; outputs: string }> {
  const fake = await startFakeSns(answer);
  servers.push(fake);
  const outputs = path.join(dir, `outputs-${++n}.json`);
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      "orders-dev": { topic_arn: TOPIC, aws_region: "us-east-1", aws_endpoint_url_sns: fake.endpoint },
    }),
  );
  return { fake, outputs };
}

/** An SDK client of the stand-in `fake`, as the local batch run makes one. */
const clientOf = (fake: FakeSns): SNSClient =>
  new SNSClient({ endpoint: fake.endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });

/** Runs the command in-process; returns its exit code, the printed lines and standard error. */
async function publish(argv: string[], stopSignal?: Promise<unknown>) {
  const io = recordingIo();
  const exit = await publishMain(argv, io, { stopSignal });
  return { exit, lines: io.out().split("\n").filter(Boolean), stderr: io.err() };
}

const orderIdOf = (message: string): string => JSON.parse(message).orderId;

describe("an interrupted publish", () => {
  test("prints each order as SNS accepts it: the lines are exactly the orders that went out", async () => {
    // SNS answers 5 batches, then the connection drops on every request (4 batches are sent at once).
    const { fake, outputs } = await sns((request) => (request < 5 ? "accept" : "drop"));
    const idsFile = path.join(dir, "interrupted.ids");
    const result = await publish(["--count", "100", "--outputs", outputs, "--ids-file", idsFile]);
    expect(result.exit).toBe(1);
    expect(result.lines).toHaveLength(50);
    expect(result.lines.map((l) => l.split(" ")[0])).toEqual(fake.accepted.map(orderIdOf));
    expect(fs.readFileSync(idsFile, "utf8").split("\n").filter(Boolean)).toEqual(result.lines);
    expect(result.stderr.split("\n")[1]).toMatch(
      /^50 of 100 published \(the lines printed\); 30 without an answer from SNS \(it may have accepted some\): (order-\S+ ){29}order-\S+; 20 not sent$/,
    );
  });

  test("stops sending at Ctrl-C and says what went out", async () => {
    let stop!: () => void;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const { fake, outputs } = await sns((request) => {
      if (request === 5) stop();
      return "accept";
    });
    const result = await publish(["--count", "100", "--outputs", outputs], stopSignal);
    expect(result.exit).toBe(1);
    // Stopped while the second wave of 4 batches was out: it is answered, nothing more is sent.
    expect(result.lines).toHaveLength(80);
    expect(fake.accepted).toHaveLength(80);
    expect(result.stderr).toBe("stopped on request\n80 of 100 published (the lines printed); 20 not sent\n");
  });
});

describe("--seed", () => {
  test("generates the same orders on every run, so a rerun republishes the same ids and bodies", async () => {
    const first = await sns(() => "accept");
    const second = await sns(() => "accept");
    const a = await publish(["--count", "25", "--seed", "night-run", "--outputs", first.outputs]);
    const b = await publish(["--count", "25", "--seed", "night-run", "--outputs", second.outputs]);
    expect([a.exit, b.exit]).toEqual([0, 0]);
    expect(b.lines.map((l) => l.split(" ")[0])).toEqual(a.lines.map((l) => l.split(" ")[0]));
    expect(second.fake.accepted).toEqual(first.fake.accepted);
    expect(orderIdOf(first.fake.accepted[3])).toBe(seededOrderId("night-run", 3));
  });

  test("left out, gives new orderIds on every run", async () => {
    const { fake, outputs } = await sns(() => "accept");
    await publish(["--count", "2", "--outputs", outputs]);
    await publish(["--count", "2", "--outputs", outputs]);
    expect(new Set(fake.accepted.map(orderIdOf)).size).toBe(4);
  });

  test("gives other orders for another seed", async () => {
    expect(seededOrderId("a", 0)).not.toBe(seededOrderId("b", 0));
    expect(seededOrderId("a", 0)).not.toBe(seededOrderId("a", 1));
    expect(seededOrderId("a", 0)).toMatch(/^order-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test("says, after an interruption, that running the same command again publishes the rest", async () => {
    const { outputs } = await sns((request) => (request < 1 ? "accept" : "drop"));
    const result = await publish(["--count", "20", "--seed", "s", "--outputs", outputs]);
    expect(result.stderr.split("\n")[1]).toMatch(
      /; run the same command again to publish them \(the function stores each order once\)$/,
    );
  });

  test("applies to --count only", async () => {
    const result = await publish(["--file", "order.json", "--seed", "s", "--topic-arn", TOPIC]);
    expect({ exit: result.exit, first: result.stderr.split("\n")[0] }).toEqual({
      exit: 2,
      first: "--seed applies to --count only: it makes the generated orders the same on every run",
    });
  });
});

describe("a rerun after an interruption, through the function", () => {
  let dynamo: LocalServer;
  const table: TableManifest = {
    name: "orders-publish-Orders",
    partitionKey: { name: "orderId", type: "S" },
    billingMode: "PAY_PER_REQUEST",
  };

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    const client = localDynamoDbClient(dynamo.endpoint);
    await createTable(client, table);
    client.destroy();
  });

  afterAll(() => dynamo.stop());

  test("stores each order once: what the first run got out is a duplicate the second time", async () => {
    const interrupted = await sns((request) => (request < 2 ? "accept" : "drop"));
    const rerun = await sns(() => "accept");
    const argv = ["--count", "40", "--seed", "rerun"];
    expect((await publish([...argv, "--outputs", interrupted.outputs])).exit).toBe(1);
    expect((await publish([...argv, "--outputs", rerun.outputs])).exit).toBe(0);
    const env = { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, ORDERS_TABLE_NAME: table.name };
    const outcomes = await withEnv(env, async () => {
      const handler = loadHandler(path.join(__dirname, "..", "functions", "process-order", "index.ts"));
      const event = (messages: string[]) => sqsEvent(messages.map((m) => sqsRecord(snsNotification(m))));
      const first = await invoke(handler, event(interrupted.fake.accepted));
      const second = await invoke(handler, event(rerun.fake.accepted));
      return [first, second].map((i) => new Map(i.logs.map((l) => [l.orderId as string, l.outcome as string])));
    });
    const firstRun = interrupted.fake.accepted.map(orderIdOf);
    expect([...outcomes[0].values()]).toEqual(Array(20).fill("stored"));
    expect(outcomes[1].size).toBe(40);
    // What the first run got out is a duplicate; each other order is stored, or, where a write timed out after it
    // landed (a loaded machine) and its retry found it, logged a duplicate: stored once either way.
    for (const [orderId, outcome] of outcomes[1]) {
      expect([orderId, outcome]).toEqual([
        orderId,
        firstRun.includes(orderId) ? "duplicate" : expect.stringMatching(/^(stored|duplicate)$/),
      ]);
    }
    const client = localDynamoDbClient(dynamo.endpoint);
    try {
      expect((await client.send(new ScanCommand({ TableName: table.name, Select: "COUNT" }))).Count).toBe(40);
    } finally {
      client.destroy();
    }
  });
});

describe("one order", () => {
  test("that SNS never answers fails the command with one line naming the endpoint, and prints no id", async () => {
    const { fake, outputs } = await sns(() => "drop");
    const order = ["--order-id", "o-1", "--customer-id", "c-1", "--sku", "S", "--quantity", "1"];
    const result = await publish([...order, "--unit-price", "1", "--currency", "EUR", "--outputs", outputs]);
    expect(result).toEqual({
      exit: 1,
      lines: [],
      stderr: `SNS at ${fake.endpoint} closed the connection before answering Publish (connection closed, 3 attempts)\n`,
    });
  });
});

describe("SNS refusing some entries of a PublishBatch", () => {
  test("reports each refused order, prints the accepted ones, and fails the command", async () => {
    const { fake, outputs } = await sns((request) => (request === 0 ? { refuse: [2, 5] } : "accept"));
    const result = await publish(["--count", "10", "--outputs", outputs]);
    expect(result.exit).toBe(1);
    expect(result.lines.map((l) => l.split(" ")[0])).toEqual(fake.accepted.map(orderIdOf));
    expect(result.lines).toHaveLength(8);
    const stderr = result.stderr.split("\n").filter(Boolean);
    expect(stderr.slice(0, 2)).toEqual([
      expect.stringMatching(/^order-\S+ refused by SNS: InternalError: refused by the test$/),
      expect.stringMatching(/^order-\S+ refused by SNS: InternalError: refused by the test$/),
    ]);
    expect(stderr[2]).toBe("8 of 10 published (the lines printed); 2 refused (listed above)");
  });

  test("says so when SNS gives no code or reason for a refusal, or leaves an order out of its answer", async () => {
    const { outputs } = await sns(() => ({ refuse: [0], bare: true, omit: [1] }));
    const result = await publish(["--count", "3", "--outputs", outputs]);
    expect(result.stderr.split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/^order-\S+ refused by SNS: refused: no reason given$/),
      expect.stringMatching(/^order-\S+ refused by SNS: not in SNS's answer$/),
    ]);
  });

  test("fails the local batch run's publishing too, naming each refused order", async () => {
    const { fake } = await sns(() => ({ refuse: [1, 2] }));
    const client = clientOf(fake);
    const orders = [sampleOrder(), sampleOrder({ orderId: "o-refused" }), sampleOrder({ orderId: "o-too" })];
    await expect(publishOrders(client, TOPIC, orders)).rejects.toThrow(
      "SNS refused 2 of 3: o-refused: InternalError: refused by the test; o-too: InternalError: refused by the test",
    );
    client.destroy();
  });

  test("gives the local batch run each order's message id, in order, when SNS takes them all", async () => {
    const { fake } = await sns(() => "accept");
    const client = clientOf(fake);
    const ids = await publishOrders(client, TOPIC, [sampleOrder(), sampleOrder(), sampleOrder()]);
    expect(ids).toStrictEqual([expect.any(String), expect.any(String), expect.any(String)]);
    expect(new Set(ids).size).toBe(3);
    client.destroy();
  });

  test("gives no message id for no order, and sends nothing", async () => {
    const { fake } = await sns(() => "accept");
    const client = clientOf(fake);
    expect({ ids: await publishOrders(client, TOPIC, []), requests: fake.requests() }).toStrictEqual({
      ids: [],
      requests: 0,
    });
    client.destroy();
  });

  test("fails the local batch run's publishing with the failure of a request SNS never answers", async () => {
    const { fake } = await sns(() => "drop");
    const client = clientOf(fake);
    await expect(publishOrders(client, TOPIC, [sampleOrder(), sampleOrder()])).rejects.toThrow();
    client.destroy();
  });
});

describe("an order of exactly the size SNS takes", () => {
  test("is published", async () => {
    const { fake, outputs } = await sns(() => "accept");
    const base = JSON.stringify(sampleOrder({ orderId: "o-max", note: "" }));
    const order = sampleOrder({ orderId: "o-max", note: "x".repeat(SNS_MAX_MESSAGE_BYTES - base.length) });
    const file = path.join(dir, "max-order.json");
    fs.writeFileSync(file, JSON.stringify(order));
    expect(Buffer.byteLength(JSON.stringify(order))).toBe(SNS_MAX_MESSAGE_BYTES);
    const result = await publish(["--file", file, "--outputs", outputs]);
    expect({ exit: result.exit, accepted: fake.accepted.length }).toEqual({ exit: 0, accepted: 1 });
  });
});

describe("publishEach", () => {
  /** A client of a stand-in answering as `answer` says. */
  async function client(answer: (request: number) => SnsAnswer): Promise<SNSClient> {
    return clientOf((await sns(answer)).fake);
  }

  test("publishes one order with Publish and says so, with no callbacks given", async () => {
    const snsClient = await client(() => "accept");
    expect(await publishEach(snsClient, TOPIC, [sampleOrder()])).toStrictEqual({
      accepted: 1,
      refused: 0,
      unanswered: [],
      notSent: 0,
    });
    snsClient.destroy();
  });

  test("counts batches' accepted and refused orders with no callbacks given", async () => {
    const snsClient = await client(() => ({ refuse: [1] }));
    expect(await publishEach(snsClient, TOPIC, [sampleOrder(), sampleOrder(), sampleOrder()])).toStrictEqual({
      accepted: 2,
      refused: 1,
      unanswered: [],
      notSent: 0,
    });
    snsClient.destroy();
  });

  test("says which single order got no answer, and why", async () => {
    const snsClient = await client(() => "drop");
    const outcome = await publishEach(snsClient, TOPIC, [sampleOrder()]);
    expect(outcome).toStrictEqual({ accepted: 0, refused: 0, unanswered: [0], notSent: 0, error: expect.any(Error) });
    snsClient.destroy();
  });

  test("is not stopped by a stop asked once every batch went out", async () => {
    const snsClient = await client(() => "accept");
    let sent = 0;
    const outcome = await publishEach(snsClient, TOPIC, [sampleOrder(), sampleOrder()], {
      onAccepted: () => sent++,
      stopped: () => sent === 2,
    });
    expect(outcome).toStrictEqual({ accepted: 2, refused: 0, unanswered: [], notSent: 0 });
    snsClient.destroy();
  });

  test("names PublishBatch in the failure of a batch SNS never answers", async () => {
    const { fake, outputs } = await sns((request) => (request < 1 ? "accept" : "drop"));
    const result = await publish(["--count", "20", "--outputs", outputs]);
    expect(result.stderr.split("\n")[0]).toBe(
      `SNS at ${fake.endpoint} closed the connection before answering PublishBatch (connection closed, 3 attempts)`,
    );
  });
});

describe("PublishBatch requests", () => {
  test("hold at most 10 orders and 256 KiB of messages each", () => {
    const small = "x".repeat(100);
    const large = "y".repeat(100 * 1024);
    expect(batchesOf(Array(25).fill(small)).map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batchesOf([large, large, large, small]).map((b) => b.length)).toEqual([2, 2]);
    // Two of 100 KiB leave 56 KiB: a third message of exactly that fits, one byte more does not.
    const rest = SNS_MAX_MESSAGE_BYTES - 2 * large.length;
    expect(batchesOf([large, large, "z".repeat(rest)]).map((b) => b.length)).toEqual([3]);
    expect(batchesOf([large, large, "z".repeat(rest + 1)]).map((b) => b.length)).toEqual([2, 1]);
  });

  test("are none for no messages", () => {
    expect(batchesOf([])).toEqual([]);
  });

  test("give a message larger than SNS takes a batch of its own, for SNS to refuse", () => {
    expect(batchesOf(["x".repeat(SNS_MAX_MESSAGE_BYTES + 1), "y"])).toEqual([[0], [1]]);
  });

  test("that SNS answers are sent as PublishBatch, 10 entries each", async () => {
    const { fake, outputs } = await sns(() => "accept");
    const result = await publish(["--count", "21", "--outputs", outputs]);
    expect(result.exit).toBe(0);
    expect(fake.requests()).toBe(3);
    expect(fake.accepted).toHaveLength(21);
  });
});
