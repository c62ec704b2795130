// Throughput of the built handler against dynalite, next to a plain PutCommand loop at the
// same concurrency; one 10,000-record batch, on an idle machine and beside two CPU-bound
// processes; and the local pipeline run. Run by scripts/bench.mjs with tsx (it loads the
// project's TypeScript modules) in a child process whose stdout is discarded (the handler logs a
// line per record, as on Lambda): tsx scripts/bench-throughput.cjs <result.json> <synth output>,
// with the function bundle built. The stack is the default one (the first environment's).
//
// Handler and plain loop are measured back to back in rounds (the order alternating), and each
// ratio is the median of the rounds' ratios: on a shared machine the load drifts, and a round
// sees the same load.
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const net = require("net");
const { createHash, randomUUID } = require("crypto");

const root = path.join(__dirname, "..");
const { startDynamoDb, createTable, localDynamoDbClient, LOCAL_AWS_ENV } = require("../local/servers");
const { pipelineOf, readStackManifest } = require("../local/stack-manifest");
const { LocalEnvironment } = require("../local/environment");
const { runLocalPipeline } = require("../local/batch-run");
const { sampleOrder } = require("../contract/samples");
const { DynamoDBDocumentClient, PutCommand } = require("@aws-sdk/lib-dynamodb");

const BUNDLE = path.join(root, "dist/functions/process-order/index.js");
/** Orders per measurement; BENCH_PAIRS rounds per batch size. */
const ORDERS = Number(process.env.BENCH_ORDERS ?? 500);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 7);
const BIG_BATCH = 10_000;

// Records built like the tests' (__tests__/support/sqs-events.ts): AWS's published samples as templates.
const fixture = (file) => JSON.parse(fs.readFileSync(path.join(root, "__tests__", "fixtures", file), "utf8"));
const RECORD = fixture("sqs-event.aws-lambda-go.json").Records[0];
const NOTIFICATION = JSON.parse(fixture("sqs-sns-body.powertools.json").Records[0].body);

function record(order) {
  const body = JSON.stringify({ ...NOTIFICATION, MessageId: randomUUID(), Message: JSON.stringify(order) }, null, 2);
  return {
    ...JSON.parse(JSON.stringify(RECORD)),
    messageId: randomUUID(),
    receiptHandle: `${RECORD.receiptHandle}-${randomUUID()}`,
    body,
    md5OfBody: createHash("md5").update(body).digest("hex"),
  };
}

/** A Lambda context with `ms` left: a 30 s function, as deployed, unless a batch needs more. */
const context = (ms) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};

