import * as fs from "fs";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  MetricDataQuery,
  MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { AwsCaller, Deadline, queueUrlProblem } from "../cli/aws";
import { CommandIo, EXIT, UsageError, errorText, numberOption, runCommand } from "../cli/cli";
import { LOCAL_METRICS_OUTPUT } from "../cli/outputs";
import { cutText, quote } from "../config/input";
import { projectRoot } from "../config/project";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import {
  EmfDocument,
  ORDER_METRIC_NAMES,
  OUTCOMES,
  Outcome,
  countsText,
  emfDocumentOf,
  latencyText,
  percentile,
  summarize,
} from "../contract/metrics";
import { DeadLetter, peek } from "./dlq-command";
import { Target } from "./target";

export const STATUS_COMMAND = "npm run status";

export const STATUS_HELP = `Usage: npm run status -- [options]

One screen of a deployed stack's (or the sandbox's) health:
  queue    visible and in-flight messages, and the oldest message's age (CloudWatch's
           ApproximateAgeOfOldestMessage: SQS itself does not tell it; n/a on the sandbox, which
           has no CloudWatch and cannot see a message's age without receiving it)
  DLQ      its depth and its newest dead letters with the reason each failed
  orders   the outcome counts of the last minutes (stored, duplicate, rejected, failed) and the
           latency p50/p99, from the function's metrics: CloudWatch GetMetricData when deployed,
           the EMF documents the sandbox keeps (its output local_metrics_file) on the sandbox
  alarms   the stack's alarms in ALARM (CloudWatch DescribeAlarms; n/a on the sandbox)
Unhealthy, exit 1: a message in the DLQ, or any alarm of the stack in ALARM. The counts and ages
are shown, not judged: the alarms judge them, with the thresholds of the environment.
(Listing the newest dead letters receives each once, as "npm run dlq -- list" does: its receive
count goes up by one.)

Options:
  --outputs <file>        stack outputs: outputs.json from "npm run deploy" (the default), or
                          outputs.local.json from "npm run sandbox" (its endpoints included)
  --stack <name>          the stack in that file (default: ${DEFAULT_STACK_HELP})
  --newest <n>            dead letters to show, 0-20 (default 5)
  --minutes <n>           the window of the outcome counts, 1-180 minutes (default 5)
  --timeout <s>           give up after this many seconds, every call included, 1-300 (default 30)

Exit codes: 0 healthy, 1 unhealthy (or AWS unreachable, or no answer in time), 2 bad input.
`;

