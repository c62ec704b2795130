import * as path from "path";
import { CommandIo, EXIT, OptionValues, UsageError, numberOption, runCommand, stringOption } from "../cli/cli";
import { quote } from "../config/input";
import { displayPath, projectRoot } from "../config/project";
import { sampleOrder } from "../contract/samples";
import { capacityOf, fits } from "./capacity";
import { monthlyCost } from "./cost";
import { LIMITS } from "./limits";
import { Assumptions, FULL_VCPU_MB, FULL_VCPU_SOURCE, Measurement, readMeasurement } from "./model";
import { PriceTable, pricesFor, readPriceTable } from "./prices";
import {
  AssumptionRow,
  EnvironmentReport,
  EstimateResult,
  compareEnvironments,
  environmentUsage,
  renderMarkdown,
} from "./report";
import { StackModel, readStacks } from "./synth";

export const ESTIMATE_COMMAND = "npm run estimate";

/** Bytes of the contract's sample order as published: the default --order-bytes. */
export const SAMPLE_ORDER_BYTES = Buffer.byteLength(JSON.stringify(sampleOrder()));

export const DEFAULTS = {
  ordersPerDay: 10_000,
  months: 12,
  failureShare: 0.001,
  duplicateShare: 0.001,
  pollers: LIMITS.sqsMappingInitialPollers.value,
  emptyReceivesPerPollerHour: 180,
  receiveMs: 20,
  dynamodbMs: 10,
  publishers: 1,
  tableKeyRequestsPerHour: 12,
  platformLogBytes: 600,
  accountConcurrency: LIMITS.lambdaAccountConcurrency.value,
} as const;

export const ESTIMATE_HELP = `Usage: npm run estimate -- [options]

Prints each environment's monthly cost by line item, its cost per million orders and the orders a
second it sustains with the limit that binds, from the synthesized stacks (run "npm run synth"
first): what cdk.tf.json says is what is priced. Markdown, for a terminal or a pull request.

What to price:
  --out <dir>              the synth folder (default: cdktf.out)
  --stack <name>           one pipeline stack (default: every one in the folder)
  --compare <dir>          another synth folder (the base): print each environment's monthly
                           change from it, by line item
  --prices <file>          the price table (default: estimate/prices.json)
  --free-tier              apply AWS's free tiers (per account: applied to each environment alone)

Usage (each assumption is printed with its value):
  --orders-per-day <n>     orders a day, 1-1000000000 (default ${DEFAULTS.ordersPerDay.toLocaleString("en-US")})
  --order-bytes <n>        bytes of one published order, 1-262144 (default ${SAMPLE_ORDER_BYTES}, the sample order)
  --months <n>             months the growth table covers, 1-120 (default ${DEFAULTS.months})
  --orders-per-second <r>  say whether r orders a second fit each environment, and what to change
                           if not (exit 1 when one does not)
  --failure-share <x>      share of orders rejected on every receive, 0-1 (default ${DEFAULTS.failureShare})
  --duplicate-share <x>    share of orders SQS delivers twice, 0-1 (default ${DEFAULTS.duplicateShare})
  --records-per-batch <n>  average records an invocation gets (default: the arrival model)
  --batch-ms <ms>          duration of every batch (default: the measured model)
  --dynamodb-ms <ms>       DynamoDB round trip of a batch's writes (default ${DEFAULTS.dynamodbMs})
  --receive-ms <ms>        round trip of a ReceiveMessage with messages (default ${DEFAULTS.receiveMs})
  --pollers <n>            pollers an idle mapping keeps (default ${DEFAULTS.pollers})
  --empty-receives-per-poller-hour <n>
                           empty long polls an idle poller makes an hour (default ${DEFAULTS.emptyReceivesPerPollerHour})
  --log-bytes-per-order <n>
                           log bytes a stored order (default: the function's measured line)
  --metrics-bytes-per-invocation <n>
                           bytes of the metrics document (EMF) an invocation logs, 0-1048576
                           (default: the function's measured document)
  --platform-log-bytes <n> bytes of Lambda's START/END/REPORT lines an invocation, priced when the
                           system log level is INFO or below, 0-65536 (default ${DEFAULTS.platformLogBytes})
  --publishers <n>         principals publishing orders, each asking KMS for its data keys,
                           1-1000 (default ${DEFAULTS.publishers})
  --table-key-requests-per-hour <n>
                           KMS requests a table key costs an hour, 0-3600 (default ${DEFAULTS.tableKeyRequestsPerHour})
  --account-concurrency <n>
                           Lambda's concurrent executions for the account and region,
                           1-1000000 (default ${DEFAULTS.accountConcurrency.toLocaleString("en-US")}, AWS's default)
  --table-warm-writes <n>  write units a second the table serves at once, 1-40000000 (default:
                           the stack's warm_throughput, else a new on-demand table's 4,000)
  --json                   the result as JSON instead of Markdown

Exit codes: 0 done, 1 an environment cannot carry --orders-per-second (or the synth could not be
read), 2 bad input.
`;

