import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { poisonOrder, sampleOrder } from "../contract/samples";
import { ORDER_METRIC_NAMES } from "../contract/metrics";
import { ORDER_METRIC_NAMES as CONSTRUCT_METRIC_NAMES } from "../constructs/defaults";
import { MAX_METRICS_READ_BYTES, sandboxDocuments, statusMain } from "../ops/status-command";
import { FakeCloudWatch, metricDataAnswer, startFakeCloudWatch, startFakeSqs } from "./support/fake-json-service";
import { FaultServer, startFaultProxy } from "./support/fault-servers";
import { recordingIo } from "./support/io";
import { LocalSqs, startLocalSqs } from "./support/local-sqs";

/**
 * `npm run status` on a deployed stack's outputs: SQS is local-aws-sqs, CloudWatch a listener on
 * 127.0.0.1 speaking CloudWatch's JSON protocol (no local CloudWatch exists), both named by the
 * outputs file as endpoints. The sandbox's side is in ops-status-sandbox.e2e.test.ts.
 */

let local: LocalSqs;
let cloudWatch: FakeCloudWatch;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-status-"));
let n = 0;

/** What the deployed stack's outputs name for CloudWatch. */
const NAMESPACE = "order-pipeline/orders-dev";
const DIMENSIONS = { service: "process-order", environment: "dev" };
const ALARM_PREFIX = "orders-dev-Alarms";

/** CloudWatch with 42 s oldest age, a quiet window's counts, and no alarm in ALARM. */
const QUIET = {
  GetMetricData: () =>
    metricDataAnswer({
      oldest: [42, 30],
      stored: [7],
      duplicate: [1],
      rejected: [0],
      failed: [0],
      p50: [35],
      p99: [120],
    }),
  DescribeAlarms: () => ({ MetricAlarms: [], CompositeAlarms: [] }),
};

beforeAll(async () => {
  local = await startLocalSqs();
  cloudWatch = await startFakeCloudWatch();
});

afterAll(async () => {
  await cloudWatch.stop();
  await local.stop();
});

beforeEach(() => {
  cloudWatch.answers = { ...QUIET };
  cloudWatch.requests.length = 0;
});

/** A queue and its DLQ on `endpoint`, and a deployed stack's outputs file naming them (the SQS endpoint given by `sqsEndpoint`). */
async function stackOutputs(sqsEndpoint = local.endpoint): Promise<{ dlqUrl: string; outputs: string }> {
  n++;
  const queue = await local.sqs.send(new CreateQueueCommand({ QueueName: `status-${n}` }));
  const dlq = await local.sqs.send(new CreateQueueCommand({ QueueName: `status-${n}-dlq` }));
  const outputs = path.join(dir, `outputs-${n}.json`);
  const rewrite = (url: string): string => url.replace(local.endpoint, sqsEndpoint);
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      "orders-dev": {
        queue_url: rewrite(queue.QueueUrl!),
        dlq_url: rewrite(dlq.QueueUrl!),
        metrics_namespace: NAMESPACE,
        metrics_dimensions: JSON.stringify(DIMENSIONS),
        alarm_name_prefix: ALARM_PREFIX,
        aws_region: "us-east-1",
        aws_endpoint_url_sqs: sqsEndpoint,
        aws_endpoint_url_cloudwatch: cloudWatch.endpoint,
      },
    }),
  );
  return { dlqUrl: dlq.QueueUrl!, outputs };
}

/** Sets output `name` of the outputs file's stack to `value`, or removes it (undefined). */
function setOutput(outputs: string, name: string, value: string | undefined): void {
  const file = JSON.parse(fs.readFileSync(outputs, "utf8"));
  if (value === undefined) delete file["orders-dev"][name];
  else file["orders-dev"][name] = value;
  fs.writeFileSync(outputs, JSON.stringify(file));
}