const OPTIONS = {
  stack: { type: "string" },
  outputs: { type: "string" },
  newest: { type: "string" },
  minutes: { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The most of the sandbox's metrics file read: its end (the file is in time order; the sandbox keeps it smaller). */
export const MAX_METRICS_READ_BYTES = 16 * 1024 * 1024;

/** Pages of alarms read at most (100 each): a stack has a handful. */
const MAX_ALARM_PAGES = 5;

/** What the status screen shows of one queue. */
export interface QueueStatus {
  readonly visible: number;
  readonly inFlight: number;
}

/** The outcome counts and latency percentiles of the window, or undefined when no invocation reported any. */
export interface OrdersStatus {
  readonly counts: Readonly<Record<Outcome, number>>;
  readonly p50?: number;
  readonly p99?: number;
}

/** An alarm in ALARM. */
export interface FiringAlarm {
  readonly name: string;
  readonly reason: string;
}

/** Everything the screen shows; `undefined` where the source has no such figure (n/a and why). */
export interface StatusFigures {
  readonly queue: QueueStatus;
  readonly dlq: QueueStatus;
  readonly letters: readonly DeadLetter[];
  /** Seconds, or why there is none. */
  readonly oldestAge: number | string;
  readonly minutes: number;
  readonly orders: OrdersStatus | undefined;
  /** The alarms in ALARM, or why they cannot be known. */
  readonly alarms: readonly FiringAlarm[] | string;
}

/** The screen's lines and whether the stack is healthy: DLQ empty and no alarm in ALARM. */
export function statusScreen(figures: StatusFigures): { readonly lines: string[]; readonly healthy: boolean } {
  const { queue, dlq, letters, oldestAge, minutes, orders, alarms } = figures;
  const depth = dlq.visible + dlq.inFlight;
  const firing = typeof alarms === "string" ? [] : alarms;
  const healthy = depth === 0 && firing.length === 0;
  const oldest = typeof oldestAge === "number" ? `oldest ${Math.round(oldestAge)} s` : `oldest ${oldestAge}`;
  const lines = [
    `queue:  ${queue.visible} visible, ${queue.inFlight} in flight, ${oldest}`,
    `DLQ:    ${depth} message(s)${depth > 0 ? ": a person needs to look (npm run dlq -- list)" : ""}`,
    ...letters.map(
      (l) => `  ${l.firstSeen}  ${l.messageId}  ${l.orderId !== undefined ? `orderId ${l.orderId}` : l.reason}`,
    ),
    `orders: last ${minutes} min: ${
      orders ? `${countsText(orders.counts)}; ${latencyText(orders.p50, orders.p99)}` : "no invocations"
    }`,
    typeof alarms === "string"
      ? `alarms: ${alarms}`
      : `alarms: ${firing.length === 0 ? "none in ALARM" : `${firing.length} in ALARM (docs/runbook.md)`}`,
    ...firing.map((a) => `  ${a.name}: ${cutText(a.reason)}`),
    `status: ${healthy ? "healthy" : "UNHEALTHY"}`,
  ];
  return { lines, healthy };
}

async function queueStatus(client: SQSClient, caller: AwsCaller, queueUrl: string): Promise<QueueStatus> {
  const { Attributes } = await caller.call("GetQueueAttributes", (options) =>
    client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
      options,
    ),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Where a deployed stack's figures are in CloudWatch (from its outputs). */
interface CloudWatchSource {
  readonly namespace: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly alarmNamePrefix: string;
  readonly queueName: string;
}

/** Why `value` is not a JSON object of 1-30 dimension names to non-empty strings, or undefined. */
function dimensionsProblem(value: string, field: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // Not JSON: parsed stays undefined, which the check refuses.
  }
  const ok =
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.keys(parsed).length >= 1 &&
    Object.keys(parsed).length <= 30 &&
    Object.values(parsed).every((v) => typeof v === "string" && v !== "");
  return ok
    ? undefined
    : `${field} must be a JSON object of 1-30 dimensions such as {"service":"process-order","environment":"dev"} ` +
        `(given ${quote(value)})`;
}

/** The whole minute at or before `ms`. */
const minuteOf = (ms: number): Date => new Date(Math.floor(ms / 60_000) * 60_000);

/** The newest value of a result (results are asked newest first), or undefined. */
const newest = (result: MetricDataResult | undefined): number | undefined => result?.Values?.[0];

/** The figures CloudWatch has: the oldest message's age, the outcome metrics of the window, the alarms in ALARM. */
async function cloudWatchFigures(
  client: CloudWatchClient,
  caller: AwsCaller,
  source: CloudWatchSource,
  minutes: number,
): Promise<Pick<StatusFigures, "oldestAge" | "orders" | "alarms">> {
  // The window ends at the next whole minute, so the current minute's data counts.
  const end = minuteOf(Date.now() + 60_000);
  const start = new Date(end.getTime() - minutes * 60_000);
  const dimensions = Object.entries(source.dimensions).map(([Name, Value]) => ({ Name, Value }));
  const business = (id: string, name: string, stat: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: source.namespace, MetricName: name, Dimensions: dimensions },
      Period: minutes * 60,
      Stat: stat,
    },
  });
  const queries: MetricDataQuery[] = [
    {
      Id: "oldest",
      MetricStat: {
        Metric: {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateAgeOfOldestMessage",
          Dimensions: [{ Name: "QueueName", Value: source.queueName }],
        },
        Period: 60,
        Stat: "Maximum",
      },
    },
    ...OUTCOMES.map((o) => business(o, ORDER_METRIC_NAMES[o], "Sum")),
    business("p50", ORDER_METRIC_NAMES.latency, "p50"),
    business("p99", ORDER_METRIC_NAMES.latency, "p99"),
  ];
  const [data, alarms] = await Promise.all([
    caller.call("GetMetricData", (options) =>
      client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: start,
          EndTime: end,
          ScanBy: "TimestampDescending",
        }),
        options,
      ),
    ),
    firingAlarms(client, caller, source.alarmNamePrefix),
  ]);
  const results = new Map((data.MetricDataResults ?? []).map((r) => [r.Id, r]));
  const reported = OUTCOMES.some((o) => (results.get(o)?.Values?.length ?? 0) > 0);
  const sum = (o: Outcome): number => (results.get(o)?.Values ?? []).reduce((a, b) => a + b, 0);
  const oldest = newest(results.get("oldest"));
  return {
    oldestAge: oldest ?? `n/a (no data in the last ${minutes} min)`,
    orders: reported
      ? {
          counts: Object.fromEntries(OUTCOMES.map((o) => [o, sum(o)])) as Record<Outcome, number>,
          p50: newest(results.get("p50")),
          p99: newest(results.get("p99")),
        }
      : undefined,
    alarms,
  };
}

async function firingAlarms(client: CloudWatchClient, caller: AwsCaller, prefix: string): Promise<FiringAlarm[]> {
  const firing: FiringAlarm[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_ALARM_PAGES; page++) {
    const answer = await caller.call("DescribeAlarms", (options) =>
      client.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: prefix,
          StateValue: "ALARM",
          AlarmTypes: ["MetricAlarm", "CompositeAlarm"],
          MaxRecords: 100,
          NextToken: nextToken,
        }),
        options,
      ),
    );
    for (const a of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])]) {
      firing.push({ name: a.AlarmName ?? "(unnamed)", reason: a.StateReason ?? "" });
    }
    nextToken = answer.NextToken;
    if (!nextToken) break;
  }
  return firing.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The EMF documents the sandbox kept in `file` since `sinceMs`: the end of the file only (at most
 * MAX_METRICS_READ_BYTES), a regular file only; lines that are not EMF documents are skipped.
 */