const OPTIONS = {
  out: { type: "string" },
  stack: { type: "string" },
  compare: { type: "string" },
  prices: { type: "string" },
  "free-tier": { type: "boolean" },
  "orders-per-day": { type: "string" },
  "order-bytes": { type: "string" },
  months: { type: "string" },
  "orders-per-second": { type: "string" },
  "failure-share": { type: "string" },
  "duplicate-share": { type: "string" },
  "records-per-batch": { type: "string" },
  "batch-ms": { type: "string" },
  "dynamodb-ms": { type: "string" },
  "receive-ms": { type: "string" },
  pollers: { type: "string" },
  "empty-receives-per-poller-hour": { type: "string" },
  "log-bytes-per-order": { type: "string" },
  "platform-log-bytes": { type: "string" },
  "metrics-bytes-per-invocation": { type: "string" },
  publishers: { type: "string" },
  "table-key-requests-per-hour": { type: "string" },
  "account-concurrency": { type: "string" },
  "table-warm-writes": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export interface EstimateDependencies {
  readonly root?: string;
  /** The measurement file (default: estimate/measured.json). */
  readonly measurementFile?: string;
}

function assumptionsFrom(values: OptionValues): Assumptions {
  return {
    ordersPerDay: numberOption(values, "orders-per-day", DEFAULTS.ordersPerDay, 1, 1_000_000_000)!,
    orderBytes: numberOption(values, "order-bytes", SAMPLE_ORDER_BYTES, 1, 262_144)!,
    months: numberOption(values, "months", DEFAULTS.months, 1, 120)!,
    failureShare: numberOption(values, "failure-share", DEFAULTS.failureShare, 0, 1, false)!,
    duplicateShare: numberOption(values, "duplicate-share", DEFAULTS.duplicateShare, 0, 1, false)!,
    recordsPerBatch: numberOption(values, "records-per-batch", undefined, 1, 10_000, false),
    batchMs: numberOption(values, "batch-ms", undefined, 1, 900_000, false),
    dynamodbMs: numberOption(values, "dynamodb-ms", DEFAULTS.dynamodbMs, 0, 60_000, false)!,
    receiveMs: numberOption(values, "receive-ms", DEFAULTS.receiveMs, 0, 60_000, false)!,
    pollers: numberOption(values, "pollers", DEFAULTS.pollers, 1, 1_250)!,
    emptyReceivesPerPollerHour: numberOption(
      values,
      "empty-receives-per-poller-hour",
      DEFAULTS.emptyReceivesPerPollerHour,
      0,
      3_600_000,
      false,
    )!,
    logBytesPerOrder: numberOption(values, "log-bytes-per-order", undefined, 0, 1_048_576),
    platformLogBytes: numberOption(values, "platform-log-bytes", DEFAULTS.platformLogBytes, 0, 65_536)!,
    metricsBytesPerInvocation: numberOption(values, "metrics-bytes-per-invocation", undefined, 0, 1_048_576),
    publishers: numberOption(values, "publishers", DEFAULTS.publishers, 1, 1_000)!,
    tableKeyRequestsPerHour: numberOption(
      values,
      "table-key-requests-per-hour",
      DEFAULTS.tableKeyRequestsPerHour,
      0,
      3_600,
    )!,
    accountConcurrency: numberOption(values, "account-concurrency", DEFAULTS.accountConcurrency, 1, 1_000_000)!,
    tableWarmWrites: numberOption(values, "table-warm-writes", undefined, 1, 40_000_000),
    freeTier: values["free-tier"] === true,
  };
}

function assumptionRows(a: Assumptions, m: Measurement, measurementFile: string): AssumptionRow[] {
  const shown = displayPath(measurementFile);
  const duration =
    a.batchMs !== undefined
      ? { value: `${a.batchMs} ms every batch`, basis: "given" }
      : {
          value: `${a.dynamodbMs} ms + (${m.cpuModel.cpuMsPerBatch.toFixed(3)} + ${m.cpuModel.cpuMsPerRecord.toFixed(3)} ms x records) x max(1, ${FULL_VCPU_MB} / memory MB)`,
          basis: `CPU measured by scripts/bench-capacity.mjs on the machine ${shown} records (one full core of a ${m.machine.model}, measured ${m.measuredAt}); Lambda's CPU share below ${FULL_VCPU_MB} MB (${FULL_VCPU_SOURCE}); the DynamoDB wait is --dynamodb-ms, not measured: the local DynamoDB (dynalite) is not AWS's`,
        };
  return [
    {
      name: "orders a day",
      value: a.ordersPerDay.toLocaleString("en-US"),
      flag: "--orders-per-day",
      basis: "given or default",
    },
    {
      name: "bytes an order",
      value: String(a.orderBytes),
      flag: "--order-bytes",
      basis: "given, or the contract's sample order as JSON",
    },
    {
      name: "month length",
      value: "730 hours",
      flag: "fixed",
      basis: "AWS's monthly pricing convention (a fact of the prices, not a usage assumption)",
    },
    { name: "duration of a batch", value: duration.value, flag: "--batch-ms, --dynamodb-ms", basis: duration.basis },
    {
      name: "records a batch",
      value:
        a.recordsPerBatch !== undefined
          ? String(a.recordsPerBatch)
          : "orders arriving in one receive-and-invoke cycle / pollers, 1 to the batch size",
      flag: "--records-per-batch, --receive-ms",
      basis: `no batching window: a poller invokes with what it received; receive round trip ${a.receiveMs} ms (assumed)`,
    },
    {
      name: "pollers",
      value: String(a.pollers),
      flag: "--pollers",
      basis: `an SQS mapping starts five (${LIMITS.sqsMappingInitialPollers.source})`,
    },
    {
      name: "empty receives an idle poller makes",
      value: `${a.emptyReceivesPerPollerHour} an hour`,
      flag: "--empty-receives-per-poller-hour",
      basis: "one 20 s long poll after another (Lambda long-polls standard queues)",
    },
    {
      name: "log bytes a stored order",
      value:
        a.logBytesPerOrder !== undefined
          ? String(a.logBytesPerOrder)
          : `${m.logLineBytes.stored} + 26 (rejected: ${m.logLineBytes.rejected} + 26)`,
      flag: "--log-bytes-per-order",
      basis: `the function's own JSON line, measured (${shown}), plus CloudWatch's 26 bytes an event; none below its log level`,
    },
    {
      name: "metrics document an invocation",
      value:
        a.metricsBytesPerInvocation !== undefined
          ? `${a.metricsBytesPerInvocation} + 26 bytes`
          : `${m.logLineBytes.metricsDocument} + 26 bytes`,
      flag: "--metrics-bytes-per-invocation",
      basis: `the function's EMF document, measured (${shown}), for a function that publishes metrics; written whatever the log level`,
    },
    {
      name: "failing orders",
      value: String(a.failureShare),
      flag: "--failure-share",
      basis: "assumed: each is received maxReceiveCount times, then moved to the DLQ",
    },
    {
      name: "duplicate deliveries",
      value: String(a.duplicateShare),
      flag: "--duplicate-share",
      basis: "assumed: SQS delivers at least once; each costs a failed conditional write and a read",
    },
    {
      name: "DynamoDB table key refresh",
      value: `${a.tableKeyRequestsPerHour} KMS requests an hour a table`,
      flag: "--table-key-requests-per-hour",
      basis: "assumed (a cached table key refreshed every 5 minutes)",
    },
    {
      name: "publishers",
      value: String(a.publishers),
      flag: "--publishers",
      basis: "assumed: each principal publishing to an encrypted topic or queue asks KMS for its own data keys",
    },
    {
      name: "Lambda platform log lines",
      value: `${a.platformLogBytes} bytes an invocation`,
      flag: "--platform-log-bytes",
      basis: "assumed size of START, END and REPORT; priced only when the system log level is INFO or below",
    },
    {
      name: "Lambda account concurrency",
      value: a.accountConcurrency.toLocaleString("en-US"),
      flag: "--account-concurrency",
      basis: `AWS's default quota (${LIMITS.lambdaAccountConcurrency.source}); a new account may have less, a raised one more`,
    },
    {
      name: "DynamoDB warm throughput",
      value:
        a.tableWarmWrites !== undefined
          ? `${a.tableWarmWrites.toLocaleString("en-US")} write units a second`
          : `the stack's warm_throughput, else ${LIMITS.dynamodbNewTableWriteUnitsPerSecond.value.toLocaleString("en-US")} write units a second`,
      flag: "--table-warm-writes",
      basis: `a new on-demand table's (${LIMITS.dynamodbNewTableWriteUnitsPerSecond.source}); a table that served more keeps a higher one`,
    },
  ];
}

function report(
  stack: StackModel,
  table: PriceTable,
  pricesFile: string,
  a: Assumptions,
  m: Measurement,
  ordersPerSecond: number | undefined,
): EnvironmentReport {
  const prices = pricesFor(table, stack.region, stack.stack, pricesFile);
  const first = monthlyCost(stack, prices, table, a, m, 1);
  const storageIds = ["dynamodb.storage", "dynamodb.pitr", "logs.storage"];
  const growth = Array.from({ length: a.months }, (_, i) => {
    const month = monthlyCost(stack, prices, table, a, m, i + 1);
    return {
      month: i + 1,
      total: month.total,
      storage: month.lines.filter((l) => storageIds.includes(l.id)).reduce((s, l) => s + (l.cost ?? 0), 0),
    };
  });
  const capacity = capacityOf(stack, a, m);
  const check =
    ordersPerSecond === undefined
      ? undefined
      : capacity
          // A stack of several consumers names the one each change is for.
          .map((c) => {
            const result = fits(c, ordersPerSecond);
            return capacity.length > 1
              ? { ...result, changes: result.changes.map((x) => `${c.consumer}: ${x}`) }
              : result;
          })
          .reduce(
            (all, one) => ({ ordersPerSecond, fits: all.fits && one.fits, changes: [...all.changes, ...one.changes] }),
            { ordersPerSecond, fits: true, changes: [] as string[] },
          );
  const { usage, ...firstMonth } = first;
  const averageOrdersPerSecond = a.ordersPerDay / 86_400;
  const slowest = capacity.reduce<(typeof capacity)[number] | undefined>(
    (low, c) => (low === undefined || c.sustainableOrdersPerSecond < low.sustainableOrdersPerSecond ? c : low),
    undefined,
  );
  return {
    stack: stack.stack,
    region: stack.region,
    ordersPerDay: a.ordersPerDay,
    firstMonth,
    costPerMillionOrders: (first.total / first.ordersPerMonth) * 1_000_000,
    growth,
    model: environmentUsage(usage),
    capacity,
    fromVariables: stack.fromVariables,
    check,
    overCapacity:
      slowest && averageOrdersPerSecond > slowest.sustainableOrdersPerSecond
        ? { averageOrdersPerSecond, consumer: slowest.consumer, sustainable: slowest.sustainableOrdersPerSecond }
        : undefined,
  };
}

/** --records-per-batch above a consumer's batch size cannot happen: refused, naming the smallest. */
function checkRecordsPerBatch(a: Assumptions, stacks: readonly StackModel[]): void {
  if (a.recordsPerBatch === undefined) return;
  const consumers = stacks.flatMap((s) => s.consumers);
  const smallest = consumers.reduce((low, c) => (c.batchSize < low.batchSize ? c : low), consumers[0]);
  if (smallest && a.recordsPerBatch > smallest.batchSize) {
    throw new UsageError(
      `--records-per-batch must be between 1 and the batch size of every consumer priced (${smallest.batchSize} for ` +
        `${smallest.functionName}) (given ${quote(String(a.recordsPerBatch))})`,
    );
  }
}

/** The estimate as a value (what --json prints). */
export function estimate(values: OptionValues, root: string, measurementFile: string): EstimateResult {
  const a = assumptionsFrom(values);
  const ordersPerSecond = numberOption(values, "orders-per-second", undefined, 0.001, 10_000_000, false);
  const out = path.resolve(stringOption(values, "out") ?? path.join(root, "cdktf.out"));
  const pricesFile = path.resolve(stringOption(values, "prices") ?? path.join(root, "estimate", "prices.json"));
  const stackName = stringOption(values, "stack");
  const compareDir = stringOption(values, "compare");
  const table = readPriceTable(pricesFile);
  const heads = readStacks(out, values.out === undefined ? undefined : "--out", stackName);
  const bases = compareDir !== undefined ? readStacks(path.resolve(compareDir), "--compare") : undefined;
  const m = readMeasurement(measurementFile);
  checkRecordsPerBatch(a, [...heads, ...(bases ?? [])]);
  const build = (stacks: StackModel[]): EnvironmentReport[] =>
    stacks.map((s) => report(s, table, pricesFile, a, m, ordersPerSecond));
  const environments = build(heads);
  const baseReports = bases
    ? build(stackName === undefined ? bases : bases.filter((b) => b.stack === stackName))
    : undefined;
  return {
    version: 1,
    currency: "USD",
    synth: displayPath(out),
    prices: { file: displayPath(pricesFile), read: table.read, freeTier: a.freeTier },
    measurement: { file: displayPath(measurementFile), measuredAt: m.measuredAt, note: m.note },
    assumptions: assumptionRows(a, m, measurementFile),
    environments,
    compare: baseReports
      ? { base: displayPath(path.resolve(compareDir!)), environments: compareEnvironments(baseReports, environments) }
      : undefined,
  };
}

export async function estimateMain(argv: string[], io: CommandIo, deps: EstimateDependencies = {}): Promise<number> {
  return runCommand({ name: ESTIMATE_COMMAND, help: ESTIMATE_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    const root = deps.root ?? projectRoot(__dirname);
    const result = estimate(values, root, deps.measurementFile ?? path.join(root, "estimate", "measured.json"));
    io.stdout.write(values.json ? `${JSON.stringify(result, jsonReplacer, 2)}\n` : renderMarkdown(result));
    return result.environments.some((e) => e.check && !e.check.fits) ? EXIT.failed : EXIT.ok;
  });
}

/** Functions (a limit's change advice) are not data: left out of --json. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "function" ? undefined : value;
}
