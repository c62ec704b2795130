import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { LOCAL_AWS_ENV, LocalServer, createTable, localDynamoDbClient, startDynamoDb } from "../../local/servers";
import { sampleOrder } from "../../common/orders";
import { StackManifest, readStackManifest } from "../../common/stack-manifest";
import { snsDeliveryBody } from "./sns-envelope";
import { TOPIC_ARN, sqsEvent, sqsRecord } from "./sqs-events";
import { synthApp } from "./tf";

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/** One JSON log line the function wrote. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LogLine = Record<string, any>;

/** Invokes the handler, capturing the JSON log lines it writes (and keeping them out of the test output). */
async function invoke(handler: Handler, event: SQSEvent): Promise<{ response: SQSBatchResponse; logs: LogLine[] }> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(chunk.toString());
    return true;
  };
  const out = jest.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = jest.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    const response = await handler(event);
    // Lines that are not JSON (Node's own process warnings) are not the function's log lines.
    const lines = written
      .join("")
      .split("\n")
      .filter((line) => line.startsWith("{"));
    return { response, logs: lines.map((line) => JSON.parse(line)) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Loads the handler module at `modulePath` afresh (a new container: new module-scope client and settings). */
function loadHandler(modulePath: string): Handler {
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require(modulePath).handler;
  });
  return handler!;
}

/** Runs `body` with `env` set over process.env (the SDK reads region and endpoint at request time). */
async function withEnv<T>(env: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await body();
  } finally {
    process.env = saved;
  }
}

/**
 * The function's behaviour, run against dynalite with the table the dev stack
 * defines. Used for the TypeScript source and for the built bundle.
 */
