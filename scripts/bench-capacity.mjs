#!/usr/bin/env node
// The measurement behind `npm run estimate`'s default duration model: the built ProcessOrderLambda
// (dist/functions/process-order/index.js) against dynalite on 127.0.0.1, in a child process of its
// own so each has a core. It records, on this machine:
//   - the duration and CPU time of one batch at batch sizes 1 and 10 (and 100 when the synthesized
//     mapping has a batching window, which lets a batch exceed 10), one batch at a time;
//   - the bytes of the function's own log line for a stored and for a rejected order;
//   - the rate at which the backlog starts to grow: orders arrive at increasing rates and a local
//     event source runs up to the mapping's maximum concurrency of batches at once.
// The local DynamoDB is not AWS's: the estimate uses the CPU figures and adds DynamoDB's round trip
// as an assumption. Run once, on a machine as idle as can be had (the load is recorded):
//   node scripts/bench-capacity.mjs [out.json]      (default: estimate/measured.json)
// Every loop is bounded in count and time; the script stops its children before it exits.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUNDLE = join(root, "dist", "functions", "process-order", "index.js");
const TABLE = "bench-capacity-Orders";
const RATE_SECONDS = 5;
const RATES = [50, 100, 200, 400, 800, 1600, 3200];

// Records built like the tests' (__tests__/support/sqs-events.ts): AWS's published samples as templates.
const fixture = (file) => JSON.parse(readFileSync(join(root, "__tests__", "fixtures", file), "utf8"));
const RECORD = fixture("sqs-event.aws-lambda-go.json").Records[0];
const NOTIFICATION = JSON.parse(fixture("sqs-sns-body.powertools.json").Records[0].body);

/** The contract's sample order (contract/samples.ts), unique by orderId; `currency: "eur"` breaks the contract. */
const order = (overrides = {}) => ({
  orderId: `order-${randomUUID()}`,
  customerId: "customer-42",
  items: [
    { sku: "SKU-1", quantity: 2, unitPrice: 9.5 },
    { sku: "SKU-2", quantity: 1, unitPrice: 0 },
  ],
  currency: "EUR",
  createdAt: "2026-11-27T10:00:00Z",
  ...overrides,
});

function record(body) {
  const envelope = JSON.stringify({ ...NOTIFICATION, MessageId: randomUUID(), Message: JSON.stringify(body) });
  return {
    ...JSON.parse(JSON.stringify(RECORD)),
    messageId: randomUUID(),
    receiptHandle: `${RECORD.receiptHandle}-${randomUUID()}`,
    body: envelope,
    md5OfBody: createHash("md5").update(envelope).digest("hex"),
    attributes: { ...RECORD.attributes, ApproximateReceiveCount: "1", SentTimestamp: String(Date.now()) },
  };
}

const context = (ms) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
const round = (n, digits = 3) => Number(n.toFixed(digits));

/** The synthesized mapping's settings (first pipeline stack in cdktf.out), or the construct defaults. */
function mappingSettings() {
  const stacks = join(root, "cdktf.out", "stacks");
  for (const name of existsSync(stacks) ? readdirSync(stacks).sort() : []) {
    const file = join(stacks, name, "cdk.tf.json");
    if (!existsSync(file)) continue;
    const mappings = JSON.parse(readFileSync(file, "utf8")).resource?.aws_lambda_event_source_mapping ?? {};
    const m = Object.values(mappings)[0];
    if (m) {
      return {
        stack: name,
        batchSize: Number(m.batch_size ?? 10),
        window: Number(m.maximum_batching_window_in_seconds ?? 0),
        concurrency: Number(m.scaling_config?.maximum_concurrency ?? 10),
      };
    }
  }
  return { stack: null, batchSize: 10, window: 0, concurrency: 10 };
}

// ---- worker: runs in a child process with the function's environment; results to argv[3] ----
async function worker(outFile, settings) {
  const { handler } = require(BUNDLE);
  const call = async (records) => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const response = await handler({ Records: records }, context(30_000));
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    if (response.batchItemFailures.length) throw new Error(`${response.batchItemFailures.length} records failed`);
    return { wallMs, cpuMs: (used.user + used.system) / 1000 };
  };
  for (let i = 0; i < 100; i++) await call(Array.from({ length: 10 }, () => record(order())));

  const sizes = [1, 10, ...(settings.window > 0 ? [100] : [])];
  const batches = [];
  for (const size of sizes) {
    // Enough batches that the median holds still between runs (40 batches of 10 moved it twofold).
    const count = Math.max(200, Math.round(2000 / size));
    const runs = [];
    for (let i = 0; i < count; i++) runs.push(await call(Array.from({ length: size }, () => record(order()))));
    const cpuMedian = median(runs.map((r) => r.cpuMs));
    batches.push({
      batchSize: size,
      batches: count,
      wallMsMedian: round(median(runs.map((r) => r.wallMs))),
      wallMsP90: round(p90(runs.map((r) => r.wallMs))),
      cpuMsPerBatchMedian: round(cpuMedian),
      cpuMsPerRecord: round(cpuMedian / size),
    });
  }
  // Least squares: cpu(batch) = a + k x records.
  const n = batches.length;
  const mx = batches.reduce((s, b) => s + b.batchSize, 0) / n;
  const my = batches.reduce((s, b) => s + b.cpuMsPerBatchMedian, 0) / n;
  const k =
    batches.reduce((s, b) => s + (b.batchSize - mx) * (b.cpuMsPerBatchMedian - my), 0) /
    batches.reduce((s, b) => s + (b.batchSize - mx) ** 2, 0);
  const cpuModel = { cpuMsPerBatch: round(Math.max(0, my - k * mx)), cpuMsPerRecord: round(k) };

  // Increasing arrival rates; a local event source with the mapping's concurrency and batch size.
  const rates = [];
  let growsFrom = null;
  for (const rate of RATES) {
    const queue = [];
    let arrived = 0;
    let processed = 0;
    const started = Date.now();
    const end = started + RATE_SECONDS * 1000;
    const arrive = () => {
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      while (arrived < due) {
        queue.push(record(order()));
        arrived++;
      }
    };
    const poller = async () => {
      while (Date.now() < end) {
        arrive();
        if (queue.length === 0) {
          await sleep(5);
          continue;
        }
        const batch = queue.splice(0, settings.batchSize);
        await call(batch);
        processed += batch.length;
      }
    };
    await Promise.all(Array.from({ length: settings.concurrency }, poller));
    arrive();
    const seconds = (Date.now() - started) / 1000;
    const growth = queue.length / seconds;
    rates.push({
      offeredPerSecond: rate,
      processedPerSecond: round(processed / seconds, 1),
      backlogAtEnd: queue.length,
      backlogGrowthPerSecond: round(growth, 1),
    });
    // The backlog grows when more than 5% of the offered rate is left waiting.
    if (growth > rate * 0.05) {
      growsFrom = rate;
      break;
    }
  }
  writeFileSync(outFile, JSON.stringify({ batches, cpuModel, rates, backlogGrowsFromPerSecond: growsFrom }));
}

