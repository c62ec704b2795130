import { Assumptions, Measurement, batchDurationMs } from "./model";
import { itemBytes } from "./cost";
import { LIMITS, snsPublishLimit } from "./limits";
import { StackModel } from "./synth";

/** One limit on the orders a second a consumer carries. */
export interface CapacityLimit {
  readonly id: string;
  readonly label: string;
  /** Orders a second this limit allows. */
  readonly ordersPerSecond: number;
  /** The limit as AWS states it, e.g. "10 concurrent invocations". */
  readonly value: string;
  readonly source: string;
  /** What to change to carry `required` orders a second, when this limit is below it. */
  readonly change: (required: number) => string;
}

export interface Capacity {
  readonly consumer: string;
  /** Duration of a full batch (a backlog fills every batch), ms. */
  readonly fullBatchMs: number;
  readonly concurrency: number;
  readonly limits: readonly CapacityLimit[];
  readonly sustainableOrdersPerSecond: number;
  readonly binding: CapacityLimit;
}

const whole = (n: number): string => Math.floor(n).toLocaleString("en-US");

/** The sustainable orders a second of each consumer in the stack, and the limit that binds. */
export function capacityOf(stack: StackModel, assumptions: Assumptions, measurement: Measurement): Capacity[] {
  return stack.consumers.map((consumer) => {
    const batch = consumer.batchSize;
    const ms = batchDurationMs(consumer, batch, assumptions, measurement);
    const perInvocation = (batch * 1000) / ms;
    const limits: CapacityLimit[] = [];
    const needed = (required: number): number => Math.ceil(required / perInvocation);
    const account = {
      value: assumptions.accountConcurrency,
      source:
        assumptions.accountConcurrency === LIMITS.lambdaAccountConcurrency.value
          ? LIMITS.lambdaAccountConcurrency.source
          : "--account-concurrency",
    };
    const mappingMax = consumer.maximumConcurrency ?? LIMITS.sqsMappingConcurrency.value;
    // Where the setting lives: environments.json sets the pipeline's own consumer; one an adopter's code
    // adds takes its own props (several consumers: each change names its consumer).
    const where = stack.consumers.length > 1 ? " (environments.json, or the consumer's own SqsLambda props)" : "";

    if (ms > consumer.timeoutSeconds * 1000) {
      limits.push({
        id: "function.timeout",
        label: "function timeout",
        ordersPerSecond: 0,
        value: `a full batch takes ${Math.round(ms)} ms, over the ${consumer.timeoutSeconds} s timeout`,
        source: "the stack's aws_lambda_function.timeout",
        change: () => `raise timeoutSeconds above ${Math.ceil(ms / 1000)} s or lower batchSize`,
      });
    }
    limits.push({
      id: "mapping.maximumConcurrency",
      label: consumer.maximumConcurrency !== undefined ? "mapping maximum concurrency" : "SQS mapping concurrency",
      ordersPerSecond: mappingMax * perInvocation,
      value: `${mappingMax} concurrent invocations x ${batch} records / ${Math.round(ms)} ms`,
      source:
        consumer.maximumConcurrency !== undefined
          ? "the stack's scaling_config.maximum_concurrency"
          : LIMITS.sqsMappingConcurrency.source,
      change: (r) =>
        needed(r) <= LIMITS.sqsMappingConcurrency.value
          ? `raise maximumConcurrency to ${needed(r)} (and reservedConcurrentExecutions to at least that)${where}`
          : `${needed(r)} concurrent invocations exceed a mapping's ${LIMITS.sqsMappingConcurrency.value}: split the queue or shorten the batch's duration`,
    });
    if (consumer.reservedConcurrency !== undefined) {
      limits.push({
        id: "function.reservedConcurrency",
        label: "function reserved concurrency",
        ordersPerSecond: consumer.reservedConcurrency * perInvocation,
        value: `${consumer.reservedConcurrency} concurrent executions`,
        source: "the stack's reserved_concurrent_executions",
        change: (r) => `raise reservedConcurrentExecutions to ${needed(r)}${where}`,
      });
    }
    limits.push({
      id: "lambda.accountConcurrency",
      label: "Lambda account concurrency",
      ordersPerSecond: account.value * perInvocation,
      value: `${account.value.toLocaleString("en-US")} concurrent executions per region (${account.source === "--account-concurrency" ? "given" : "default"}; shared by every function there)`,
      source: account.source,
      change: (r) =>
        `request a Lambda concurrent-executions quota of at least ${needed(r)} (plus what other functions use)`,
    });
    if (consumer.table && consumer.table.billingMode === "PAY_PER_REQUEST") {
      const table = consumer.table;
      // Every consumer gets every order (the cost's rule too): each consumer writing the table adds its write.
      const writers = stack.consumers.filter((c) => c.table?.name === table.name).length;
      const units = Math.ceil(itemBytes(assumptions.orderBytes) / 1024) * writers;
      const perOrder = `${units} an order${writers > 1 ? ` (${writers} consumers write the table)` : ""}`;
      const [warm, warmFrom] =
        assumptions.tableWarmWrites !== undefined
          ? [assumptions.tableWarmWrites, "given (--table-warm-writes)"]
          : table.warmWriteUnitsPerSecond !== undefined
            ? [table.warmWriteUnitsPerSecond, "the stack's warm_throughput"]
            : [LIMITS.dynamodbNewTableWriteUnitsPerSecond.value, "a new on-demand table"];
      limits.push({
        id: "dynamodb.warmThroughput",
        label: "DynamoDB warm throughput",
        ordersPerSecond: warm / units,
        value: `${warm.toLocaleString("en-US")} write units a second (${warmFrom}), ${perOrder}`,
        source: LIMITS.dynamodbNewTableWriteUnitsPerSecond.source,
        change: (r) =>
          `pre-warm ${table.name} to ${Math.ceil(r * units).toLocaleString("en-US")} write units a second ` +
          `(the table's warm_throughput block; the OrdersTable construct does not set it, so add it with ` +
          `an override), or ramp traffic up (on-demand doubles its previous peak within 30 minutes); a table ` +
          `that already served more tells its warm throughput in DescribeTable: pass it as --table-warm-writes`,
      });
      const quota = table.maxWriteRequestUnits ?? LIMITS.dynamodbTableWriteUnitsPerSecond.value;
      limits.push({
        id: "dynamodb.tableQuota",
        label: table.maxWriteRequestUnits ? "DynamoDB table maximum" : "DynamoDB table throughput quota",
        ordersPerSecond: quota / units,
        value: `${quota.toLocaleString("en-US")} write units a second, ${perOrder}`,
        source: table.maxWriteRequestUnits
          ? "the stack's on_demand_throughput.max_write_request_units"
          : LIMITS.dynamodbTableWriteUnitsPerSecond.source,
        change: (r) =>
          table.maxWriteRequestUnits
            ? `raise max_write_request_units to ${Math.ceil(r * units)}`
            : `request a table write throughput quota of ${Math.ceil(r * units)} units a second`,
      });
    }
    if (consumer.subscription) {
      const sns = snsPublishLimit(stack.region);
      limits.push({
        id: "sns.publishQuota",
        label: "SNS publish quota",
        ordersPerSecond: sns.value,
        value: `${sns.value.toLocaleString("en-US")} messages a second in ${stack.region} (per account)`,
        source: sns.source,
        change: (r) => `request an SNS publish quota of ${Math.ceil(r)} messages a second in ${stack.region}`,
      });
    }
    const binding = limits.reduce((low, l) => (l.ordersPerSecond < low.ordersPerSecond ? l : low));
    return {
      consumer: consumer.functionName,
      fullBatchMs: ms,
      concurrency: Math.min(mappingMax, consumer.reservedConcurrency ?? Infinity, account.value),
      limits,
      sustainableOrdersPerSecond: binding.ordersPerSecond,
      binding,
    };
  });
}

/** Whether `required` orders a second fit, and the change for each limit below it. */
export function fits(capacity: Capacity, required: number): { fits: boolean; changes: string[] } {
  const short = capacity.limits.filter((l) => l.ordersPerSecond < required);
  return {
    fits: short.length === 0,
    changes: short.map((l) => `${l.label} (${whole(l.ordersPerSecond)}/s): ${l.change(required)}`),
  };
}
