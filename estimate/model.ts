import * as fs from "fs";
import { displayPath } from "../config/project";
import { ConsumerModel } from "./synth";

/**
 * The usage side of the estimate: what a month of orders asks of each part, and the per-batch
 * duration model. Every assumption is a named value the command prints and a flag overrides.
 */

export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
export const GIB = 1024 ** 3;

/** Lambda gives a function one full vCPU at 1,769 MB and a proportional share below. */
export const FULL_VCPU_MB = 1_769;
export const FULL_VCPU_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html";

/** What scripts/bench-capacity.mjs wrote (estimate/measured.json). */
export interface Measurement {
  readonly measuredAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly model: string;
    readonly loadAverageBefore: number;
    readonly loadAverageAfter: number;
    readonly node: string;
  };
  readonly note: string;
  /** Least-squares fit of the handler's CPU time per batch: cpuMsPerBatch + cpuMsPerRecord x records. */
  readonly cpuModel: { readonly cpuMsPerBatch: number; readonly cpuMsPerRecord: number };
  /**
   * Bytes of the function's own log line per record, as written (before CloudWatch's 26 bytes an event),
   * and of the metrics document (EMF) an invocation writes when the function publishes metrics.
   */
  readonly logLineBytes: { readonly stored: number; readonly rejected: number; readonly metricsDocument: number };
  readonly batches: readonly {
    readonly batchSize: number;
    readonly batches: number;
    readonly wallMsMedian: number;
    readonly wallMsP90: number;
    readonly cpuMsPerBatchMedian: number;
    readonly cpuMsPerRecord: number;
  }[];
  readonly rates: readonly {
    readonly offeredPerSecond: number;
    readonly processedPerSecond: number;
    readonly backlogGrowthPerSecond: number;
  }[];
  /** The lowest offered rate whose backlog grew, on this machine. */
  readonly backlogGrowsFromPerSecond: number | null;
  readonly skipped?: string;
}

export function readMeasurement(file: string): Measurement {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Measurement;
  } catch (error) {
    throw new Error(
      `${displayPath(file)} must hold the bench's measurement (run "node scripts/bench-capacity.mjs"): ${(error as Error).message}`,
    );
  }
}

/** The usage assumptions; each has a flag. */
export interface Assumptions {
  readonly ordersPerDay: number;
  /** Bytes of one order as published (JSON). */
  readonly orderBytes: number;
  /** Months after launch the growth table covers. */
  readonly months: number;
  /** Share of orders a consumer rejects on every receive (they reach the DLQ). */
  readonly failureShare: number;
  /** Share of orders SQS delivers twice (at-least-once): a failed conditional write and a read each. */
  readonly duplicateShare: number;
  /** Pollers an idle mapping keeps long-polling. */
  readonly pollers: number;
  /** Empty receives an idle poller makes an hour (Lambda long-polls 20 s at a time). */
  readonly emptyReceivesPerPollerHour: number;
  /** Round trip of one ReceiveMessage that returns messages, ms. */
  readonly receiveMs: number;
  /** DynamoDB's round trip for one batch's writes (they run at once), ms: not measured here. */
  readonly dynamodbMs: number;
  /** A fixed duration per batch instead of the measured model, ms. */
  readonly batchMs?: number;
  /** A fixed average of records per invocation instead of the arrival model. */
  readonly recordsPerBatch?: number;
  /** Log bytes per stored order instead of the measured line. */
  readonly logBytesPerOrder?: number;
  /** Bytes of the metrics document (EMF) an invocation writes, instead of the measured one. */
  readonly metricsBytesPerInvocation?: number;
  /** Principals publishing to the topic (each asks KMS for its own data keys on an encrypted topic or queue). */
  readonly publishers: number;
  /** KMS requests a table's key costs an hour (DynamoDB's cached table key, refreshed). */
  readonly tableKeyRequestsPerHour: number;
  /** Bytes of Lambda's platform lines (START, END, REPORT) an invocation, when the system log level logs them. */
  readonly platformLogBytes: number;
  /** Lambda's concurrent executions for the account and region. */
  readonly accountConcurrency: number;
  /** Write units a second the table serves at once, instead of the stack's warm_throughput or a new table's. */
  readonly tableWarmWrites?: number;
  readonly freeTier: boolean;
}

/** CloudWatch Logs counts 26 bytes of metadata per log event. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;
/** SNS's JSON envelope around a message when raw delivery is off (AWS's published sample notification). */
export const SNS_ENVELOPE_BYTES = 935;
/** SQS and SNS bill every 64 KB chunk of a payload as one request. */
export const CHUNK_BYTES = 64 * 1024;
/** DynamoDB counts 100 bytes of overhead per stored item. */
export const DYNAMODB_ITEM_OVERHEAD_BYTES = 100;
/**
 * What the function stores beside the order: `_pipeline` with receivedAt (ISO time, 24 characters),
 * messageId and sqsMessageId (UUIDs, 36 each) and orderDigest (64 hex), names included
 * (functions/process-order/index.ts, storeOrder).
 */
export const PIPELINE_FIELDS_BYTES =
  "_pipeline".length +
  3 +
  ["receivedAt", "messageId", "sqsMessageId", "orderDigest"].reduce((n, k) => n + k.length, 0) +
  24 +
  36 +
  36 +
  64;

/** How long one batch of `records` runs, ms, and how that was decided. */
export function batchDurationMs(
  consumer: Pick<ConsumerModel, "memoryMb">,
  records: number,
  assumptions: Pick<Assumptions, "batchMs" | "dynamodbMs">,
  measurement: Measurement,
): number {
  if (assumptions.batchMs !== undefined) return assumptions.batchMs;
  const cpuScale = Math.max(1, FULL_VCPU_MB / consumer.memoryMb);
  const { cpuMsPerBatch, cpuMsPerRecord } = measurement.cpuModel;
  return assumptions.dynamodbMs + (cpuMsPerBatch + cpuMsPerRecord * records) * cpuScale;
}

/**
 * Average records an invocation gets: without a batching window a poller invokes with whatever
 * arrived during its last receive-and-invoke cycle, shared among the pollers; at least 1, at most the
 * batch size. Solved by iteration (the cycle depends on the batch).
 */
export function recordsPerBatch(
  consumer: Pick<ConsumerModel, "memoryMb" | "batchSize" | "maximumBatchingWindowSeconds">,
  assumptions: Assumptions,
  measurement: Measurement,
): number {
  if (assumptions.recordsPerBatch !== undefined) return assumptions.recordsPerBatch;
  const rate = assumptions.ordersPerDay / 86_400;
  let records = 1;
  for (let i = 0; i < 50; i++) {
    const cycleSeconds =
      (assumptions.receiveMs + batchDurationMs(consumer, records, assumptions, measurement)) / 1000 +
      consumer.maximumBatchingWindowSeconds;
    records = Math.min(consumer.batchSize, Math.max(1, (rate * cycleSeconds) / assumptions.pollers));
  }
  return records;
}