// ---- probe: one record through the handler, its log lines on stdout ----
async function probe(kind) {
  const { handler } = require(BUNDLE);
  await handler({ Records: [record(order(kind === "rejected" ? { currency: "eur" } : {}))] }, context(30_000));
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function main(outFile) {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} does not exist: run "npm run build" first`);
  const settings = mappingSettings();
  const port = await freePort();
  const dynalite = spawn(
    join(root, "node_modules", ".bin", "dynalite"),
    ["--port", String(port), "--host", "127.0.0.1", "--createTableMs", "0"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await new Promise((resolve, reject) => {
      dynalite.stdout.once("data", resolve);
      dynalite.once("exit", (code) => reject(new Error(`dynalite exited (${code})`)));
    });
    const { DynamoDBClient, CreateTableCommand } = require("@aws-sdk/client-dynamodb");
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      ORDERS_TABLE_NAME: TABLE,
      POWERTOOLS_SERVICE_NAME: "process-order",
      // What Lambda sets, so the log line carries the fields it has on AWS.
      AWS_LAMBDA_FUNCTION_NAME: "orders-dev-ProcessOrderLambda",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      _X_AMZN_TRACE_ID:
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=1:b3d8a1ac:0",
    };
    const client = new DynamoDBClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    });
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: "orderId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "orderId", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    client.destroy();

    const self = fileURLToPath(import.meta.url);
    // The bytes of one invocation's lines: the function's own line for the record, and the metrics
    // document (EMF, one an invocation, written by Powertools Metrics whatever the log level).
    const probeLines = (kind) => {
      const run = spawnSync(process.execPath, [self, "--probe", kind], { env, encoding: "utf8", timeout: 60_000 });
      if (run.status !== 0) throw new Error(`the ${kind} probe failed: ${run.stderr}`);
      // Powertools writes warnings and errors to stderr, the rest to stdout: Lambda sends both to the log group.
      const lines = `${run.stdout}\n${run.stderr}`.split("\n").filter((l) => l.trim().startsWith("{"));
      const isEmf = (l) => typeof JSON.parse(l)._aws === "object";
      const own = lines.filter((l) => !isEmf(l));
      const emf = lines.filter(isEmf);
      if (own.length === 0) throw new Error(`the ${kind} probe logged no line of its own`);
      const bytes = (ls) => ls.reduce((n, l) => n + Buffer.byteLength(l), 0);
      return { own: bytes(own), emf: bytes(emf) };
    };
    const stored = probeLines("stored");
    const logLineBytes = {
      stored: stored.own,
      rejected: probeLines("rejected").own,
      metricsDocument: stored.emf,
    };

    const load = loadavg()[0];
    const resultsFile = join(root, "bench-out", "capacity-worker.json");
    mkdirSync(join(root, "bench-out"), { recursive: true });
    const run = spawnSync(process.execPath, [self, "--worker", resultsFile, JSON.stringify(settings)], {
      env,
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 300_000,
    });
    if (run.status !== 0) throw new Error(`the measuring child failed (${run.status ?? run.signal})`);
    const measured = JSON.parse(readFileSync(resultsFile, "utf8"));
    const result = {
      measuredAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? "unknown",
        loadAverageBefore: round(load, 2),
        loadAverageAfter: round(loadavg()[0], 2),
        node: process.version,
      },
      note:
        `the built function on one core of this machine, dynalite (the local DynamoDB, not AWS's) in another ` +
        `process; ${RATE_SECONDS} s per rate with ${settings.concurrency} batches of up to ${settings.batchSize} at once ` +
        `(${settings.stack ?? "construct defaults"}); the load average (1 min) was ${round(load, 2)} before, on ` +
        `${cpus().length} cores shared with other work`,
      mapping: settings,
      cpuModel: measured.cpuModel,
      logLineBytes,
      batches: measured.batches,
      rates: measured.rates,
      backlogGrowsFromPerSecond: measured.backlogGrowsFromPerSecond,
      ...(settings.window > 0
        ? {}
        : { skipped: "batch size 100: the mapping has no batching window, so a batch holds at most 10 records" }),
    };
    writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    dynalite.kill("SIGKILL");
  }
}

const args = process.argv.slice(2);
const done = (promise) =>
  promise.then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
if (args[0] === "--worker") done(worker(args[1], JSON.parse(args[2])));
else if (args[0] === "--probe") done(probe(args[1]));
else done(main(args[0] ?? join(root, "estimate", "measured.json")));
