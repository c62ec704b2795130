import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSRecord } from "aws-lambda";
import { DYNAMODB_TIMEOUTS_MS } from "../functions/process-order";
import { LOCAL_AWS_ENV, createTable, localDynamoDbClient } from "../local/servers";
import { sampleOrder } from "../contract/samples";
import { Pipeline, pipelineOf, readStackManifest } from "../local/stack-manifest";
import {
  DynaliteProcess,
  FaultServer,
  startFaultProxy,
  startThrottlingServer,
  startUnconnectable,
} from "./support/fault-servers";
import { Invocation, LogLine, fakeContext, invoke, loadHandler, withEnv } from "./support/handler-harness";
import { deliveryBody, sqsEvent, sqsRecord } from "./support/sqs-events";
import { projectDefaultStack } from "./support/configuration";
import { synthApp } from "./support/tf-json";

// The fault-injection suite: servers on 127.0.0.1 that stall, trickle, delay, reset, throttle
// or die, with short deadlines through a fake Lambda context. Every test checks the same
// promises: the handler returns before the deadline, every record is either stored or
// reported failed, and nothing is stored twice.
const SOURCE = path.join(__dirname, "..", "functions", "process-order", "index.ts");

interface Batch {
  readonly orders: Record<string, unknown>[];
  readonly records: SQSRecord[];
}

function batchOf(size: number): Batch {
  const orders = Array.from({ length: size }, () => sampleOrder());
  return { orders, records: orders.map((order) => sqsRecord(deliveryBody(order))) };
}