export function describeHandlerContract(title: string, modulePath: string): void {
  describe(title, () => {
    let dynamo: LocalServer;
    let client: DynamoDBClient;
    let documents: DynamoDBDocumentClient;
    let settings: StackManifest;
    let handler: Handler;
    let env: Record<string, string>;
    let savedEnv: NodeJS.ProcessEnv;

    beforeAll(async () => {
      settings = readStackManifest(synthApp().outdir, "orders-dev").manifest;
      dynamo = await startDynamoDb();
      client = localDynamoDbClient(dynamo.endpoint);
      documents = DynamoDBDocumentClient.from(client);
      env = { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, ORDERS_TABLE_NAME: settings.table.name };
      savedEnv = { ...process.env };
      Object.assign(process.env, env);
      await createTable(client, settings.table);
      handler = loadHandler(modulePath);
    });

    afterAll(async () => {
      process.env = savedEnv;
      client?.destroy();
      await dynamo?.stop();
    });

    const envelope = (order: unknown): string =>
      snsDeliveryBody(JSON.stringify(order), { rawMessageDelivery: false, topicArn: TOPIC_ARN });
    const stored = async (orderId: string): Promise<LogLine | undefined> =>
      (await documents.send(new GetCommand({ TableName: settings.table.name, Key: { orderId } }))).Item;
    // Every test uses fresh orderIds, so tests share one table and count only their own items.
    const countStored = async (orders: Record<string, unknown>[]): Promise<number> =>
      (await Promise.all(orders.map((o) => stored(o.orderId as string)))).filter(Boolean).length;

    test("stores an order delivered the way the stack's subscription delivers it", async () => {
      const order = sampleOrder();
      const body = snsDeliveryBody(JSON.stringify(order), {
        rawMessageDelivery: settings.subscription.rawMessageDelivery,
        topicArn: TOPIC_ARN,
      });
      const { response } = await invoke(handler, sqsEvent([sqsRecord(body)]));
      expect(response).toEqual({ batchItemFailures: [] });
      expect(await stored(order.orderId as string)).toMatchObject(order);
    });

    test.each([true, false])("stores an order whatever raw message delivery is (raw %s)", async (raw) => {
      const order = sampleOrder();
      const body = snsDeliveryBody(JSON.stringify(order), { rawMessageDelivery: raw, topicArn: TOPIC_ARN });
      const { response } = await invoke(handler, sqsEvent([sqsRecord(body)]));
      expect(response.batchItemFailures).toEqual([]);
      expect(await stored(order.orderId as string)).toMatchObject(order);
    });

    test("adds when the order was received and which messages carried it", async () => {
      const order = sampleOrder();
      const body = snsDeliveryBody(JSON.stringify(order), {
        rawMessageDelivery: false,
        topicArn: TOPIC_ARN,
        messageId: "sns-message-1",
      });
      const record = sqsRecord(body);
      await invoke(handler, sqsEvent([record]));
      expect((await stored(order.orderId as string))?._pipeline).toEqual({
        receivedAt: "2026-11-27T10:00:01.000Z",
        messageId: "sns-message-1",
        sqsMessageId: record.messageId,
        orderDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });

    test("keeps fields outside the contract as they are", async () => {
      const order = sampleOrder({ note: "leave at door", gift: { wrap: true } });
      await invoke(handler, sqsEvent([sqsRecord(envelope(order))]));
      expect(await stored(order.orderId as string)).toMatchObject({ note: "leave at door", gift: { wrap: true } });
    });

    const brokenFields: [string, Record<string, unknown>, string][] = [
      [
        "orderId missing",
        { orderId: undefined },
        "orderId is required: 1-64 characters of letters, digits, - and _ (given nothing)",
      ],
      [
        "orderId too long",
        { orderId: "o".repeat(65) },
        `orderId must be 1-64 characters of letters, digits, - and _ (given "${"o".repeat(65)}")`,
      ],
      [
        "orderId with a space",
        { orderId: "order 1" },
        'orderId must be 1-64 characters of letters, digits, - and _ (given "order 1")',
      ],
      ["customerId missing", { customerId: undefined }, "customerId is required: a non-empty string (given nothing)"],
      ["customerId empty", { customerId: "" }, 'customerId must be a non-empty string (given "")'],
      ["items missing", { items: undefined }, "items is required: a list of at least one item (given nothing)"],
      ["items empty", { items: [] }, "items must hold at least one item (given [])"],
      [
        "an item without sku",
        { items: [{ quantity: 1, unitPrice: 1 }] },
        "items[0].sku must be a non-empty string (given nothing)",
      ],
      [
        "an item with an empty sku",
        { items: [{ sku: "", quantity: 1, unitPrice: 1 }] },
        'items[0].sku must be a non-empty string (given "")',
      ],
      [
        "a quantity of 0",
        { items: [{ sku: "A", quantity: 0, unitPrice: 1 }] },
        "items[0].quantity must be an integer >= 1 (given 0)",
      ],
      [
        "a fractional quantity",
        { items: [{ sku: "A", quantity: 1.5, unitPrice: 1 }] },
        "items[0].quantity must be an integer >= 1 (given 1.5)",
      ],
      [
        "a negative unitPrice",
        { items: [{ sku: "A", quantity: 1, unitPrice: -1 }] },
        "items[0].unitPrice must be a number >= 0 (given -1)",
      ],
      [
        "a unitPrice as text",
        { items: [{ sku: "A", quantity: 1, unitPrice: "1" }] },
        'items[0].unitPrice must be a number >= 0 (given "1")',
      ],
      [
        "currency missing",
        { currency: undefined },
        "currency is required: an ISO 4217 code such as EUR (given nothing)",
      ],
      [
        "currency in lower case",
        { currency: "eur" },
        'currency must be an ISO 4217 code: three upper-case letters (given "eur")',
      ],
      [
        "createdAt not a timestamp",
        { createdAt: "yesterday" },
        'createdAt must be an ISO-8601 timestamp such as 2026-11-27T10:00:00Z (given "yesterday")',
      ],
      [
        "the reserved _pipeline field",
        { _pipeline: {} },
        "_pipeline is reserved for the pipeline's own fields (given {})",
      ],
    ];

    test.each(brokenFields)(
      "reports an order with %s as failed and stores its good neighbour",
      async (_, change, problem) => {
        const good = sampleOrder();
        const bad = sampleOrder(change);
        const badRecord = sqsRecord(envelope(bad));
        const { response, logs } = await invoke(handler, sqsEvent([badRecord, sqsRecord(envelope(good))]));
        expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: badRecord.messageId }] });
        expect(await stored(good.orderId as string)).toMatchObject(good);
        const badId = typeof bad.orderId === "string" ? bad.orderId : "(none)";
        expect(await stored(badId)).toBeUndefined();
        const rejected = logs.find((l) => l.messageId === badRecord.messageId);
        expect(rejected).toMatchObject({ level: "WARN", outcome: "rejected", errorKind: "InvalidOrderError" });
        expect(rejected!.error).toBe(`invalid order: ${problem}`);
      },
    );

    const malformed: [string, string, string][] = [
      ["malformed JSON", '{"orderId": ', "record body is not JSON"],
      [
        "an SNS envelope whose Message is not JSON",
        snsDeliveryBody("not json", { rawMessageDelivery: false, topicArn: TOPIC_ARN }),
        "SNS Message is not JSON",
      ],
      ["a JSON array", "[1,2]", "record body must be a JSON object (given an array)"],
      ["a JSON number", "42", "record body must be a JSON object (given number)"],
      ["JSON null", "null", "record body must be a JSON object (given null)"],
      [
        "an SNS envelope whose Message is a string",
        envelope("just text"),
        "SNS Message must be a JSON object (given string)",
      ],
      ["an empty body", "", "record body is empty"],
    ];

    test.each(malformed)("reports %s as that record's failure only", async (_, body, message) => {
      const good = sampleOrder();
      const badRecord = sqsRecord(body);
      const { response, logs } = await invoke(handler, sqsEvent([badRecord, sqsRecord(envelope(good))]));
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: badRecord.messageId }] });
      expect(await stored(good.orderId as string)).toBeDefined();
      const line = logs.find((l) => l.messageId === badRecord.messageId);
      expect(line).toMatchObject({ outcome: "rejected", errorKind: "MalformedMessageError" });
      expect(line!.error).toContain(message);
    });

    test("accepts a redelivery of the same order and changes nothing", async () => {
      const order = sampleOrder();
      await invoke(handler, sqsEvent([sqsRecord(envelope(order))]));
      const first = await stored(order.orderId as string);
      const reordered = Object.fromEntries(Object.entries(order).reverse());
      const { response, logs } = await invoke(
        handler,
        sqsEvent([
          sqsRecord(JSON.stringify(reordered), { attributes: { ...sqsRecord("").attributes, SentTimestamp: "1" } }),
        ]),
      );
      expect(response.batchItemFailures).toEqual([]);
      expect(await stored(order.orderId as string)).toEqual(first);
      expect(logs).toEqual([expect.objectContaining({ level: "INFO", outcome: "duplicate", orderId: order.orderId })]);
    });

    test("refuses to overwrite a different order under the same orderId and names it", async () => {
      const original = sampleOrder();
      await invoke(handler, sqsEvent([sqsRecord(envelope(original))]));
      const conflicting = { ...original, customerId: "someone-else" };
      const record = sqsRecord(envelope(conflicting));
      const { response, logs } = await invoke(handler, sqsEvent([record]));
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect((await stored(original.orderId as string))?.customerId).toBe("customer-42");
      expect(logs).toEqual([
        expect.objectContaining({
          level: "WARN",
          outcome: "rejected",
          errorKind: "OrderConflictError",
          orderId: original.orderId,
          error: `orderId ${JSON.stringify(original.orderId)} is already stored with different content; not overwritten`,
        }),
      ]);
    });

    test("reports exactly the bad records of a batch of 10", async () => {
      const orders = Array.from({ length: 10 }, (_, i) => sampleOrder(i % 3 === 0 ? { currency: "euro" } : {}));
      const records = orders.map((o) => sqsRecord(envelope(o)));
      const { response, logs } = await invoke(handler, sqsEvent(records));
      const bad = records.filter((_, i) => i % 3 === 0).map((r) => ({ itemIdentifier: r.messageId }));
      expect(response.batchItemFailures).toEqual(bad);
      expect(await countStored(orders)).toBe(6);
      expect(logs).toHaveLength(10);
    });

    test("logs one structured line per record outcome", async () => {
      const order = sampleOrder();
      const record = sqsRecord(envelope(order));
      const { logs } = await invoke(handler, sqsEvent([record]));
      expect(logs).toEqual([
        expect.objectContaining({
          level: "INFO",
          message: "order stored",
          service: "process-order",
          messageId: record.messageId,
          orderId: order.orderId,
          outcome: "stored",
          receiveCount: 1,
        }),
      ]);
    });

    test("answers an empty batch with no failures", async () => {
      const { response } = await invoke(handler, sqsEvent([]));
      expect(response).toEqual({ batchItemFailures: [] });
    });

    test("stores every order of a batch of 500", async () => {
      const orders = Array.from({ length: 500 }, () => sampleOrder());
      const { response } = await invoke(handler, sqsEvent(orders.map((o) => sqsRecord(envelope(o)))));
      expect(response.batchItemFailures).toEqual([]);
      expect(await countStored(orders)).toBe(500);
    });

    test("stores nothing twice when the same batch is delivered twice", async () => {
      const orders = Array.from({ length: 20 }, () => sampleOrder());
      const records = orders.map((o) => sqsRecord(envelope(o)));
      await invoke(handler, sqsEvent(records));
      const before = await Promise.all(orders.map((o) => stored(o.orderId as string)));
      const { response } = await invoke(handler, sqsEvent(records));
      expect(response.batchItemFailures).toEqual([]);
      expect(await Promise.all(orders.map((o) => stored(o.orderId as string)))).toEqual(before);
    });

    test("reports every record, well within the function timeout, when DynamoDB cannot be reached", async () => {
      const records = Array.from({ length: 3 }, () => sqsRecord(envelope(sampleOrder())));
      const started = Date.now();
      // Port 9 (discard) has no listener on loopback: connections are refused.
      const { response, logs } = await withEnv({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" }, () =>
        invoke(loadHandler(modulePath), sqsEvent(records)),
      );
      expect(Date.now() - started).toBeLessThan(settings.function.timeoutSeconds * 1000);
      const reported = response.batchItemFailures.map((f) => f.itemIdentifier).sort();
      expect(reported).toEqual(records.map((r) => r.messageId).sort());
      expect(logs.every((l) => l.level === "ERROR" && l.outcome === "failed")).toBe(true);
      expect(logs).toHaveLength(3);
    });

    test("reports every record when the table name is missing from its environment", async () => {
      const record = sqsRecord(envelope(sampleOrder()));
      const { response, logs } = await withEnv({ ORDERS_TABLE_NAME: "" }, () =>
        invoke(loadHandler(modulePath), sqsEvent([record])),
      );
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(logs[0]).toMatchObject({ errorKind: "ConfigurationError", error: "ORDERS_TABLE_NAME is not set" });
    });

    test("writes through a conditional create, so a concurrent writer cannot be overwritten", async () => {
      const order = sampleOrder();
      await documents.send(
        new PutCommand({ TableName: settings.table.name, Item: { orderId: order.orderId, other: true } }),
      );
      const record = sqsRecord(envelope(order));
      const { response } = await invoke(handler, sqsEvent([record]));
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(await stored(order.orderId as string)).toEqual({ orderId: order.orderId, other: true });
    });
  });
}