describe("npm run status on a deployed stack", () => {
  test("exits 0 and shows the queues, the oldest age, the last minutes' outcomes and no alarm when healthy", async () => {
    const { outputs } = await stackOutputs();
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(0);
    expect(io.out()).toBe(
      [
        "queue:  0 visible, 0 in flight, oldest 42 s",
        "DLQ:    0 message(s)",
        "orders: last 5 min: 7 stored, 1 duplicate, 0 rejected, 0 failed; latency p50 35 ms, p99 120 ms",
        "alarms: none in ALARM",
        "status: healthy",
        "",
      ].join("\n"),
    );
  });

  test("asks CloudWatch for the stack's metrics by the contract's names and for its alarms in ALARM by prefix", async () => {
    const { outputs } = await stackOutputs();
    await statusMain(["--outputs", outputs, "--minutes", "10"], recordingIo());
    const data = cloudWatch.requests.find((r) => r.operation === "GetMetricData")!.body as {
      MetricDataQueries: {
        Id: string;
        MetricStat: { Metric: Record<string, unknown>; Period: number; Stat: string };
      }[];
      StartTime: number;
      EndTime: number;
    };
    const dimensions = [
      { Name: "service", Value: "process-order" },
      { Name: "environment", Value: "dev" },
    ];
    const business = (name: string, stat: string) => ({
      Metric: { Namespace: NAMESPACE, MetricName: name, Dimensions: dimensions },
      Period: 600,
      Stat: stat,
    });
    expect(Object.fromEntries(data.MetricDataQueries.map((q) => [q.Id, q.MetricStat]))).toEqual({
      oldest: {
        Metric: {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateAgeOfOldestMessage",
          Dimensions: [{ Name: "QueueName", Value: `status-${n}` }],
        },
        Period: 60,
        Stat: "Maximum",
      },
      stored: business(ORDER_METRIC_NAMES.stored, "Sum"),
      duplicate: business(ORDER_METRIC_NAMES.duplicate, "Sum"),
      rejected: business(ORDER_METRIC_NAMES.rejected, "Sum"),
      failed: business(ORDER_METRIC_NAMES.failed, "Sum"),
      p50: business(ORDER_METRIC_NAMES.latency, "p50"),
      p99: business(ORDER_METRIC_NAMES.latency, "p99"),
    });
    expect(data.EndTime - data.StartTime).toBe(600);
    expect(cloudWatch.requests.find((r) => r.operation === "DescribeAlarms")!.body).toMatchObject({
      AlarmNamePrefix: ALARM_PREFIX,
      StateValue: "ALARM",
      AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
    });
  });

  test("asks for whole minutes up to the end of the current one, newest first", async () => {
    const { outputs } = await stackOutputs();
    const before = Date.now() / 1000;
    await statusMain(["--outputs", outputs], recordingIo());
    const data = cloudWatch.requests.find((r) => r.operation === "GetMetricData")!.body as Record<string, unknown>;
    const end = data.EndTime as number;
    expect({ whole: end % 60, scan: data.ScanBy }).toEqual({ whole: 0, scan: "TimestampDescending" });
    expect(end).toBeGreaterThan(before);
    expect(end).toBeLessThanOrEqual(before + 120);
  });

  test("lists the alarms in ALARM of every page, composite ones too, sorted by name", async () => {
    let page = 0;
    cloudWatch.answers.DescribeAlarms = () =>
      page++ === 0
        ? { MetricAlarms: [{ AlarmName: "b-errors", StateReason: "2 > 0" }], NextToken: "next" }
        : { CompositeAlarms: [{ AlarmName: "a-pipeline" }] };
    const { outputs } = await stackOutputs();
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(1);
    expect(io.out().split("\n").slice(3, 6)).toEqual([
      "alarms: 2 in ALARM (docs/runbook.md)",
      "  a-pipeline: ",
      "  b-errors: 2 > 0",
    ]);
    expect(cloudWatch.requests.filter((r) => r.operation === "DescribeAlarms").map((r) => r.body.NextToken)).toEqual([
      undefined,
      "next",
    ]);
  });

  test("reads at most 5 pages of alarms", async () => {
    cloudWatch.answers.DescribeAlarms = () => ({
      MetricAlarms: [{ AlarmName: "x", StateReason: "r" }],
      NextToken: "more",
    });
    const { outputs } = await stackOutputs();
    await statusMain(["--outputs", outputs], recordingIo());
    expect(cloudWatch.requests.filter((r) => r.operation === "DescribeAlarms")).toHaveLength(5);
  });

  test("reads the metric names the dashboard and alarms use", () => {
    expect(ORDER_METRIC_NAMES).toEqual(CONSTRUCT_METRIC_NAMES);
  });

  test("exits 1 and names each alarm in ALARM with its reason", async () => {
    cloudWatch.answers.DescribeAlarms = () => ({
      MetricAlarms: [
        { AlarmName: `${ALARM_PREFIX}-orders-rejected`, StateValue: "ALARM", StateReason: "Threshold Crossed: 3 > 0" },
      ],
      CompositeAlarms: [],
    });
    const { outputs } = await stackOutputs();
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(1);
    expect(io.out().split("\n").slice(3)).toEqual([
      "alarms: 1 in ALARM (docs/runbook.md)",
      `  ${ALARM_PREFIX}-orders-rejected: Threshold Crossed: 3 > 0`,
      "status: UNHEALTHY",
      "",
    ]);
  });

  test("counts the outcomes CloudWatch has data for, and the others as 0", async () => {
    cloudWatch.answers.GetMetricData = () => metricDataAnswer({ oldest: [5], stored: [4, 2], p50: [30], p99: [90] });
    const { outputs } = await stackOutputs();
    const io = recordingIo();
    await statusMain(["--outputs", outputs], io);
    expect(io.out().split("\n")[2]).toBe(
      "orders: last 5 min: 6 stored, 0 duplicate, 0 rejected, 0 failed; latency p50 30 ms, p99 90 ms",
    );
  });

  test("says no invocations and n/a for the oldest age when CloudWatch has no data in the window", async () => {
    cloudWatch.answers.GetMetricData = () => metricDataAnswer({});
    const { outputs } = await stackOutputs();
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(0);
    expect(io.out().split("\n").slice(0, 3)).toEqual([
      "queue:  0 visible, 0 in flight, oldest n/a (no data in the last 5 min)",
      "DLQ:    0 message(s)",
      "orders: last 5 min: no invocations",
    ]);
  });

  test("exits 1 and shows the newest dead letter with why it failed when the DLQ holds one", async () => {
    const { dlqUrl, outputs } = await stackOutputs();
    await local.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(poisonOrder()) }));
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(1);
    const lines = io.out().split("\n");
    expect(lines[1]).toBe("DLQ:    1 message(s): a person needs to look (npm run dlq -- list)");
    expect(lines[2]).toMatch(/InvalidOrderError: invalid order: /);
    expect(lines.at(-2)).toBe("status: UNHEALTHY");
  });

  test("counts a dead letter being read (in flight) in the DLQ's depth", async () => {
    // An SQS stand-in: local-aws-sqs counts hidden messages among the visible ones too.
    const sqs = await startFakeSqs({
      GetQueueAttributes: () => ({
        Attributes: { ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "1" },
      }),
    });
    try {
      const { outputs } = await stackOutputs(sqs.endpoint);
      const io = recordingIo();
      expect(await statusMain(["--outputs", outputs], io)).toBe(1);
      expect(io.out().split("\n").slice(0, 2)).toEqual([
        "queue:  0 visible, 1 in flight, oldest 42 s",
        "DLQ:    1 message(s): a person needs to look (npm run dlq -- list)",
      ]);
    } finally {
      await sqs.stop();
    }
  });

  test("shows a dead letter that is a valid order by its orderId", async () => {
    const { dlqUrl, outputs } = await stackOutputs();
    const order = sampleOrder();
    await local.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(order) }));
    const io = recordingIo();
    await statusMain(["--outputs", outputs], io);
    expect(io.out().split("\n")[2]).toMatch(new RegExp(`^ {2}\\S+ {2}\\S+ {2}orderId ${order.orderId}$`));
  });

  test("exits 2 naming the output when the outputs file lacks a queue, which no flag replaces", async () => {
    const { outputs } = await stackOutputs();
    setOutput(outputs, "dlq_url", undefined);
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(2);
    expect(io.err().split("\n")[0]).toBe(
      `dlq_url in ${outputs} (stack orders-dev) is missing: is --outputs the file of a deployed stack or of the sandbox?`,
    );
  });

  test("exits 1 with one line naming the endpoint within its timeout when SQS accepts connections and never answers", async () => {
    const stall: FaultServer = await startFaultProxy(local.endpoint, () => "stall");
    try {
      const { outputs } = await stackOutputs(stall.endpoint);
      const io = recordingIo();
      const started = Date.now();
      expect(await statusMain(["--outputs", outputs, "--timeout", "2"], io)).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(io.err()).toMatch(
        /^SQS at http:\/\/127\.0\.0\.1:\d+ did not answer GetQueueAttributes within 2 s \(--timeout 2\)\n$/,
      );
    } finally {
      await stall.stop();
    }
  });

  test("exits 1 within its timeout with one line naming CloudWatch's endpoint when CloudWatch never answers", async () => {
    const stall: FaultServer = await startFaultProxy(cloudWatch.endpoint, () => "stall");
    try {
      const { outputs } = await stackOutputs();
      setOutput(outputs, "aws_endpoint_url_cloudwatch", stall.endpoint);
      const io = recordingIo();
      const started = Date.now();
      expect(await statusMain(["--outputs", outputs, "--timeout", "2"], io)).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(io.err()).toMatch(
        /^CloudWatch at http:\/\/127\.0\.0\.1:\d+ did not answer (GetMetricData|DescribeAlarms) within 2 s \(--timeout 2\)\n$/,
      );
    } finally {
      await stall.stop();
    }
  });

  test.each(["GetMetricData", "DescribeAlarms"])(
    "exits 1 with one line naming CloudWatch's endpoint when CloudWatch refuses %s",
    async (operation) => {
      cloudWatch.answers[operation] = () => ({
        status: 403,
        body: { __type: "com.amazon.coral.service#AccessDeniedException", message: "not allowed" },
      });
      const { outputs } = await stackOutputs();
      const io = recordingIo();
      expect(await statusMain(["--outputs", outputs], io)).toBe(1);
      expect(io.out()).toBe("");
      expect(io.err()).toBe(
        `CloudWatch refused ${operation}: AccessDeniedException: not allowed (HTTP 403 from ${cloudWatch.endpoint})\n`,
      );
    },
  );

  test("exits 2 naming the output when a deployed stack's outputs lack the metrics namespace", async () => {
    const outputs = path.join(dir, "old-outputs.json");
    fs.writeFileSync(
      outputs,
      JSON.stringify({
        "orders-dev": {
          queue_url: "https://sqs.us-east-1.amazonaws.com/123456789012/orders-dev-OrderQueue",
          dlq_url: "https://sqs.us-east-1.amazonaws.com/123456789012/orders-dev-OrderQueueDLQ",
        },
      }),
    );
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs, "--stack", "orders-dev"], io)).toBe(2);
    expect(io.err()).toBe(
      `metrics_namespace in ${outputs} (stack orders-dev) is missing: redeploy the stack ("npm run deploy") to add it, ` +
        'or use "npm run dlq -- list"\nSee "npm run status -- --help".\n',
    );
  });

  test("exits 2 naming the option, its range and the value given for a bad --newest", async () => {
    const io = recordingIo();
    expect(await statusMain(["--newest", "99"], io)).toBe(2);
    expect(io.err()).toBe(
      '--newest must be an integer between 0 and 20 (given "99")\nSee "npm run status -- --help".\n',
    );
  });
});