describe("ProcessOrderLambda under faults", () => {
  let dynamo: DynaliteProcess;
  let client: DynamoDBClient;
  let documents: DynamoDBDocumentClient;
  let settings: Pipeline;
  let savedEnv: NodeJS.ProcessEnv;
  const servers: FaultServer[] = [];

  beforeAll(async () => {
    settings = pipelineOf(readStackManifest(synthApp().outdir, projectDefaultStack()).manifest);
    // dynalite in its own process: its work never delays the handler's timers, as a remote endpoint's would not.
    dynamo = await DynaliteProcess.start();
    client = localDynamoDbClient(dynamo.endpoint);
    documents = DynamoDBDocumentClient.from(client);
    await createTable(client, settings.table);
    savedEnv = { ...process.env };
    Object.assign(process.env, LOCAL_AWS_ENV, { ORDERS_TABLE_NAME: settings.table.name });
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });

  afterAll(async () => {
    process.env = savedEnv;
    client?.destroy();
    await dynamo?.kill();
  });

  async function serve<T extends FaultServer>(server: Promise<T>): Promise<T> {
    const started = await server;
    servers.push(started);
    return started;
  }

  /**
   * One invocation of a fresh handler module against `endpoint`, `remainingMs` before the function
   * times out; its log lines include any written in the 200 ms after it returned.
   */
  async function run(
    endpoint: string,
    records: SQSRecord[],
    remainingMs: number,
    env: Record<string, string> = {},
  ): Promise<Invocation & { endsAt: number }> {
    const { context, endsAt } = fakeContext(remainingMs);
    const invocation = await withEnv({ AWS_ENDPOINT_URL_DYNAMODB: endpoint, ...env }, () =>
      invoke(loadHandler(SOURCE), sqsEvent(records), context, { afterMs: 200 }),
    );
    return { ...invocation, endsAt };
  }

  const storedIn = async (docs: DynamoDBDocumentClient, orderId: unknown): Promise<LogLine | undefined> =>
    (await docs.send(new GetCommand({ TableName: settings.table.name, Key: { orderId }, ConsistentRead: true }))).Item;

  /**
   * Returned before the deadline; one log line per record; every acknowledged order stored as
   * sent, every other one reported failed (or rejected).
   */
  async function expectEveryRecordAccountedFor(
    batch: Batch,
    invocation: Invocation & { endsAt: number },
    docs = documents,
  ): Promise<void> {
    expect(invocation.returnedAt).toBeLessThan(invocation.endsAt);
    const byMessage = new Map(invocation.logs.map((line) => [line.messageId, line]));
    expect(invocation.logs).toHaveLength(batch.records.length);
    const failed = new Set(invocation.response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const [i, record] of batch.records.entries()) {
      const line = byMessage.get(record.messageId);
      if (failed.has(record.messageId)) {
        expect(["failed", "rejected"]).toContain(line?.outcome);
      } else {
        expect(["stored", "duplicate"]).toContain(line?.outcome);
        expect(await storedIn(docs, batch.orders[i].orderId)).toMatchObject(batch.orders[i]);
      }
    }
  }

  /**
   * SQS delivers the failed records again (here on a healthy path): afterwards every order is
   * stored as sent, and whatever was stored before is unchanged: nothing was stored twice.
   */
  async function expectStoredOnceAfterRedelivery(
    batch: Batch,
    first: Invocation,
    endpoint = dynamo.endpoint,
    docs = documents,
  ): Promise<void> {
    const before = await Promise.all(batch.orders.map((order) => storedIn(docs, order.orderId)));
    const failed = new Set(first.response.batchItemFailures.map((f) => f.itemIdentifier));
    const again = await run(
      endpoint,
      batch.records.filter((r) => failed.has(r.messageId)),
      30_000,
    );
    expect(again.response.batchItemFailures).toEqual([]);
    for (const [i, order] of batch.orders.entries()) {
      const item = await storedIn(docs, order.orderId);
      expect(item).toMatchObject(order);
      if (before[i]) expect(item).toEqual(before[i]);
    }
  }

  describe("timeouts that fire", () => {
    test("reports a record failed, before the deadline, when no connection can be established", async () => {
      const blackhole = await serve(startUnconnectable());
      const batch = batchOf(1);
      const invocation = await run(blackhole.endpoint, batch.records, 8_000);
      await expectEveryRecordAccountedFor(batch, invocation);
      expect(invocation.logs[0]).toMatchObject({ outcome: "failed", errorKind: "TimeoutError" });
      expect(invocation.logs[0].error).toContain(
        `did not establish a connection with the server within the configured timeout of ${DYNAMODB_TIMEOUTS_MS.connection} ms`,
      );
      await expectStoredOnceAfterRedelivery(batch, invocation);
    });

    test("gives up on a connection that accepts and never answers after its idle timeout, and stores over a new one", async () => {
      const proxy = await serve(startFaultProxy(dynamo.endpoint, (n) => (n === 0 ? "stall" : "forward")));
      const batch = batchOf(1);
      const invocation = await run(proxy.endpoint, batch.records, 8_000);
      expect(invocation.response.batchItemFailures).toEqual([]);
      await expectEveryRecordAccountedFor(batch, invocation);
      const [stalled] = proxy.held;
      // The socket's 2 s idle timeout closed it, before the 3 s request timeout could.
      expect(stalled.closedAt! - stalled.acceptedAt).toBeGreaterThanOrEqual(DYNAMODB_TIMEOUTS_MS.socketIdle - 100);
      expect(stalled.closedAt! - stalled.acceptedAt).toBeLessThan(DYNAMODB_TIMEOUTS_MS.request);
    });

    test("gives up on a response that trickles and never ends after the request timeout, and stores over a new connection", async () => {
      const proxy = await serve(startFaultProxy(dynamo.endpoint, (n) => (n === 0 ? "trickle" : "forward")));
      const batch = batchOf(1);
      const started = Date.now();
      const invocation = await run(proxy.endpoint, batch.records, 8_000);
      expect(invocation.response.batchItemFailures).toEqual([]);
      await expectEveryRecordAccountedFor(batch, invocation);
      const [trickled] = proxy.held;
      // The request timeout runs from the request's start, before the connection is accepted
      // (later on a loaded machine): measured from before the invocation, it has fully passed.
      expect(trickled.closedAt! - started).toBeGreaterThanOrEqual(DYNAMODB_TIMEOUTS_MS.request - 5);
    });
  });

  test("aborts the requests in flight at the deadline: a response that trickles is cut when the invocation ends", async () => {
    const proxy = await serve(startFaultProxy(dynamo.endpoint, () => "trickle"));
    const batch = batchOf(3);
    // 2 s to the deadline (3 s less the margin): time to connect on a loaded machine, less than the 3 s request timeout.
    const invocation = await run(proxy.endpoint, batch.records, 3_000);
    await expectEveryRecordAccountedFor(batch, invocation);
    expect(invocation.logs.every((l) => l.errorKind === "DeadlineExceededError")).toBe(true);
    // Left alone, each would run to its 3 s request timeout; aborted, it ends with the invocation.
    expect(proxy.held).toHaveLength(3);
    for (const c of proxy.held) expect(c.closedAt! - c.acceptedAt).toBeLessThan(DYNAMODB_TIMEOUTS_MS.request);
  });

  test("aborts a duplicate check in flight at the deadline, as it aborts a write", async () => {
    const batch = batchOf(2);
    await run(dynamo.endpoint, batch.records, 10_000);
    const standIn = await serve(
      startThrottlingServer(dynamo.endpoint, (_, operation) => (operation === "GetItem" ? "trickle" : undefined)),
    );
    // 2 s to the deadline: time for the write's round trip first on a loaded machine.
    const again = await run(standIn.endpoint, batch.records, 3_000);
    await expectEveryRecordAccountedFor(batch, again);
    expect(again.logs.every((l) => l.errorKind === "DeadlineExceededError")).toBe(true);
    const reads = standIn.seen.filter((r) => r.operation === "GetItem");
    expect(reads).toHaveLength(2);
    for (const read of reads) expect(read.closedAt! - read.receivedAt).toBeLessThan(DYNAMODB_TIMEOUTS_MS.request);
  });

  describe("latency", () => {
    test("keeps at most MAX_RECORDS_IN_FLIGHT records in flight: a batch 8 times that is stored whole through 500 ms round trips", async () => {
      // Were all 16 started at once, 14 would wait for the 2 sockets, the last ones longer than
      // three 1 s connection timeouts: they would fail.
      const proxy = await serve(startFaultProxy(dynamo.endpoint, () => ({ delayMs: 500 })));
      const batch = batchOf(16);
      const invocation = await run(proxy.endpoint, batch.records, 20_000, { MAX_RECORDS_IN_FLIGHT: "2" });
      expect(invocation.response.batchItemFailures).toEqual([]);
      await expectEveryRecordAccountedFor(batch, invocation);
      expect(proxy.accepted()).toBeLessThanOrEqual(2);
    });

    test("opens a socket per record in flight, beyond the SDK's default pool of 50", async () => {
      // No request is answered before 51 connections are open at once: with fewer sockets than records in
      // flight, the 51st would wait for one that never frees, and every record would fail. On a loaded
      // machine a write held too long may time out after it landed: its retry finds it ("duplicate"),
      // stored once either way.
      const proxy = await serve(startFaultProxy(dynamo.endpoint, () => ({ holdUntilOpen: 51 })));
      const batch = batchOf(51);
      const invocation = await run(proxy.endpoint, batch.records, 20_000, { MAX_RECORDS_IN_FLIGHT: "51" });
      // The log lines first: a failure names its cause.
      expect(invocation.logs.filter((l) => l.outcome !== "stored" && l.outcome !== "duplicate")).toEqual([]);
      expect(invocation.response.batchItemFailures).toEqual([]);
      await expectEveryRecordAccountedFor(batch, invocation);
      expect(proxy.peakOpen()).toBe(51);
    });

    test("returns before the deadline when every round trip takes longer than the time left, and the redelivery stores nothing twice", async () => {
      const proxy = await serve(startFaultProxy(dynamo.endpoint, () => ({ delayMs: 1_500 })));
      const batch = batchOf(10);
      const invocation = await run(proxy.endpoint, batch.records, 2_200);
      await expectEveryRecordAccountedFor(batch, invocation);
      expect(invocation.response.batchItemFailures).toHaveLength(10);
      expect(invocation.logs.every((l) => l.errorKind === "DeadlineExceededError")).toBe(true);
      await expectStoredOnceAfterRedelivery(batch, invocation);
    });
  });

  test("stores every order once when connections are reset in the middle of a response", async () => {
    const proxy = await serve(startFaultProxy(dynamo.endpoint, (n) => (n < 5 ? "reset-mid-response" : "forward")));
    const batch = batchOf(10);
    const invocation = await run(proxy.endpoint, batch.records, 10_000);
    await expectEveryRecordAccountedFor(batch, invocation);
    // The five reset writes had landed: their retries find the order stored.
    expect(invocation.logs.filter((l) => l.outcome === "duplicate")).toHaveLength(5);
    await expectStoredOnceAfterRedelivery(batch, invocation);
  });

  describe("throttling", () => {
    test("stores every order when each first attempt is throttled (ProvisionedThroughputExceededException, ThrottlingException)", async () => {
      const standIn = await serve(
        startThrottlingServer(dynamo.endpoint, (n) =>
          n >= 10 ? undefined : n % 2 ? "ProvisionedThroughputExceededException" : "ThrottlingException",
        ),
      );
      const batch = batchOf(10);
      const invocation = await run(standIn.endpoint, batch.records, 10_000);
      expect(standIn.throttled()).toBe(10);
      expect(invocation.response.batchItemFailures).toEqual([]);
      await expectEveryRecordAccountedFor(batch, invocation);
    });

    test("reads a stored order back with a consistent read when it is delivered again", async () => {
      const batch = batchOf(1);
      await run(dynamo.endpoint, batch.records, 10_000);
      const standIn = await serve(startThrottlingServer(dynamo.endpoint, () => undefined));
      const again = await run(standIn.endpoint, batch.records, 10_000);
      expect(again.logs[0].outcome).toBe("duplicate");
      const reads = standIn.seen.filter((r) => r.operation === "GetItem");
      expect(reads).toEqual([expect.objectContaining({ body: expect.objectContaining({ ConsistentRead: true }) })]);
    });

    test("reports every record failed, before the deadline, when every request is throttled", async () => {
      const standIn = await serve(
        startThrottlingServer(dynamo.endpoint, (n) =>
          n % 2 ? "ProvisionedThroughputExceededException" : "ThrottlingException",
        ),
      );
      const batch = batchOf(10);
      const invocation = await run(standIn.endpoint, batch.records, 2_500);
      await expectEveryRecordAccountedFor(batch, invocation);
      expect(invocation.response.batchItemFailures).toHaveLength(10);
      for (const line of invocation.logs) {
        expect(["ProvisionedThroughputExceededException", "ThrottlingException", "DeadlineExceededError"]).toContain(
          line.errorKind,
        );
      }
      await expectStoredOnceAfterRedelivery(batch, invocation);
    });
  });

  test("keeps every acknowledged order when dynalite is killed (SIGKILL) and restarted on its data mid-batch", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "dynalite-"));
    const server = await DynaliteProcess.start(dataDir);
    const own = localDynamoDbClient(server.endpoint);
    const docs = DynamoDBDocumentClient.from(own);
    try {
      await createTable(own, settings.table);
      const batch = batchOf(300);
      const count = async (): Promise<number> =>
        (await docs.send(new ScanCommand({ TableName: settings.table.name, Select: "COUNT" }))).Count ?? 0;
      // The function's deadline is not what this test is about (the tests above are): 60 s keeps it out of the way
      // of a kill and a restart on a loaded machine, where 20 s passed and a starved event loop returned late.
      const pending = run(server.endpoint, batch.records, 60_000);
      // Kill it once a sixth of the batch is stored, with the rest in flight or still to come.
      const until = Date.now() + 10_000;
      while ((await count()) < 50) {
        if (Date.now() > until) throw new Error("the batch did not start");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await server.kill();
      // Down for longer than the SDK's three attempts take: the records in flight fail.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await server.restart();
      const invocation = await pending;
      await expectEveryRecordAccountedFor(batch, invocation, docs);
      expect(invocation.response.batchItemFailures.length).toBeGreaterThan(0);
      await expectStoredOnceAfterRedelivery(batch, invocation, server.endpoint, docs);
      expect(await count()).toBe(300);
    } finally {
      own.destroy();
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
    // A kill, a restart on its data and 300 records over real sockets: minutes of slack on a loaded machine.
  }, 120_000);
});
