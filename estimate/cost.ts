import {
  Assumptions,
  CHUNK_BYTES,
  DAYS_PER_MONTH,
  DYNAMODB_ITEM_OVERHEAD_BYTES,
  GIB,
  HOURS_PER_MONTH,
  LOG_EVENT_OVERHEAD_BYTES,
  Measurement,
  PIPELINE_FIELDS_BYTES,
  SECONDS_PER_MONTH,
  SNS_ENVELOPE_BYTES,
  batchDurationMs,
  recordsPerBatch,
} from "./model";
import { FreeTierKey, Price, PriceKey, PriceTable } from "./prices";
import { ConsumerModel, StackModel } from "./synth";

/** The order the lines print in: by service, along the order's path. */
export const LINE_ORDER = [
  "sns.publishes",
  "sqs.deliveries",
  "sqs.receives",
  "sqs.emptyReceives",
  "sqs.deletes",
  "sqs.dlq",
  "lambda.requests",
  "lambda.duration.arm64",
  "lambda.duration.x86_64",
  "dynamodb.writes",
  "dynamodb.duplicateReads",
  "dynamodb.storage",
  "dynamodb.pitr",
  "kms.keys",
  "kms.requests",
  "logs.ingestion",
  "logs.storage",
  "cloudwatch.alarms",
  "cloudwatch.dashboards",
  "cloudwatch.customMetrics",
];

/** One line of a monthly bill. */
export interface LineItem {
  readonly id: string;
  readonly label: string;
  readonly quantity: number;
  /** Quantity after the free tier (equal to quantity without --free-tier). */
  readonly billable: number;
  readonly unit: string;
  readonly price: PriceKey;
  /** USD per `per` units; null when the table has no price. */
  readonly usd: number | null;
  readonly per: number;
  /** Monthly cost; null when unpriced. */
  readonly cost: number | null;
  /** How the quantity was reached. */
  readonly basis: string;
}

export interface MonthlyCost {
  readonly month: number;
  readonly lines: readonly LineItem[];
  /** Sum of the priced lines. */
  readonly total: number;
  /** Line ids whose price the table lacks (left out of the total). */
  readonly unpriced: readonly string[];
  readonly ordersPerMonth: number;
}

interface Draft {
  id: string;
  label: string;
  quantity: number;
  unit: string;
  price: PriceKey;
  pool?: FreeTierKey;
  basis: string;
}

const fmt = (n: number): string =>
  Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** Stored size of one order as a DynamoDB item: the order plus the pipeline's fields. */
export function itemBytes(orderBytes: number): number {
  return orderBytes + PIPELINE_FIELDS_BYTES;
}

/** Per-consumer derived figures, shared by the cost lines and printed as the model's results. */
export interface ConsumerUsage {
  readonly consumer: ConsumerModel;
  readonly recordsPerBatch: number;
  readonly batchMs: number;
  readonly billedBatchMs: number;
  readonly invocations: number;
  readonly logBytesPerOrder: number;
}