async function handlerRate(handler, batchSize, count) {
  const records = Array.from({ length: count }, () => record(sampleOrder()));
  const started = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += batchSize) {
    const response = await handler({ Records: records.slice(i, i + batchSize) }, context(30_000));
    if (response.batchItemFailures.length)
      throw new Error(`handler reported ${response.batchItemFailures.length} failures`);
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** The same number of conditional PutCommands, a batch at a time, at most `inFlight` at once. */
async function plainRate(documents, tableName, batchSize, count, inFlight) {
  const orders = Array.from({ length: count }, () => sampleOrder());
  const put = (order) =>
    documents.send(
      new PutCommand({ TableName: tableName, Item: order, ConditionExpression: "attribute_not_exists(orderId)" }),
    );
  const started = process.hrtime.bigint();
  for (let i = 0; i < orders.length; i += batchSize) {
    const batch = orders.slice(i, i + batchSize);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) await put(batch[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, batch.length) }, worker));
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** One 10,000-record batch through a fresh handler, dynalite in its own process, `burners` busy loops beside it. */
async function bigBatch(settings, burners) {
  const port = await freePort();
  const dynalite = spawn(
    path.join(root, "node_modules", ".bin", "dynalite"),
    ["--port", String(port), "--host", "127.0.0.1", "--createTableMs", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((resolve) => dynalite.stdout.once("data", resolve));
  const loops = Array.from({ length: burners }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  try {
    await createTable(client, settings.table);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    delete require.cache[require.resolve(BUNDLE)];
    const { handler } = require(BUNDLE);
    const records = Array.from({ length: BIG_BATCH }, () => record(sampleOrder()));
    const started = process.hrtime.bigint();
    const response = await handler({ Records: records }, context(900_000));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      records: BIG_BATCH,
      burners,
      seconds,
      ordersPerSecond: BIG_BATCH / seconds,
      failures: response.batchItemFailures.length,
    };
  } finally {
    client.destroy();
    for (const child of [dynalite, ...loops]) child.kill("SIGKILL");
  }
}

async function main() {
  // The stack's first pipeline (the manifest lists tables, queues and functions).
  const manifest = readStackManifest(path.resolve(process.argv[3]), undefined).manifest;
  const settings = pipelineOf(manifest);
  const dynamo = await startDynamoDb();
  const client = localDynamoDbClient(dynamo.endpoint);
  await createTable(client, settings.table);
  // The function's own environment as deployed (its metrics' namespace and dimensions included), then the local table.
  Object.assign(process.env, settings.function.environment, LOCAL_AWS_ENV, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ORDERS_TABLE_NAME: settings.table.name,
  });
  const { handler, MAX_RECORDS_IN_FLIGHT } = require(BUNDLE);
  const inFlight = Number(process.env.MAX_RECORDS_IN_FLIGHT ?? MAX_RECORDS_IN_FLIGHT.default);
  const documents = DynamoDBDocumentClient.from(client);

  // Warm both paths (JIT, connections) before measuring.
  await handlerRate(handler, 10, 300);
  await plainRate(documents, settings.table.name, 10, 300, 10);

  // "plain": as many requests at once as the handler has records in flight (its overhead);
  // "plainAllAtOnce": the whole batch at once (what bounding the records in flight costs).
  const results = { orders: ORDERS, pairs: PAIRS, inFlight, batches: [] };
  for (const batchSize of [1, 10, 100]) {
    const runs = [];
    for (let r = 0; r < PAIRS; r++) {
      const sides = {
        handler: () => handlerRate(handler, batchSize, ORDERS),
        plain: () => plainRate(documents, settings.table.name, batchSize, ORDERS, inFlight),
        plainAllAtOnce: () => plainRate(documents, settings.table.name, batchSize, ORDERS, batchSize),
      };
      const order = r % 2 ? ["plainAllAtOnce", "plain", "handler"] : ["handler", "plain", "plainAllAtOnce"];
      const run = {};
      for (const side of order) run[side] = await sides[side]();
      runs.push(run);
    }
    results.batches.push({
      batchSize,
      handler: median(runs.map((r) => r.handler)),
      plain: median(runs.map((r) => r.plain)),
      plainAllAtOnce: median(runs.map((r) => r.plainAllAtOnce)),
      ratio: median(runs.map((r) => r.handler / r.plain)),
      ratioAllAtOnce: median(runs.map((r) => r.handler / r.plainAllAtOnce)),
      runs,
    });
  }
  client.destroy();
  await dynamo.stop();

  results.bigBatch = [await bigBatch(settings, 0), await bigBatch(settings, 2)];

  const env = await LocalEnvironment.start(manifest, { visibilityTimeoutSeconds: 2 });
  try {
    Object.assign(process.env, env.functionEnv());
    delete require.cache[require.resolve(BUNDLE)];
    const summary = await runLocalPipeline(env, require(BUNDLE).handler, {
      orders: 1000,
      badShare: 0,
      batchSize: settings.function.batchSize,
      concurrency: 4,
      visibilityTimeoutSeconds: 2,
      timeoutSeconds: 300,
    });
    results.localRun = {
      orders: summary.published,
      seconds: summary.elapsedSeconds,
      ordersPerSecond: summary.ordersPerSecond,
      nothingLost: summary.nothingLost,
    };
  } finally {
    await env.stop();
  }
  fs.writeFileSync(process.argv[2], JSON.stringify(results, null, 2));
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