/** An EMF document of the function's, `minutesAgo` minutes old, with these outcome counts and latencies. */
function emf(minutesAgo: number, stored: number, latencies: number[]): string {
  return JSON.stringify({
    _aws: { Timestamp: Date.now() - minutesAgo * 60_000 },
    [ORDER_METRIC_NAMES.stored]: stored,
    [ORDER_METRIC_NAMES.duplicate]: 1,
    [ORDER_METRIC_NAMES.rejected]: 0,
    [ORDER_METRIC_NAMES.failed]: 0,
    [ORDER_METRIC_NAMES.latency]: latencies,
  });
}

/** A queue and its DLQ on local-aws-sqs, and a sandbox's outputs file naming them and `metricsFile`. */
async function sandboxOutputs(metricsFile: string): Promise<string> {
  n++;
  const queue = await local.sqs.send(new CreateQueueCommand({ QueueName: `sandbox-${n}` }));
  const dlq = await local.sqs.send(new CreateQueueCommand({ QueueName: `sandbox-${n}-dlq` }));
  const outputs = path.join(dir, `sandbox-outputs-${n}.json`);
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      "orders-dev": {
        queue_url: queue.QueueUrl,
        dlq_url: dlq.QueueUrl,
        aws_region: "us-east-1",
        aws_endpoint_url_sqs: local.endpoint,
        local_metrics_file: metricsFile,
      },
    }),
  );
  return outputs;
}

