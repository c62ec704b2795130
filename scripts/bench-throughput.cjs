// Throughput of the built handler against dynalite, next to a plain PutCommand loop at the
// same concurrency, and of the local pipeline run. Run by scripts/bench.mjs in a child
// process whose stdout is discarded (the handler logs a line per record, as on Lambda);
// results go to the JSON file named by argv[2].
const fs = require("fs");
const path = require("path");
const { randomUUID } = require("crypto");

const root = path.join(__dirname, "..");
const { startDynamoDb, createTable, localDynamoDbClient, LOCAL_AWS_ENV } = require(
  path.join(root, "dist/local/servers.js"),
);
const { readStackManifest } = require(path.join(root, "dist/common/stack-manifest.js"));
const { LocalEnvironment } = require(path.join(root, "dist/local/environment.js"));
const { runLocalPipeline } = require(path.join(root, "dist/local/batch-run.js"));
const { sampleOrder } = require(path.join(root, "dist/common/orders.js"));
const { DynamoDBDocumentClient, PutCommand } = require("@aws-sdk/lib-dynamodb");

const BUNDLE = path.join(root, "dist/functions/process-order/index.js");
const TOPIC = "arn:aws:sns:us-east-1:000000000000:bench-OrderTopic";
const ORDERS = Number(process.env.BENCH_ORDERS ?? 2000);

/** What SNS writes into the queue for one order (raw message delivery off). */
function snsEnvelope(order) {
  const MessageId = randomUUID();
  return JSON.stringify({ Type: "Notification", MessageId, TopicArn: TOPIC, Message: JSON.stringify(order) });
}

function record(order) {
  const body = snsEnvelope(order);
  return {
    messageId: randomUUID(),
    receiptHandle: "r",
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(Date.now()),
      SenderId: "b",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:bench",
    awsRegion: "us-east-1",
  };
}

async function handlerRate(handler, batchSize, count) {
  const records = Array.from({ length: count }, () => record(sampleOrder()));
  const started = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += batchSize) {
    const response = await handler({ Records: records.slice(i, i + batchSize) });
    if (response.batchItemFailures.length)
      throw new Error(`handler reported ${response.batchItemFailures.length} failures`);
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function plainRate(documents, tableName, batchSize, count) {
  const orders = Array.from({ length: count }, () => sampleOrder());
  const started = process.hrtime.bigint();
  for (let i = 0; i < orders.length; i += batchSize) {
    await Promise.all(
      orders
        .slice(i, i + batchSize)
        .map((order) =>
          documents.send(
            new PutCommand({ TableName: tableName, Item: order, ConditionExpression: "attribute_not_exists(orderId)" }),
          ),
        ),
    );
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main() {
  const settings = readStackManifest(path.join(root, "cdktf.out"), "orders-dev").manifest;
  const dynamo = await startDynamoDb();
  const client = localDynamoDbClient(dynamo.endpoint);
  await createTable(client, settings.table);
  Object.assign(process.env, LOCAL_AWS_ENV, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ORDERS_TABLE_NAME: settings.table.name,
  });
  const { handler } = require(BUNDLE);
  const documents = DynamoDBDocumentClient.from(client);

  // Warm both paths (JIT, connections) before measuring.
  await handlerRate(handler, 10, 300);
  await plainRate(documents, settings.table.name, 10, 300);

  const results = { orders: ORDERS, batches: [] };
  for (const batchSize of [1, 10, 100]) {
    const runs = [];
    for (let r = 0; r < 3; r++) {
      runs.push({
        handler: await handlerRate(handler, batchSize, ORDERS),
        plain: await plainRate(documents, settings.table.name, batchSize, ORDERS),
      });
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    results.batches.push({
      batchSize,
      handler: median(runs.map((r) => r.handler)),
      plain: median(runs.map((r) => r.plain)),
      handlerRuns: runs.map((r) => r.handler),
      plainRuns: runs.map((r) => r.plain),
    });
  }
  client.destroy();
  await dynamo.stop();

  const env = await LocalEnvironment.start(settings, { visibilityTimeoutSeconds: 2 });
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