/** The monthly cost of one stack in month `month` (1 = the first month after launch). */
export function monthlyCost(
  stack: StackModel,
  prices: Record<PriceKey, Price>,
  table: PriceTable,
  assumptions: Assumptions,
  measurement: Measurement,
  month: number,
): MonthlyCost & { readonly usage: readonly ConsumerUsage[] } {
  const orders = assumptions.ordersPerDay * DAYS_PER_MONTH;
  const bad = orders * assumptions.failureShare;
  const good = orders - bad;
  const duplicates = orders * assumptions.duplicateShare;
  const drafts: Draft[] = [];
  const add = (draft: Draft): void => {
    const same = drafts.find((d) => d.id === draft.id);
    if (same) {
      same.quantity += draft.quantity;
      same.basis = `${same.basis}; ${draft.basis}`;
    } else drafts.push({ ...draft });
  };
  const chunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / CHUNK_BYTES));
  const usage: ConsumerUsage[] = [];

  for (const topic of stack.topics.filter((t) => t.carriesOrders)) {
    add({
      id: "sns.publishes",
      label: "SNS publishes",
      quantity: orders * chunks(assumptions.orderBytes),
      unit: "requests",
      price: "snsPublishes",
      pool: "snsPublishes",
      basis: `${fmt(orders)} orders to ${topic.name}, ${chunks(assumptions.orderBytes)} request(s) each (one per 64 KB)`,
    });
    if (topic.encryption !== "none") {
      // Assumed like SQS's data key reuse: GenerateDataKey and Decrypt every 5 minutes for each publisher.
      add({
        id: "kms.requests",
        label: "KMS requests",
        quantity: (SECONDS_PER_MONTH / 300) * 2 * assumptions.publishers,
        unit: "requests",
        price: "kmsRequests",
        pool: "kmsRequests",
        basis: `${topic.name} (${topic.encryption} key): 2 a publisher every 5 minutes, ${assumptions.publishers} publisher(s) (assumed)`,
      });
    }
  }

  for (const consumer of stack.consumers) {
    const maxReceives = consumer.queue.maxReceiveCount ?? 1;
    const redeliveries = bad * (maxReceives - 1);
    const b = recordsPerBatch(consumer, assumptions, measurement);
    const ms = batchDurationMs(consumer, b, assumptions, measurement);
    const billedMs = Math.ceil(ms);
    const firstInvocations = (orders + duplicates) / b;
    // A redelivered failing order is assumed to come alone: one invocation each.
    const invocations = firstInvocations + redeliveries;
    const level = consumer.applicationLogLevel.toUpperCase();
    const logsInfo = ["TRACE", "DEBUG", "INFO"].includes(level);
    const logsWarn = logsInfo || level === "WARN";
    const logBytesPerOrder =
      assumptions.logBytesPerOrder ?? (logsInfo ? measurement.logLineBytes.stored + LOG_EVENT_OVERHEAD_BYTES : 0);
    usage.push({ consumer, recordsPerBatch: b, batchMs: ms, billedBatchMs: billedMs, invocations, logBytesPerOrder });
    const fn = consumer.functionName;

    add({
      id: "lambda.requests",
      label: "Lambda requests",
      quantity: invocations,
      unit: "requests",
      price: "lambdaRequests",
      pool: "lambdaRequests",
      basis: `${fn}: ${fmt(orders + duplicates)} records at ${fmt(b)} a batch, plus ${fmt(redeliveries)} redeliveries of failing orders`,
    });
    add({
      id: `lambda.duration.${consumer.architecture}`,
      label: `Lambda duration (${consumer.architecture})`,
      quantity: (invocations * billedMs * consumer.memoryMb) / 1024 / 1000,
      unit: "GB-seconds",
      price: consumer.architecture === "arm64" ? "lambdaGbSecondArm64" : "lambdaGbSecondX86",
      pool: "lambdaGbSeconds",
      basis: `${fn}: ${fmt(invocations)} invocations x ${billedMs} ms (billed per ms) x ${consumer.memoryMb} MB`,
    });
    if (consumer.subscription) {
      const messageBytes = assumptions.orderBytes + (consumer.subscription.rawMessageDelivery ? 0 : SNS_ENVELOPE_BYTES);
      add({
        id: "sqs.deliveries",
        label: "SQS: SNS deliveries",
        quantity: (orders + duplicates) * chunks(messageBytes),
        unit: "requests",
        price: "sqsRequests",
        pool: "sqsRequests",
        basis: `${consumer.queue.name}: one SendMessage an order (${messageBytes} bytes${consumer.subscription.rawMessageDelivery ? ", raw" : " with the SNS envelope"})`,
      });
    }
    add({
      id: "sqs.receives",
      label: "SQS: receives with messages",
      quantity: firstInvocations,
      unit: "requests",
      price: "sqsRequests",
      pool: "sqsRequests",
      basis: `${consumer.queue.name}: one ReceiveMessage a batch`,
    });
    const busySecondsPerPoller = (invocations * (assumptions.receiveMs + ms)) / 1000 / assumptions.pollers;
    const idleHoursPerPoller = Math.max(0, SECONDS_PER_MONTH - busySecondsPerPoller) / 3600;
    add({
      id: "sqs.emptyReceives",
      label: "SQS: empty long-poll receives",
      quantity: assumptions.pollers * idleHoursPerPoller * assumptions.emptyReceivesPerPollerHour,
      unit: "requests",
      price: "sqsRequests",
      pool: "sqsRequests",
      basis: `${consumer.queue.name}: ${assumptions.pollers} pollers x ${fmt(idleHoursPerPoller)} idle hours x ${assumptions.emptyReceivesPerPollerHour} an hour`,
    });
    add({
      id: "sqs.deletes",
      label: "SQS: deletes",
      quantity: firstInvocations,
      unit: "requests",
      price: "sqsRequests",
      pool: "sqsRequests",
      basis: `${consumer.queue.name}: one DeleteMessageBatch a batch`,
    });
    if (consumer.deadLetterQueue) {
      add({
        id: "sqs.dlq",
        label: "SQS: failing orders and the DLQ",
        quantity: redeliveries + bad,
        unit: "requests",
        price: "sqsRequests",
        pool: "sqsRequests",
        basis: `${fmt(bad)} failing orders: ${maxReceives - 1} more receives each, then 1 move to ${consumer.deadLetterQueue.name}`,
      });
    }
    for (const queue of [consumer.queue, ...(consumer.deadLetterQueue && bad > 0 ? [consumer.deadLetterQueue] : [])]) {
      if (queue.encryption !== "kms") continue;
      // AWS's formula for one queue: R = B / D x (2P + C), with P producing and C consuming principals
      // (SNS delivers for every publisher of the topic; the one function consumes).
      add({
        id: "kms.requests",
        label: "KMS requests",
        quantity: (SECONDS_PER_MONTH / queue.kmsDataKeyReusePeriodSeconds) * (2 * assumptions.publishers + 1),
        unit: "requests",
        price: "kmsRequests",
        pool: "kmsRequests",
        basis: `${queue.name}: B / D x (2P + C), B the month's seconds, D = ${queue.kmsDataKeyReusePeriodSeconds} s (the queue's data key reuse period), P = ${assumptions.publishers} producing and C = 1 consuming principal(s)`,
      });
    }
    if (consumer.table) {
      const item = itemBytes(assumptions.orderBytes);
      const writeUnits = Math.ceil(item / 1024);
      add({
        id: "dynamodb.writes",
        label: "DynamoDB writes",
        quantity: (good + duplicates) * writeUnits,
        unit: "write request units",
        price: "dynamodbWriteRequestUnits",
        basis: `${consumer.table.name}: ${fmt(good)} stored orders and ${fmt(duplicates)} duplicate deliveries x ${writeUnits} unit(s) (${item}-byte items)`,
      });
      add({
        id: "dynamodb.duplicateReads",
        label: "DynamoDB reads (duplicate path)",
        quantity: duplicates * Math.ceil(item / 4096),
        unit: "read request units",
        price: "dynamodbReadRequestUnits",
        basis: `${consumer.table.name}: one strongly consistent GetItem a duplicate delivery`,
      });
      const storedGb = (good * (month - 0.5) * (item + DYNAMODB_ITEM_OVERHEAD_BYTES)) / GIB;
      add({
        id: "dynamodb.storage",
        label: "DynamoDB storage",
        quantity: storedGb,
        unit: "GB-months",
        price: "dynamodbStorageGbMonth",
        pool: "dynamodbStorageGb",
        basis: `${consumer.table.name}: ${fmt(good * (month - 0.5))} items on average in month ${month} x ${item + DYNAMODB_ITEM_OVERHEAD_BYTES} bytes`,
      });
      if (consumer.table.pointInTimeRecovery) {
        add({
          id: "dynamodb.pitr",
          label: "DynamoDB point-in-time recovery",
          quantity: storedGb,
          unit: "GB-months",
          price: "dynamodbPitrGbMonth",
          basis: `${consumer.table.name}: the table's size`,
        });
      }
    }
    const metricsBytes = consumer.publishesMetrics
      ? (assumptions.metricsBytesPerInvocation ?? measurement.logLineBytes.metricsDocument) + LOG_EVENT_OVERHEAD_BYTES
      : 0;
    const ingestedBytes =
      good * logBytesPerOrder +
      (logsWarn ? bad * maxReceives * (measurement.logLineBytes.rejected + LOG_EVENT_OVERHEAD_BYTES) : 0) +
      (["TRACE", "DEBUG", "INFO"].includes(consumer.systemLogLevel.toUpperCase())
        ? invocations * assumptions.platformLogBytes
        : 0) +
      metricsBytes * invocations;
    add({
      id: "logs.ingestion",
      label: "CloudWatch Logs ingestion",
      quantity: ingestedBytes / GIB,
      unit: "GB",
      price: "logsIngestionGb",
      pool: "logsGb",
      basis:
        `${consumer.logGroup?.name ?? fn}: ${logBytesPerOrder} bytes a stored order at log level ${level}, system level ` +
        `${consumer.systemLogLevel}${metricsBytes ? `, and a ${metricsBytes}-byte metrics document an invocation` : ""}`,
    });
    const retention = consumer.logGroup?.retentionDays;
    const keptDays = Math.min((month - 0.5) * DAYS_PER_MONTH, retention && retention > 0 ? retention : Infinity);
    add({
      id: "logs.storage",
      label: "CloudWatch Logs storage",
      quantity: ((ingestedBytes / DAYS_PER_MONTH) * keptDays) / GIB,
      unit: "GB-months",
      price: "logsStorageGbMonth",
      pool: "logsGb",
      basis: `${fmt(keptDays)} days of logs kept on average in month ${month} (retention ${retention ? `${retention} days` : "never expires"}; counted uncompressed, an upper bound)`,
    });
  }

  for (const t of stack.tables.filter((t) => t.encryption !== "owned")) {
    add({
      id: "kms.requests",
      label: "KMS requests",
      quantity: assumptions.tableKeyRequestsPerHour * HOURS_PER_MONTH,
      unit: "requests",
      price: "kmsRequests",
      pool: "kmsRequests",
      basis: `${t.name}: ${assumptions.tableKeyRequestsPerHour} an hour for its table key (assumed)`,
    });
  }
  add({
    id: "kms.keys",
    label: "KMS customer-managed keys",
    quantity: stack.customerKeys,
    unit: "key-months",
    price: "kmsKeyMonth",
    basis: `${stack.customerKeys} aws_kms_key resources`,
  });
  add({
    id: "cloudwatch.alarms",
    label: "CloudWatch alarms",
    quantity: stack.alarmMetrics,
    unit: "alarm metric-months",
    price: "alarmMetricMonth",
    pool: "alarmMetrics",
    basis: `${stack.alarmMetrics} standard-resolution alarm metrics${stack.highResolutionAlarmMetrics ? ` (${stack.highResolutionAlarmMetrics} high-resolution ones not priced)` : ""}`,
  });
  add({
    id: "cloudwatch.dashboards",
    label: "CloudWatch dashboards",
    quantity: stack.dashboards,
    unit: "dashboard-months",
    price: "dashboardMonth",
    pool: "dashboards",
    basis: stack.dashboards ? `${stack.dashboards} aws_cloudwatch_dashboard resources` : "none in the stack",
  });
  add({
    id: "cloudwatch.customMetrics",
    label: "CloudWatch custom metrics",
    quantity: stack.customMetrics,
    unit: "metric-months",
    price: "customMetricMonth",
    pool: "customMetrics",
    basis: stack.customMetrics
      ? `${stack.customMetrics - stack.publishedMetrics} log metric filters, ${stack.publishedMetrics} metrics the functions publish (EMF)`
      : "none in the stack",
  });

  // The free tier, when asked for: each pool shared by the lines that draw on it, in order.
  const remaining = new Map<FreeTierKey, number>();
  if (assumptions.freeTier) {
    for (const [key, tier] of Object.entries(table.freeTier)) remaining.set(key as FreeTierKey, tier.quantity ?? 0);
  }
  drafts.sort((x, y) => LINE_ORDER.indexOf(x.id) - LINE_ORDER.indexOf(y.id));
  const lines: LineItem[] = drafts.map((d) => {
    const left = d.pool ? (remaining.get(d.pool) ?? 0) : 0;
    const free = Math.min(left, d.quantity);
    if (d.pool) remaining.set(d.pool, left - free);
    const billable = d.quantity - free;
    const price = prices[d.price];
    return {
      id: d.id,
      label: d.label,
      quantity: d.quantity,
      billable,
      unit: d.unit,
      price: d.price,
      usd: price.usd,
      per: price.per,
      cost: billable === 0 ? 0 : price.usd === null ? null : (billable / price.per) * price.usd,
      basis: d.basis,
    };
  });
  const unpriced = [...new Set(lines.filter((l) => l.cost === null).map((l) => l.id))];
  const total = lines.reduce((sum, l) => sum + (l.cost ?? 0), 0);
  return { month, lines, total, unpriced, ordersPerMonth: orders, usage };
}