describe("npm run status on the sandbox", () => {
  test("counts the outcomes of the metrics file's documents in the window, skipping other lines; no age, no alarms", async () => {
    const metrics = path.join(dir, "metrics.jsonl");
    const lines = [emf(10, 100, [999]), "START RequestId: x", '{"_aws": broken', emf(1, 3, [10, 20, 30])];
    fs.writeFileSync(metrics, `${lines.join("\n")}\n`);
    const io = recordingIo();
    expect(await statusMain(["--outputs", await sandboxOutputs(metrics)], io)).toBe(0);
    expect(io.out()).toBe(
      [
        "queue:  0 visible, 0 in flight, oldest n/a on the sandbox (a CloudWatch metric)",
        "DLQ:    0 message(s)",
        "orders: last 5 min: 3 stored, 1 duplicate, 0 rejected, 0 failed; latency p50 20 ms, p99 30 ms",
        "alarms: n/a on the sandbox (no CloudWatch)",
        "status: healthy",
        "",
      ].join("\n"),
    );
  });

  test("says no invocations when the metrics file holds none in the window", async () => {
    const metrics = path.join(dir, "old-metrics.jsonl");
    fs.writeFileSync(metrics, `${emf(10, 100, [999])}\n`);
    const io = recordingIo();
    await statusMain(["--outputs", await sandboxOutputs(metrics)], io);
    expect(io.out().split("\n")[2]).toBe("orders: last 5 min: no invocations");
  });

  test("exits 2 when the outputs name an empty metrics file", async () => {
    const io = recordingIo();
    expect(await statusMain(["--outputs", await sandboxOutputs("")], io)).toBe(2);
    expect(io.err().split("\n")[0]).toBe("local_metrics_file must not be empty");
  });
});

