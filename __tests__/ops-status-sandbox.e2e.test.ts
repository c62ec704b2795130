import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS } from "../cli/aws";
import { summarize } from "../contract/metrics";
import { poisonOrder, sampleOrder } from "../contract/samples";
import { sandboxDocuments, statusMain } from "../ops/status-command";
import { ROOT, RunningSandbox, lines } from "./support/commands";
import { recordingIo } from "./support/io";
import { RUN_FOLDER_VARIABLE } from "./support/run-folder";

/**
 * The sandbox's metrics and `npm run status` against it, end to end: the built sandbox (one start
 * for the file) runs the built function in a worker thread and keeps its EMF documents; orders are
 * published to its SNS; status reads its SQS and the kept documents. In order: a healthy stack
 * (an order stored, then published again: a duplicate), a poison order (rejected three times, then
 * in the DLQ), the sandbox stopped.
 */

type Outputs = Record<string, string>;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-status-sandbox-"));
const outputsFile = path.join(dir, "outputs.local.json");
/** The run's shared synth (jest's global setup); without it the sandbox synthesizes as npm run sandbox does. */
const runFolder = process.env[RUN_FOLDER_VARIABLE];

let sandbox: RunningSandbox;
let outputs: Outputs;
let sns: SNSClient;
let sqs: SQSClient;

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000) {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}:\n${sandbox.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The outcome counts of every EMF document the sandbox kept so far. */
const keptCounts = () => summarize(sandboxDocuments(outputs.local_metrics_file, 0)).counts;

/** The EMF documents (invocations) the sandbox kept so far. */
const keptInvocations = () => sandboxDocuments(outputs.local_metrics_file, 0).length;

/** Resolves once the queue holds no message, visible or in flight (the last invocation's deletes done). */
async function queueEmpty(): Promise<void> {
  await eventually("the queue empty", async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: outputs.queue_url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    const held =
      Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
    return held === 0 ? true : undefined;
  });
}

async function publish(order: Record<string, unknown>): Promise<void> {
  await sns.send(new PublishCommand({ TopicArn: outputs.topic_arn, Message: JSON.stringify(order) }));
}

/** The summary lines the sandbox printed, their figures summed. */
function printedSums(): {
  lines: number;
  invocations: number;
  stored: number;
  duplicate: number;
  rejected: number;
  failed: number;
} {
  const pattern =
    /^\d\d:\d\d:\d\d \S+ metrics, last 1 s: (\d+) invocation\(s\), (\d+) stored, (\d+) duplicate, (\d+) rejected, (\d+) failed; latency (p50 \d+ ms, p99 \d+ ms|n\/a \(nothing stored\))$/;
  const found = lines(sandbox.stdout)
    .map((l) => pattern.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  const sum = (i: number): number => found.reduce((total, m) => total + Number(m[i]), 0);
  return {
    lines: found.length,
    invocations: sum(1),
    stored: sum(2),
    duplicate: sum(3),
    rejected: sum(4),
    failed: sum(5),
  };
}

beforeAll(async () => {
  sandbox = await RunningSandbox.start(
    process.execPath,
    [
      path.join(ROOT, "dist", "local", "sandbox.js"),
      ...(runFolder ? ["--out", path.join(runFolder, "synth")] : []),
      "--outputs-file",
      outputsFile,
      "--visibility-timeout",
      "1",
      "--metrics-interval",
      "1",
    ],
    { cwd: ROOT },
  );
  const file = JSON.parse(fs.readFileSync(outputsFile, "utf8")) as Record<string, Outputs>;
  outputs = Object.values(file)[0];
  const config = { region: outputs.aws_region, credentials: LOCAL_CREDENTIALS };
  sns = new SNSClient({ ...config, endpoint: outputs.aws_endpoint_url_sns });
  sqs = new SQSClient({ ...config, endpoint: outputs.aws_endpoint_url_sqs });
}, 120_000);

afterAll(() => {
  sns?.destroy();
  sqs?.destroy();
  sandbox?.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run status against npm run sandbox", () => {
  test("exits 0 with the stored and duplicate orders counted from the function's EMF documents when healthy", async () => {
    const order = sampleOrder();
    await publish(order);
    await eventually("the order stored", () => (keptCounts().stored === 1 ? true : undefined));
    await publish(order);
    await eventually("the duplicate", () => (keptCounts().duplicate === 1 ? true : undefined));
    await queueEmpty();
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputsFile], io)).toBe(0);
    const screen = io.out().split("\n");
    expect(screen[0]).toMatch(/^queue: {2}0 visible, 0 in flight, oldest n\/a on the sandbox \(a CloudWatch metric\)$/);
    expect(screen.slice(1)).toEqual([
      "DLQ:    0 message(s)",
      expect.stringMatching(
        /^orders: last 5 min: 1 stored, 1 duplicate, 0 rejected, 0 failed; latency p50 \d+ ms, p99 \d+ ms$/,
      ),
      "alarms: n/a on the sandbox (no CloudWatch)",
      "status: healthy",
      "",
    ]);
    expect(io.err()).toBe("");
  });

  test("prints one metrics line per interval whose counts add up to the outcomes of every receive", async () => {
    await publish(poisonOrder());
    // Rejected at each of its three receives, then moved to the DLQ.
    await eventually("the poison order in the DLQ", async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: outputs.dlq_url, AttributeNames: ["ApproximateNumberOfMessages"] }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages) === 1 ? true : undefined;
    });
    const sums = await eventually("the summaries of every invocation", () => {
      const s = printedSums();
      return s.stored === 1 && s.duplicate === 1 && s.rejected === 3 ? s : undefined;
    });
    expect(sums).toMatchObject({ failed: 0, invocations: keptInvocations() });
    expect(sums.lines).toBeLessThanOrEqual(sums.invocations);
    expect(keptCounts()).toEqual({ stored: 1, duplicate: 1, rejected: 3, failed: 0 });
  });

  test("exits 1 showing the dead letter with why it failed and the rejections counted", async () => {
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputsFile], io)).toBe(1);
    const screen = io.out().split("\n");
    expect(screen[1]).toBe("DLQ:    1 message(s): a person needs to look (npm run dlq -- list)");
    expect(screen[2]).toMatch(/InvalidOrderError: invalid order: .*currency/);
    expect(screen[3]).toMatch(/^orders: last 5 min: 1 stored, 1 duplicate, 3 rejected, 0 failed; /);
    expect(screen.at(-2)).toBe("status: UNHEALTHY");
  });

  test("exits 1 within its deadline with one line naming the endpoint once the sandbox is stopped", async () => {
    const stopped = await sandbox.stop("SIGINT");
    expect(stopped.status).toBe(0);
    // Its metrics were in memory (no --data): their folder is gone with it.
    expect(fs.existsSync(outputs.local_metrics_file)).toBe(false);
    const io = recordingIo();
    const started = Date.now();
    expect(await statusMain(["--outputs", outputsFile, "--timeout", "5"], io)).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(io.out()).toBe("");
    expect(io.err()).toBe(
      `could not reach SQS at ${outputs.aws_endpoint_url_sqs} (ECONNREFUSED): is "npm run sandbox" running? ` +
        "It rewrites the outputs file each start\n",
    );
  });
});
