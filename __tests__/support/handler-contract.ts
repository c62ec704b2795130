import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ORDER_ID_PATTERN, itemSizeBytes } from "../../contract/order";
import { LOCAL_AWS_ENV, createTable, localDynamoDbClient } from "../../local/servers";
import { sampleOrder } from "../../contract/samples";
import { Pipeline, pipelineOf, readStackManifest } from "../../local/stack-manifest";
import { DynaliteProcess, FaultProxy, startFaultProxy } from "./fault-servers";
import { Handler, LogLine, fakeContext, invoke, loadHandler, withEnv } from "./handler-harness";
import { deliveryBody, publishedSampleEvent, redrivenRecord, snsNotification, sqsEvent, sqsRecord } from "./sqs-events";
import { projectDefaultStack } from "./configuration";
import { synthApp } from "./tf-json";

/** An order's JSON text with `extra` spliced in as written (for values JSON.stringify cannot produce). */
function withRawField(order: Record<string, unknown>, field: string, json: string): string {
  return JSON.stringify(order).replace(/}$/, `,${JSON.stringify(field)}:${json}}`);
}

/** A value wrapped in `levels` single-key maps. */
function nested(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/**
 * The function's behaviour, run against dynalite with the table the default stack (the first environment's)
 * defines. Used for the TypeScript source and for the built bundle.
 */
export function describeHandlerContract(
  title: string,
  modulePath: string,
  {
    largeBatch = true,
  }: {
    /** Run the batch of 500 (off where another suite stores a larger batch through the same module). */
    readonly largeBatch?: boolean;
  } = {},
): void {
  describe(title, () => {
    let dynamo: DynaliteProcess;
    let client: DynamoDBClient;
    let documents: DynamoDBDocumentClient;
    let settings: Pipeline;
    let handler: Handler;
    let env: Record<string, string>;
    let savedEnv: NodeJS.ProcessEnv;

    beforeAll(async () => {
      settings = pipelineOf(readStackManifest(synthApp().outdir, projectDefaultStack()).manifest);
      // dynalite in its own process: its work never delays the handler's timers, as a remote endpoint's would not.
      dynamo = await DynaliteProcess.start();
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
      await dynamo?.kill();
    });

    const stored = async (orderId: string): Promise<LogLine | undefined> =>
      (await documents.send(new GetCommand({ TableName: settings.table.name, Key: { orderId } }))).Item;
    // Every test uses fresh orderIds, so tests share one table and count only their own items.
    const countStored = async (orders: Record<string, unknown>[]): Promise<number> =>
      (await Promise.all(orders.map((o) => stored(o.orderId as string)))).filter(Boolean).length;

    describe("delivery", () => {
      test("stores an order delivered the way the stack's subscription delivers it", async () => {
        const order = sampleOrder();
        const body = deliveryBody(order, { raw: settings.subscription.rawMessageDelivery });
        const { response } = await invoke(handler, sqsEvent([sqsRecord(body)]));
        expect(response).toEqual({ batchItemFailures: [] });
        expect(await stored(order.orderId as string)).toMatchObject(order);
      });

      test.each([true, false])("stores an order whatever raw message delivery is (raw %s)", async (raw) => {
        const order = sampleOrder();
        const { response } = await invoke(handler, sqsEvent([sqsRecord(deliveryBody(order, { raw }))]));
        expect(response.batchItemFailures).toEqual([]);
        expect(await stored(order.orderId as string)).toMatchObject(order);
      });

      test("stores an order redriven from the DLQ (a record carrying DeadLetterQueueSourceArn)", async () => {
        const order = sampleOrder();
        const record = redrivenRecord(JSON.stringify(order));
        expect(record.attributes).toHaveProperty("DeadLetterQueueSourceArn");
        const { response } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toEqual([]);
        expect(await stored(order.orderId as string)).toMatchObject(order);
      });

      test("adds when the order was received and which messages carried it", async () => {
        const order = sampleOrder();
        const record = sqsRecord(deliveryBody(order, { messageId: "sns-message-1" }));
        await invoke(handler, sqsEvent([record]));
        expect((await stored(order.orderId as string))?._pipeline).toEqual({
          receivedAt: new Date(Number(record.attributes.SentTimestamp)).toISOString(),
          messageId: "sns-message-1",
          sqsMessageId: record.messageId,
          orderDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
      });

      test("stores an order whose orderId uses every kind of character allowed, 64 of them", async () => {
        const order = sampleOrder({ orderId: `Order_2026-${"x".repeat(46)}-AZaz09` });
        expect((order.orderId as string).length).toBe(64);
        const { response } = await invoke(handler, sqsEvent([sqsRecord(deliveryBody(order))]));
        expect(response.batchItemFailures).toEqual([]);
        expect(await stored(order.orderId as string)).toMatchObject(order);
      });

      test("takes the time it runs as receivedAt, and logs no receive count, for a record without attributes", async () => {
        const order = sampleOrder();
        const record = sqsRecord(deliveryBody(order), { attributes: {} as never });
        const before = new Date().toISOString();
        const { response, logs } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toEqual([]);
        const receivedAt = (await stored(order.orderId as string))?._pipeline.receivedAt;
        expect(receivedAt >= before && receivedAt <= new Date().toISOString()).toBe(true);
        expect(logs[0]).not.toHaveProperty("receiveCount");
      });

      test("stores an order whose createdAt carries an offset from UTC", async () => {
        const order = sampleOrder({ createdAt: "2026-11-27T11:00:00+01:00" });
        const { response } = await invoke(handler, sqsEvent([sqsRecord(deliveryBody(order))]));
        expect(response.batchItemFailures).toEqual([]);
        expect(await stored(order.orderId as string)).toMatchObject(order);
      });

      test("keeps fields outside the contract as they are", async () => {
        const extra = { note: "leave at door", gift: { wrap: true, card: null }, coupon: null, rush: false, tags: [] };
        const order = sampleOrder(extra);
        await invoke(handler, sqsEvent([sqsRecord(deliveryBody(order))]));
        expect(await stored(order.orderId as string)).toMatchObject(extra);
      });
    });

    describe("the order contract", () => {
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
        ["orderId empty", { orderId: "" }, 'orderId must be 1-64 characters of letters, digits, - and _ (given "")'],
        [
          "orderId as a number",
          { orderId: 42 },
          "orderId is required: 1-64 characters of letters, digits, - and _ (given 42)",
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
        ...["eur", "EURO", "xEUR", "EUR1"].map((currency): [string, Record<string, unknown>, string] => [
          `currency ${currency}`,
          { currency },
          `currency must be an ISO 4217 code: three upper-case letters (given "${currency}")`,
        ]),
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
        "reports an order with %s as rejected and stores its good neighbour",
        async (_, change, problem) => {
          const good = sampleOrder();
          const bad = sampleOrder(change);
          const badRecord = sqsRecord(deliveryBody(bad));
          const { response, logs } = await invoke(handler, sqsEvent([badRecord, sqsRecord(deliveryBody(good))]));
          expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: badRecord.messageId }] });
          expect(await stored(good.orderId as string)).toMatchObject(good);
          const badId = typeof bad.orderId === "string" && bad.orderId !== "" ? bad.orderId : "(none)";
          expect(await stored(badId)).toBeUndefined();
          const rejected = logs.find((l) => l.messageId === badRecord.messageId);
          expect(rejected).toMatchObject({ level: "WARN", outcome: "rejected", errorKind: "InvalidOrderError" });
          expect(rejected!.error).toBe(`invalid order: ${problem}`);
          // The line names the order when its orderId is one; a bad orderId is quoted in the error only.
          if (ORDER_ID_PATTERN.test(badId)) expect(rejected!.orderId).toBe(badId);
          else expect(rejected).not.toHaveProperty("orderId");
        },
      );

      test("reports AWS's published sample event, whose body is plain text, as one malformed record", async () => {
        const event = publishedSampleEvent();
        const { response, logs } = await invoke(handler, event);
        expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "MessageID_1" }] });
        expect(logs).toEqual([
          expect.objectContaining({
            messageId: "MessageID_1",
            receiveCount: 2,
            outcome: "rejected",
            errorKind: "MalformedMessageError",
            error: expect.stringMatching(/^record body is not JSON: /),
          }),
        ]);
      });

      test("lists a broken field and a number beyond DynamoDB's limits together", async () => {
        const record = sqsRecord(withRawField(sampleOrder({ currency: "eur" }), "total", "1e999"));
        const { logs } = await invoke(handler, sqsEvent([record]));
        expect(logs[0].error).toBe(
          'invalid order: currency must be an ISO 4217 code: three upper-case letters (given "eur"); ' +
            "total must be a finite number (given Infinity)",
        );
      });

      test("lists an inexact number and a negative one in two items, each once", async () => {
        const items = [
          { sku: "A", quantity: 1, unitPrice: 9.5 },
          { sku: "B", quantity: 1, unitPrice: -1 },
        ];
        const body = JSON.stringify(sampleOrder({ items })).replace(
          '"unitPrice":9.5',
          '"unitPrice":0.30000000000000000001',
        );
        const { logs } = await invoke(handler, sqsEvent([sqsRecord(body)]));
        expect(logs[0].error).toBe(
          "invalid order: items[1].unitPrice must be a number >= 0 (given -1); " +
            "items[0].unitPrice must be a number a 64-bit float holds exactly (it reads as 0.3) (given 0.30000000000000000001)",
        );
      });

      test("lists every broken field of one order in one message", async () => {
        const record = sqsRecord(deliveryBody(sampleOrder({ customerId: "", currency: "eur" })));
        const { logs } = await invoke(handler, sqsEvent([record]));
        expect(logs[0].error).toBe(
          'invalid order: customerId must be a non-empty string (given ""); ' +
            'currency must be an ISO 4217 code: three upper-case letters (given "eur")',
        );
      });

      const malformed: [string, string, string][] = [
        ["malformed JSON", '{"orderId": ', "record body is not JSON"],
        ["an SNS envelope whose Message is not JSON", snsNotification("not json"), "SNS Message is not JSON"],
        ["a JSON array", "[1,2]", "record body must be a JSON object (given an array)"],
        ["a JSON number", "42", "record body must be a JSON object (given number)"],
        ["JSON null", "null", "record body must be a JSON object (given null)"],
        [
          "an SNS envelope whose Message is a string",
          deliveryBody("just text"),
          "SNS Message must be a JSON object (given string)",
        ],
        ["an empty body", "", "record body is empty"],
        ["a body of blanks", " \n\t ", "record body is empty"],
      ];

      test.each(malformed)("reports %s as that record's failure only", async (_, body, message) => {
        const good = sampleOrder();
        const badRecord = sqsRecord(body);
        const { response, logs } = await invoke(handler, sqsEvent([badRecord, sqsRecord(deliveryBody(good))]));
        expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: badRecord.messageId }] });
        expect(await stored(good.orderId as string)).toBeDefined();
        const line = logs.find((l) => l.messageId === badRecord.messageId);
        expect(line).toMatchObject({ outcome: "rejected", errorKind: "MalformedMessageError" });
        expect(line!.error).toContain(message);
      });
    });

    describe("DynamoDB's limits, checked before the write", () => {
      const unstorable: [string, string, string][] = [
        [
          "a unitPrice of 1e16 (beyond the SDK's safe integers)",
          JSON.stringify(sampleOrder({ items: [{ sku: "A", quantity: 1, unitPrice: 1e16 }] })),
          "items[0].unitPrice must be 0 or between 1E-130 and 9007199254740991 in magnitude (given 10000000000000000)",
        ],
        [
          "a unitPrice of 5e-324 (below DynamoDB's smallest number)",
          JSON.stringify(sampleOrder({ items: [{ sku: "A", quantity: 1, unitPrice: 5e-324 }] })),
          "items[0].unitPrice must be 0 or between 1E-130 and 9007199254740991 in magnitude (given 5e-324)",
        ],
        [
          "an extra field of -1e16",
          JSON.stringify(sampleOrder({ discount: -1e16 })),
          "discount must be 0 or between 1E-130 and 9007199254740991 in magnitude (given -10000000000000000)",
        ],
        [
          "an extra field holding Infinity (1e999 in JSON)",
          withRawField(sampleOrder(), "total", "1e999"),
          "total must be a finite number (given Infinity)",
        ],
        [
          "a unitPrice with more digits than a double keeps",
          JSON.stringify(sampleOrder()).replace('"unitPrice":9.5', '"unitPrice":0.30000000000000000001'),
          "items[0].unitPrice must be a number a 64-bit float holds exactly (it reads as 0.3) (given 0.30000000000000000001)",
        ],
        [
          "an integer of 20 digits",
          withRawField(sampleOrder(), "reference", "12345678901234567890"),
          "reference must be a number a 64-bit float holds exactly (it reads as 12345678901234567000) (given 12345678901234567890)",
        ],
        [
          "a number that underflows to 0",
          withRawField(sampleOrder(), "ratio", "1e-400"),
          "ratio must be a number a 64-bit float holds exactly (it reads as 0) (given 1e-400)",
        ],
        [
          "a number that underflows to 0, written with a capital E",
          withRawField(sampleOrder(), "ratio", "1E-400"),
          "ratio must be a number a 64-bit float holds exactly (it reads as 0) (given 1E-400)",
        ],
        [
          "a 16-digit integer just above 2^53",
          withRawField(sampleOrder(), "reference", "9007199254740993"),
          "reference must be a number a 64-bit float holds exactly (it reads as 9007199254740992) (given 9007199254740993)",
        ],
        [
          "a 20-digit integer first in a list",
          withRawField(sampleOrder(), "references", "[12345678901234567890]"),
          "references[0] must be a number a 64-bit float holds exactly (it reads as 12345678901234567000) (given 12345678901234567890)",
        ],
        [
          "a number that underflows to 0 in an order written with spaces",
          JSON.stringify({ ...sampleOrder(), ratio: "RATIO" }, null, 2).replace('"RATIO"', "1e-400"),
          "ratio must be a number a 64-bit float holds exactly (it reads as 0) (given 1e-400)",
        ],
        [
          "a negative 20-digit integer in a list",
          withRawField(sampleOrder(), "references", "[1,-12345678901234567890]"),
          "references[1] must be a number a 64-bit float holds exactly (it reads as -12345678901234567000) (given -12345678901234567890)",
        ],
        [
          "an inexact number in an order nested 32 levels deep",
          withRawField(sampleOrder({ extra: nested(31) }), "reference", "12345678901234567890"),
          "reference must be a number a 64-bit float holds exactly (it reads as 12345678901234567000) (given 12345678901234567890)",
        ],
        [
          "nesting of 33 levels",
          JSON.stringify(sampleOrder({ extra: nested(32) })),
          `extra${".a".repeat(31)} nests deeper than 32 levels, DynamoDB's limit (a top-level field is level 1)`,
        ],
        [
          "a __proto__ key at the top level",
          withRawField(sampleOrder(), "__proto__", '{"admin":true}'),
          'order has a key "__proto__", which JavaScript drops when it builds the item; rename it',
        ],
        [
          "a __proto__ key in an item without a sku",
          JSON.stringify(sampleOrder({ items: [{ quantity: 1, unitPrice: 1 }] })).replace(
            '"quantity":1',
            '"__proto__":{"x":1},"quantity":1',
          ),
          "items[0].sku must be a non-empty string (given nothing); " +
            'items[0] has a key "__proto__", which JavaScript drops when it builds the item; rename it',
        ],
        [
          "a __proto__ key in an item",
          JSON.stringify(sampleOrder()).replace('"sku":"SKU-1"', '"sku":"SKU-1","__proto__":{"x":1}'),
          'items[0] has a key "__proto__", which JavaScript drops when it builds the item; rename it',
        ],
        [
          "an empty key",
          withRawField(sampleOrder(), "attributes", '{"":1}'),
          "attributes has an empty key; DynamoDB needs field names of 1 to 65535 bytes",
        ],
        [
          "a key that is not valid Unicode",
          withRawField(sampleOrder(), "attributes", '{"\\udc00x":1}'),
          'attributes has a key that is not valid Unicode (given "\\udc00x")',
        ],
        [
          "a key of 65,536 bytes",
          withRawField(sampleOrder(), "attributes", `{"${"k".repeat(65_536)}":1}`),
          `attributes has a key of 65536 bytes; DynamoDB needs field names of 1 to 65535 bytes (given "${"k".repeat(199)}… (65538 characters))`,
        ],
        [
          "an unpaired surrogate",
          withRawField(sampleOrder(), "note", '"\\ud800"'),
          'note must be valid Unicode: it holds an unpaired surrogate (given "\\ud800")',
        ],
      ];

      test.each(unstorable)("rejects %s with a named reason and writes nothing", async (_, body, problem) => {
        const record = sqsRecord(body);
        const orderId = (JSON.parse(body) as { orderId: string }).orderId;
        const { response, logs } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
        expect(logs).toEqual([
          expect.objectContaining({
            level: "WARN",
            outcome: "rejected",
            errorKind: "InvalidOrderError",
            error: `invalid order: ${problem}`,
          }),
        ]);
        expect(await stored(orderId)).toBeUndefined();
      });

      test("stores the numbers at both ends of the range, a key of 65,535 bytes and an empty map at level 32", async () => {
        const order = sampleOrder({
          largest: 9007199254740991,
          smallest: -9007199254740991,
          tiniest: 1e-130,
          attributes: { ["k".repeat(65_535)]: 1 },
          deep: nested(31),
        });
        // 31 maps, the last one holding an empty one: level 32.
        let last = order.deep as Record<string, unknown>;
        for (let i = 0; i < 30; i++) last = last.a as Record<string, unknown>;
        last.a = {};
        const { response } = await invoke(handler, sqsEvent([sqsRecord(JSON.stringify(order))]));
        expect(response.batchItemFailures).toEqual([]);
        expect(await stored(order.orderId as string)).toMatchObject(order);
      });

      test("stores an order holding null beside a number written with an exponent", async () => {
        const record = sqsRecord(withRawField(sampleOrder({ coupon: null }), "scale", "1.5e2"));
        const { response } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toEqual([]);
        const orderId = (JSON.parse(record.body) as { orderId: string }).orderId;
        expect(await stored(orderId)).toMatchObject({ coupon: null, scale: 150 });
      });

      test("stores nesting of exactly 32 levels, DynamoDB's deepest", async () => {
        const order = sampleOrder({ extra: nested(31) });
        const { response } = await invoke(handler, sqsEvent([sqsRecord(JSON.stringify(order))]));
        expect(response.batchItemFailures).toEqual([]);
        expect(await stored(order.orderId as string)).toMatchObject(order);
      });

      test("rejects nesting 10,000 levels deep, long numbers and all, in one short message", async () => {
        const deep = `${'{"a":'.repeat(10_000)}12345678901234567890${"}".repeat(10_000)}`;
        const record = sqsRecord(withRawField(sampleOrder(), "extra", deep));
        const { response, logs } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toHaveLength(1);
        expect(logs[0].error).toMatch(/^invalid order: extra(\.a){31} nests deeper than 32 levels/);
      });

      /** An order whose item, with the pipeline's fields, is `bytes` long as DynamoDB counts. */
      function orderOfItemSize(
        bytes: number,
        filler: string,
        messageId: string,
        sqsMessageId: string,
      ): Record<string, unknown> {
        const order = sampleOrder({ note: "" });
        const pipeline = {
          receivedAt: new Date().toISOString(),
          messageId,
          sqsMessageId,
          orderDigest: "0".repeat(64),
        };
        const base = itemSizeBytes({ ...order, _pipeline: pipeline });
        const unit = Buffer.byteLength(filler);
        expect((bytes - base) % unit).toBe(0);
        return { ...order, note: filler.repeat((bytes - base) / unit) };
      }

      test("stores an item of exactly 400 KB and rejects one byte more, as DynamoDB counts", async () => {
        const fits = sqsRecord("");
        const fitting = orderOfItemSize(409_600, "n", "sns-1", fits.messageId);
        fits.body = deliveryBody(fitting, { messageId: "sns-1" });
        const over = sqsRecord("");
        const tooLarge = orderOfItemSize(409_601, "n", "sns-2", over.messageId);
        over.body = deliveryBody(tooLarge, { messageId: "sns-2" });
        const { response, logs } = await invoke(handler, sqsEvent([fits, over]));
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: over.messageId }]);
        expect(await stored(fitting.orderId as string)).toMatchObject({ note: fitting.note });
        expect(logs.find((l) => l.messageId === over.messageId)).toMatchObject({
          outcome: "rejected",
          error:
            "invalid order: order is 409601 bytes as a DynamoDB item with the pipeline's fields; " +
            "DynamoDB stores at most 409600 bytes (400 KB)",
        });
      });

      test("counts text in UTF-8 bytes, as DynamoDB does (dynalite counts characters)", async () => {
        // 205,000 two-byte characters: 410,000 bytes for DynamoDB, 205,000 for dynalite.
        const order = sampleOrder({ note: "é".repeat(205_000) });
        const record = sqsRecord(JSON.stringify(order));
        const { response, logs } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
        expect(logs[0].error).toMatch(/^invalid order: order is 410\d{3} bytes as a DynamoDB item/);
      });
    });

    describe("logs", () => {
      test("logs one structured line per record outcome", async () => {
        const order = sampleOrder();
        const record = sqsRecord(deliveryBody(order));
        const { logs } = await invoke(handler, sqsEvent([record]));
        expect(logs).toEqual([
          expect.objectContaining({
            level: "INFO",
            message: "order stored",
            service: "process-order",
            messageId: record.messageId,
            orderId: order.orderId,
            outcome: "stored",
            receiveCount: Number(record.attributes.ApproximateReceiveCount),
          }),
        ]);
      });

      /** Non-overlapping occurrences of `probe` in every field of a log line. */
      const occurrences = (line: LogLine, probe: string): number =>
        Object.values(line).map(String).join("\n").split(probe).length - 1;

      test("echoes a 100,000-character orderId once, cut to 200 characters, with its length", async () => {
        const record = sqsRecord(JSON.stringify(sampleOrder({ orderId: "o".repeat(100_000) })));
        const { logs, lines } = await invoke(handler, sqsEvent([record]));
        expect(logs[0].error).toBe(
          `invalid order: orderId must be 1-64 characters of letters, digits, - and _ (given "${"o".repeat(199)}… (100002 characters))`,
        );
        expect(occurrences(logs[0], "o".repeat(50))).toBe(3);
        expect(Buffer.byteLength(lines[0])).toBeLessThan(1024);
      });

      const floods: [string, () => string][] = [
        [
          "2,000 items with a 400-character unitPrice each",
          () =>
            JSON.stringify(
              sampleOrder({
                items: Array.from({ length: 2_000 }, () => ({ sku: "A", quantity: 1, unitPrice: "p".repeat(400) })),
              }),
            ),
        ],
        ["a 50,000-character currency of emoji", () => JSON.stringify(sampleOrder({ currency: "😀".repeat(50_000) }))],
        [
          "a 50,000-character currency of control characters",
          () => JSON.stringify(sampleOrder({ currency: "\u0001".repeat(50_000) })),
        ],
        [
          "a 10,000-character key holding a bad value",
          () => withRawField(sampleOrder(), "k".repeat(10_000), '"\\ud800"'),
        ],
        [
          "five 30,000-character keys of three-byte characters",
          () =>
            JSON.stringify(
              sampleOrder(
                Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`${i}${"€".repeat(30_000)}`, [{ "": 1 }]])),
              ),
            ),
        ],
      ];

      test.each(floods)("writes no log line over 8 KiB for %s", async (_, body) => {
        const { logs, lines } = await invoke(handler, sqsEvent([sqsRecord(body())]));
        expect(logs).toEqual([expect.objectContaining({ outcome: "rejected", errorKind: "InvalidOrderError" })]);
        for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8 * 1024);
      });

      test("lists exactly 10 problems without a count", async () => {
        const items = Array.from({ length: 10 }, () => ({ sku: "", quantity: 1, unitPrice: 1 }));
        const { logs } = await invoke(handler, sqsEvent([sqsRecord(JSON.stringify(sampleOrder({ items })))]));
        expect(logs[0].error).toBe(
          `invalid order: ${items.map((_, i) => `items[${i}].sku must be a non-empty string (given "")`).join("; ")}`,
        );
      });

      test("lists the first 10 problems of an order and counts the rest", async () => {
        const items = Array.from({ length: 25 }, () => ({ sku: "", quantity: 1, unitPrice: 1 }));
        const { logs } = await invoke(handler, sqsEvent([sqsRecord(JSON.stringify(sampleOrder({ items })))]));
        const listed = Array.from({ length: 10 }, (_, i) => `items[${i}].sku must be a non-empty string (given "")`);
        expect(logs[0].error).toBe(`invalid order: ${listed.join("; ")}; and 15 more`);
      });

      test("does not repeat an invalid orderId as the line's orderId field", async () => {
        const { logs } = await invoke(handler, sqsEvent([sqsRecord(JSON.stringify(sampleOrder({ orderId: "a b" })))]));
        expect(logs[0]).not.toHaveProperty("orderId");
      });
    });

    describe("redelivery and conflicts", () => {
      test("accepts a redelivery of the same order and changes nothing", async () => {
        const order = sampleOrder();
        await invoke(handler, sqsEvent([sqsRecord(deliveryBody(order))]));
        const first = await stored(order.orderId as string);
        const reordered = Object.fromEntries(Object.entries(order).reverse());
        const later = sqsRecord(JSON.stringify(reordered));
        later.attributes.SentTimestamp = "1";
        const { response, logs } = await invoke(handler, sqsEvent([later]));
        expect(response.batchItemFailures).toEqual([]);
        expect(await stored(order.orderId as string)).toEqual(first);
        expect(logs).toEqual([
          expect.objectContaining({
            level: "INFO",
            message: "order already stored; redelivery ignored",
            outcome: "duplicate",
            orderId: order.orderId,
          }),
        ]);
      });

      test("refuses to overwrite a different order under the same orderId and names it", async () => {
        const original = sampleOrder();
        await invoke(handler, sqsEvent([sqsRecord(deliveryBody(original))]));
        const conflicting = { ...original, customerId: "someone-else" };
        const record = sqsRecord(deliveryBody(conflicting));
        const { response, logs } = await invoke(handler, sqsEvent([record]));
        expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
        expect((await stored(original.orderId as string))?.customerId).toBe("customer-42");
        expect(logs).toEqual([
          expect.objectContaining({
            level: "WARN",
            message: "order rejected",
            outcome: "rejected",
            errorKind: "OrderConflictError",
            orderId: original.orderId,
            error: `orderId ${JSON.stringify(original.orderId)} is already stored with different content; not overwritten`,
          }),
        ]);
      });

      test("stores nothing twice when the same batch is delivered twice", async () => {
        const orders = Array.from({ length: 20 }, () => sampleOrder());
        const records = orders.map((o) => sqsRecord(deliveryBody(o)));
        await invoke(handler, sqsEvent(records));
        const before = await Promise.all(orders.map((o) => stored(o.orderId as string)));
        const { response } = await invoke(handler, sqsEvent(records));
        expect(response.batchItemFailures).toEqual([]);
        expect(await Promise.all(orders.map((o) => stored(o.orderId as string)))).toEqual(before);
      });

      test("writes through a conditional create, so a concurrent writer cannot be overwritten", async () => {
        const order = sampleOrder();
        await documents.send(
          new PutCommand({ TableName: settings.table.name, Item: { orderId: order.orderId, other: true } }),
        );
        const record = sqsRecord(deliveryBody(order));
        const { response, logs } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
        expect(await stored(order.orderId as string)).toEqual({ orderId: order.orderId, other: true });
        expect(logs[0]).toMatchObject({ outcome: "rejected", errorKind: "OrderConflictError" });
      });

      test("refuses an order that differs from the stored one only by a list where it had a map", async () => {
        const original = sampleOrder({ tags: { "0": "gift" } });
        await invoke(handler, sqsEvent([sqsRecord(deliveryBody(original))]));
        const record = sqsRecord(deliveryBody({ ...original, tags: ["gift"] }));
        const { response, logs } = await invoke(handler, sqsEvent([record]));
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
        expect(logs[0]).toMatchObject({ outcome: "rejected", errorKind: "OrderConflictError" });
      });
    });

    describe("batches", () => {
      test("reports exactly the bad records of a batch of 10", async () => {
        const orders = Array.from({ length: 10 }, (_, i) => sampleOrder(i % 3 === 0 ? { currency: "euro" } : {}));
        const records = orders.map((o) => sqsRecord(deliveryBody(o)));
        const { response, logs } = await invoke(handler, sqsEvent(records));
        const bad = records.filter((_, i) => i % 3 === 0).map((r) => ({ itemIdentifier: r.messageId }));
        expect(response.batchItemFailures).toEqual(bad);
        expect(await countStored(orders)).toBe(6);
        expect(logs).toHaveLength(10);
      });

      test("leaves no timer running once it has answered (a local process can exit)", async () => {
        // Only timers are faked: I/O and promises run as usual, and every timer set is counted.
        jest.useFakeTimers({
          doNotFake: ["nextTick", "setImmediate", "queueMicrotask", "Date", "hrtime", "performance"],
        });
        try {
          const { response } = await invoke(handler, sqsEvent([sqsRecord(deliveryBody(sampleOrder()))]));
          expect(response.batchItemFailures).toEqual([]);
          expect(jest.getTimerCount()).toBe(0);
        } finally {
          jest.useRealTimers();
        }
      });

      test("answers an empty batch with no failures", async () => {
        const { response } = await invoke(handler, sqsEvent([]));
        expect(response).toEqual({ batchItemFailures: [] });
      });

      if (largeBatch) {
        test("stores every order of a batch of 500", async () => {
          const orders = Array.from({ length: 500 }, () => sampleOrder());
          const { response } = await invoke(handler, sqsEvent(orders.map((o) => sqsRecord(deliveryBody(o)))));
          expect(response.batchItemFailures).toEqual([]);
          expect(await countStored(orders)).toBe(500);
        });
      }
    });

    describe("configuration and faults", () => {
      test("reports every record, well within the function timeout, when DynamoDB cannot be reached", async () => {
        const records = Array.from({ length: 3 }, () => sqsRecord(deliveryBody(sampleOrder())));
        const { context, endsAt } = fakeContext(settings.function.timeoutSeconds * 1000);
        // Port 9 (discard) has no listener on loopback: connections are refused.
        const { response, logs, returnedAt } = await withEnv({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" }, () =>
          invoke(loadHandler(modulePath), sqsEvent(records), context),
        );
        expect(returnedAt).toBeLessThan(endsAt);
        const reported = response.batchItemFailures.map((f) => f.itemIdentifier).sort();
        expect(reported).toEqual(records.map((r) => r.messageId).sort());
        expect(logs.every((l) => l.level === "ERROR" && l.message === "order failed" && l.outcome === "failed")).toBe(
          true,
        );
        expect(logs).toHaveLength(3);
      });

      test("reports every record before the deadline when DynamoDB accepts connections and never answers", async () => {
        const stall: FaultProxy = await startFaultProxy(dynamo.endpoint, () => "stall");
        try {
          const records = Array.from({ length: 5 }, () => sqsRecord(deliveryBody(sampleOrder())));
          const { context, endsAt } = fakeContext(1_800);
          // Listening on after it returns: a request aborted at the deadline must not log a second line.
          const { response, logs, returnedAt } = await withEnv({ AWS_ENDPOINT_URL_DYNAMODB: stall.endpoint }, () =>
            invoke(loadHandler(modulePath), sqsEvent(records), context, { afterMs: 300 }),
          );
          expect(returnedAt).toBeLessThan(endsAt);
          expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
            records.map((r) => r.messageId).sort(),
          );
          expect(logs).toHaveLength(5);
          expect(logs.every((l) => l.outcome === "failed" && l.errorKind === "DeadlineExceededError")).toBe(true);
          expect(logs[0].error).toBe(
            "no result 1002 ms before the function timeout (not started, or its request aborted); " +
              "SQS will deliver it again",
          );
        } finally {
          await stall.stop();
        }
      });

      test("reports every record when the table name is missing from its environment", async () => {
        const record = sqsRecord(deliveryBody(sampleOrder()));
        const { response, logs } = await withEnv({ ORDERS_TABLE_NAME: "" }, async () =>
          invoke(loadHandler(modulePath), sqsEvent([record])),
        );
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
        expect(logs[0]).toMatchObject({ errorKind: "ConfigurationError", error: "ORDERS_TABLE_NAME is not set" });
      });

      test("names every configuration problem in one message", async () => {
        const record = sqsRecord(deliveryBody(sampleOrder()));
        const { logs } = await withEnv({ ORDERS_TABLE_NAME: "", MAX_RECORDS_IN_FLIGHT: "0" }, async () =>
          invoke(loadHandler(modulePath), sqsEvent([record])),
        );
        expect(logs[0].error).toBe(
          'ORDERS_TABLE_NAME is not set; MAX_RECORDS_IN_FLIGHT must be an integer between 1 and 500 (given "0")',
        );
      });

      test.each(["1", "500"])(
        "stores an order with MAX_RECORDS_IN_FLIGHT at %s, the end of its range",
        async (given) => {
          const order = sampleOrder();
          const { response } = await withEnv({ MAX_RECORDS_IN_FLIGHT: given }, async () =>
            invoke(loadHandler(modulePath), sqsEvent([sqsRecord(deliveryBody(order))])),
          );
          expect(response.batchItemFailures).toEqual([]);
          expect(await stored(order.orderId as string)).toMatchObject(order);
        },
      );

      test.each(["0", "501", "2.5", "many", ""])(
        "reports every record when MAX_RECORDS_IN_FLIGHT is %p, naming the allowed range",
        async (given) => {
          const record = sqsRecord(deliveryBody(sampleOrder()));
          const { response, logs } = await withEnv({ MAX_RECORDS_IN_FLIGHT: given }, async () =>
            invoke(loadHandler(modulePath), sqsEvent([record])),
          );
          expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
          expect(logs[0]).toMatchObject({
            level: "ERROR",
            errorKind: "ConfigurationError",
            error: `MAX_RECORDS_IN_FLIGHT must be an integer between 1 and 500 (given "${given}")`,
          });
        },
      );
    });
  });
}