describe("the sandbox's metrics file", () => {
  test("that does not exist is named, with the likely cause", () => {
    const file = path.join(dir, "none.jsonl");
    expect(() => sandboxDocuments(file, 0)).toThrow(
      `the sandbox's metrics file ${file} does not exist: is "npm run sandbox" running? It rewrites the outputs file each start`,
    );
  });

  test("that cannot be opened is named with the system's code", () => {
    const file = path.join(dir, "metrics.jsonl", "below");
    expect(() => sandboxDocuments(file, 0)).toThrow(`the sandbox's metrics file ${file} cannot be read (ENOTDIR)`);
  });

  test("that is not a regular file is refused", () => {
    expect(() => sandboxDocuments(dir, 0)).toThrow(`the sandbox's metrics file ${dir} is not a regular file`);
  });

  test("under the limit is read whole: its first line counts, and a document exactly at the window's start", () => {
    const file = path.join(dir, "small.jsonl");
    const since = Date.now() - 60_000;
    const first = JSON.stringify({ _aws: { Timestamp: since }, [ORDER_METRIC_NAMES.stored]: 1 });
    fs.writeFileSync(file, `${first}\n${emf(0, 2, [3])}\n`);
    expect(sandboxDocuments(file, since).map((d) => d[ORDER_METRIC_NAMES.stored])).toEqual([1, 2]);
  });

  test("is closed once read", () => {
    const file = path.join(dir, "closed.jsonl");
    fs.writeFileSync(file, `${emf(0, 1, [1])}\n`);
    const before = fs.readdirSync("/proc/self/fd").length;
    sandboxDocuments(file, 0);
    expect(fs.readdirSync("/proc/self/fd").length).toBe(before);
  });

  test("is read from its end only when it is larger than the limit, dropping the cut first line", () => {
    const file = path.join(dir, "large.jsonl");
    const last = emf(0, 5, [1]);
    // The first line, longer than the limit, ends with a whole document: cut, its end would still parse.
    fs.writeFileSync(file, `${" ".repeat(MAX_METRICS_READ_BYTES)}${emf(0, 7, [2])}\n${last}\n`);
    expect(sandboxDocuments(file, 0)).toEqual([JSON.parse(last)]);
  });
});

describe("the metrics dimensions a deployed stack's outputs name", () => {
  test.each([
    ["not JSON", "{"],
    ["null", "null"],
    ["a list", '["a"]'],
    ["a string", '"a"'],
    ["no dimension", "{}"],
    ["31 dimensions", JSON.stringify(Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, "v"])))],
    ["a number value", '{"service":"process-order","environment":1}'],
    ["an empty value", '{"service":"process-order","environment":""}'],
  ])("are refused when %s", async (_label, dimensions) => {
    const { outputs } = await stackOutputs();
    setOutput(outputs, "metrics_dimensions", dimensions);
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(2);
    const first = io.err().split("\n")[0];
    // The value is quoted as every message quotes one (cut past 80 characters).
    expect(first.slice(0, first.indexOf(" (given "))).toBe(
      `metrics_dimensions in ${outputs} (stack orders-dev) must be a JSON object of 1-30 dimensions such as ` +
        `{"service":"process-order","environment":"dev"}`,
    );
  });

  test("quote the value given when refused", async () => {
    const { outputs } = await stackOutputs();
    setOutput(outputs, "metrics_dimensions", "[]");
    const io = recordingIo();
    await statusMain(["--outputs", outputs], io);
    expect(io.err().split("\n")[0]).toMatch(/ \(given "\[\]"\)$/);
  });

  test.each([
    ["one", { service: "process-order" }],
    ["30", Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`, "v"]))],
  ])("are taken with %s dimension(s)", async (_label, dimensions) => {
    const { outputs } = await stackOutputs();
    setOutput(outputs, "metrics_dimensions", JSON.stringify(dimensions));
    expect(await statusMain(["--outputs", outputs], recordingIo())).toBe(0);
  });
});