export function sandboxDocuments(file: string, sinceMs: number): EmfDocument[] {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === "ENOENT"
        ? `the sandbox's metrics file ${file} does not exist: is "npm run sandbox" running? It rewrites the outputs file each start`
        : `the sandbox's metrics file ${file} cannot be read (${code ?? (error as Error).message})`,
    );
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error(`the sandbox's metrics file ${file} is not a regular file`);
    const length = Math.min(stat.size, MAX_METRICS_READ_BYTES);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = fs.readSync(fd, buffer, read, length - read, stat.size - length + read);
      if (n === 0) break;
      read += n;
    }
    const lines = buffer.subarray(0, read).toString("utf8").split("\n");
    // Started in the middle of the file: its first line is cut.
    if (length < stat.size) lines.shift();
    return lines.map(emfDocumentOf).filter((d): d is EmfDocument => d !== undefined && d._aws.Timestamp >= sinceMs);
  } finally {
    fs.closeSync(fd);
  }
}

/** The sandbox's figures: the outcome counts of its kept EMF documents; no CloudWatch, so no age or alarms. */
function sandboxFigures(file: string, minutes: number): Pick<StatusFigures, "oldestAge" | "orders" | "alarms"> {
  const summary = summarize(sandboxDocuments(file, Date.now() - minutes * 60_000));
  return {
    oldestAge: "n/a on the sandbox (a CloudWatch metric)",
    orders:
      summary.invocations === 0
        ? undefined
        : {
            counts: summary.counts,
            p50: percentile(summary.latenciesMs, 50),
            p99: percentile(summary.latenciesMs, 99),
          },
    alarms: "n/a on the sandbox (no CloudWatch)",
  };
}

export async function statusMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return runCommand({ name: STATUS_COMMAND, help: STATUS_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    const newestCount = numberOption(values, "newest", 5, 0, 20)!;
    const minutes = numberOption(values, "minutes", 5, 1, 180)!;
    const timeoutSeconds = numberOption(values, "timeout", 30, 1, 300)!;
    const target = new Target(values, root);
    // No flag replaces them (status reads a whole stack): each is an output of every pipeline stack.
    const notAStack = "is --outputs the file of a deployed stack or of the sandbox?";
    const queueUrl = target.output("queue_url", notAStack, queueUrlProblem);
    const dlqUrl = target.output("dlq_url", notAStack, queueUrlProblem);
    // The sandbox names the file of its metrics; a deployed stack names where CloudWatch keeps them.
    const metricsFile = target.optional(LOCAL_METRICS_OUTPUT);
    const redeploy = 'redeploy the stack ("npm run deploy") to add it, or use "npm run dlq -- list"';
    const source: CloudWatchSource | undefined =
      metricsFile !== undefined
        ? undefined
        : {
            namespace: target.output("metrics_namespace", redeploy),
            dimensions: JSON.parse(target.output("metrics_dimensions", redeploy, dimensionsProblem)) as Record<
              string,
              string
            >,
            alarmNamePrefix: target.output("alarm_name_prefix", redeploy),
            queueName: new URL(queueUrl).pathname.split("/").pop()!,
          };
    if (metricsFile === "") throw new UsageError(`${LOCAL_METRICS_OUTPUT} must not be empty`);

    const sqsSettings = target.client("sqs", queueUrl);
    const cloudWatchSettings = source ? target.client("cloudwatch", queueUrl) : undefined;
    // --timeout bounds every call together; each call also has the clients' own timeouts.
    const deadline = new Deadline(timeoutSeconds);
    const sqsCaller = new AwsCaller("sqs", sqsSettings, deadline);
    const sqsClient = new SQSClient(sqsSettings);
    const cloudWatch = cloudWatchSettings && {
      client: new CloudWatchClient(cloudWatchSettings),
      caller: new AwsCaller("cloudwatch", cloudWatchSettings, deadline),
    };
    try {
      const [queue, dlq, measured] = await Promise.all([
        queueStatus(sqsClient, sqsCaller, queueUrl),
        queueStatus(sqsClient, sqsCaller, dlqUrl),
        source && cloudWatch ? cloudWatchFigures(cloudWatch.client, cloudWatch.caller, source, minutes) : undefined,
      ]);
      const letters = dlq.visible > 0 && newestCount > 0 ? await peek(sqsClient, dlqUrl, newestCount, sqsCaller) : [];
      // Read after SQS answered: a stopped sandbox is named by its endpoint, not by its missing file.
      const figures = measured ?? sandboxFigures(metricsFile!, minutes);
      const { lines, healthy } = statusScreen({ queue, dlq, letters, minutes, ...figures });
      io.stdout.write(`${lines.join("\n")}\n`);
      return healthy ? EXIT.ok : EXIT.failed;
    } catch (error) {
      io.stderr.write(`${errorText(error)}\n`);
      return EXIT.failed;
    } finally {
      deadline.stop();
      sqsClient.destroy();
      cloudWatch?.client.destroy();
    }
  });
}
