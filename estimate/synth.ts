import * as fs from "fs";
import * as path from "path";
import { UsageError } from "../cli/cli";
import { quote } from "../config/input";
import { ORDER_METRIC_NAMES } from "../contract/metrics";
import { displayPath } from "../config/project";

/**
 * What the estimate prices, read from the synthesized stacks (`<outdir>/stacks/<stack>/cdk.tf.json`),
 * never from the sources: whatever the synthesized JSON says is what is priced. A setting that is a
 * Terraform variable is read at the variable's default (what `terraform plan` uses without a tfvars
 * file); any other expression cannot be priced and is an error naming the resource and field.
 */

/** One SQS queue as the stack defines it. */
export interface QueueModel {
  readonly id: string;
  readonly name: string;
  /** "sqs" for SSE-SQS (no KMS charge), "kms" for a KMS key, "none". */
  readonly encryption: "sqs" | "kms" | "none";
  /** `kms_data_key_reuse_period_seconds` (SQS's default 300 when unset), for a KMS-encrypted queue. */
  readonly kmsDataKeyReusePeriodSeconds: number;
  /** The redrive policy's maxReceiveCount, when the queue has a DLQ. */
  readonly maxReceiveCount?: number;
  /** The DLQ's resource id, when the queue has one. */
  readonly deadLetterQueueId?: string;
}

/** One DynamoDB table. */
export interface TableModel {
  readonly id: string;
  readonly name: string;
  readonly billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
  readonly pointInTimeRecovery: boolean;
  /** "customer" when a customer-managed KMS key encrypts it; "aws-managed" for aws/dynamodb; else AWS-owned (free). */
  readonly encryption: "owned" | "aws-managed" | "customer";
  /** `on_demand_throughput.max_write_request_units`, when set. */
  readonly maxWriteRequestUnits?: number;
  /** `warm_throughput.write_units_per_second`, when set. */
  readonly warmWriteUnitsPerSecond?: number;
}

/** A function fed by an SQS event source mapping, with everything that prices or limits it. */
export interface ConsumerModel {
  readonly mappingId: string;
  readonly functionName: string;
  readonly architecture: "arm64" | "x86_64";
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** `reserved_concurrent_executions`; undefined when unreserved (-1 or unset). */
  readonly reservedConcurrency?: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** `scaling_config.maximum_concurrency`; undefined when unset. */
  readonly maximumConcurrency?: number;
  readonly queue: QueueModel;
  readonly deadLetterQueue?: QueueModel;
  /** The topic whose subscription delivers to the queue, and whether delivery is raw. */
  readonly subscription?: { readonly topicId: string; readonly rawMessageDelivery: boolean };
  /** The table the function's environment names (`${aws_dynamodb_table.X.name}`), if any. */
  readonly table?: TableModel;
  readonly logGroup?: { readonly name: string; readonly retentionDays?: number };
  readonly applicationLogLevel: string;
  readonly systemLogLevel: string;
  /** The function publishes metrics (POWERTOOLS_METRICS_NAMESPACE set): an EMF document in its log each invocation. */
  readonly publishesMetrics: boolean;
}

export interface TopicModel {
  readonly id: string;
  readonly name: string;
  /** "aws-managed" for alias/aws/sns, "customer" for a key of the stack's own. */
  readonly encryption: "none" | "aws-managed" | "customer";
  /** Topics with an SQS subscription carry the orders; the others (alarms) are not published to. */
  readonly carriesOrders: boolean;
}

export interface StackModel {
  readonly stack: string;
  readonly region: string;
  /** The synthesized file, as messages show it. */
  readonly file: string;
  readonly topics: readonly TopicModel[];
  readonly consumers: readonly ConsumerModel[];
  readonly tables: readonly TableModel[];
  readonly customerKeys: number;
  /** Metrics the stack's alarms watch (a metric-math alarm counts each metric). */
  readonly alarmMetrics: number;
  readonly highResolutionAlarmMetrics: number;
  readonly dashboards: number;
  /** Custom metrics the stack creates: each log metric filter's, and each metric its functions publish (EMF). */
  readonly customMetrics: number;
  /** Of those, the metrics its functions publish themselves (read from the alarms and dashboards in their namespace). */
  readonly publishedMetrics: number;
  /** Values read from a variable's default: "resource.field: var.name = value". */
  readonly fromVariables: readonly string[];
}

/** SQS's documented default data key reuse period. */
export const SQS_DEFAULT_DATA_KEY_REUSE_SECONDS = 300;

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
/** Single nested blocks are objects in cdk.tf.json; a few providers write them as one-element lists. */
const block = (value: unknown): Json => (Array.isArray(value) ? asObject(value[0]) : asObject(value));

/** A synthesized file's JSON; a file that is not JSON is an error naming it. */
function readJson(file: string): Json {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Json;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // The parser's message may quote the file's bytes: one line, cut.
    const reason = [...error.message]
      .map((c) => (c.charCodeAt(0) < 32 ? " " : c))
      .join("")
      .replace(/\s+/g, " ")
      .slice(0, 200);
    throw new Error(`${displayPath(file)} is not JSON (${reason}): run "npm run synth" again`);
  }
}

/** The pipeline stacks in `outdir`: those whose cdk.tf.json has an SQS event source mapping. */
export function pipelineStacks(outdir: string): string[] {
  const stacksDir = path.join(outdir, "stacks");
  if (!fs.existsSync(stacksDir)) return [];
  return fs
    .readdirSync(stacksDir)
    .filter((name) => {
      const file = path.join(stacksDir, name, "cdk.tf.json");
      if (!fs.existsSync(file)) return false;
      const json = readJson(file);
      return Object.keys(asObject(asObject(json.resource).aws_lambda_event_source_mapping)).length > 0;
    })
    .sort();
}

/**
 * The synthesized pipeline stacks of `outdir`, or the one named. A folder without any is a
 * UsageError naming it (`flag` is the option that named the folder, undefined for the default
 * folder nobody named), as is an unknown stack.
 */
export function readStacks(outdir: string, flag: string | undefined, stack?: string): StackModel[] {
  const stacks = pipelineStacks(outdir);
  if (stacks.length === 0) {
    const what = "(stacks/*/cdk.tf.json with an SQS event source mapping)";
    throw new UsageError(
      flag === undefined
        ? `no synthesized pipeline stacks in ${displayPath(outdir)} ${what}: run "npm run synth" first, or name a ` +
            `synth folder with --out`
        : `${flag} must name a synth folder holding pipeline stacks ${what}: run "npm run synth" first ` +
            `(given ${quote(displayPath(outdir))})`,
    );
  }
  if (stack !== undefined && !stacks.includes(stack)) {
    throw new UsageError(
      `--stack must name a pipeline stack in ${displayPath(outdir)}: one of ${stacks.join(", ")} (given ${quote(stack)})`,
    );
  }
  return (stack === undefined ? stacks : [stack]).map((name) =>
    readStack(name, path.join(outdir, "stacks", name, "cdk.tf.json")),
  );
}

/** Reads one synthesized stack. */
export function readStack(stack: string, file: string): StackModel {
  const json = readJson(file);
  const resources = asObject(json.resource);
  const variables = asObject(json.variable);
  const fromVariables: string[] = [];
  const shown = displayPath(file);
  const of = (type: string): [string, Json][] =>
    Object.entries(asObject(resources[type])).map(([id, r]) => [id, asObject(r)]);

  /** A setting's value: a literal, or a variable's default; any other expression is an error. */
  const resolve = (where: string, raw: unknown): unknown => {
    if (typeof raw !== "string" || !raw.includes("${")) return raw;
    const variable = /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(raw);
    if (variable && variables[variable[1]] !== undefined && "default" in asObject(variables[variable[1]])) {
      const value = asObject(variables[variable[1]]).default;
      fromVariables.push(`${where}: var.${variable[1]} = ${JSON.stringify(value)}`);
      return value;
    }
    throw new Error(
      `${shown}: ${where} is a Terraform expression the estimate cannot evaluate (given ${quote(raw)}); ` +
        `give it a literal value or a variable with a default`,
    );
  };
  const num = (where: string, raw: unknown, fallback?: number): number => {
    const value = resolve(where, raw);
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      throw new Error(`${shown}: ${where} is not set; the estimate needs it`);
    }
    const n = typeof value === "string" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isFinite(n)) {
      throw new Error(`${shown}: ${where} must be a number (given ${JSON.stringify(value)})`);
    }
    return n;
  };
  /** The resource id a `${type.id.attr}` reference names, if it names one of `type`. */
  const ref = (raw: unknown, type: string): string | undefined => {
    const m = typeof raw === "string" ? new RegExp(`\\$\\{${type}\\.([A-Za-z0-9_]+)\\.`).exec(raw) : null;
    return m?.[1] ?? undefined;
  };

  const provider = asObject(asObject(json.provider).aws);
  const providers = Array.isArray(asObject(json.provider).aws) ? (asObject(json.provider).aws as Json[]) : [provider];
  const defaultProvider = providers.find((p) => p.alias === undefined) ?? providers[0] ?? {};
  const region = resolve("provider.aws.region", defaultProvider.region);
  if (typeof region !== "string" || region === "") {
    throw new Error(`${shown}: provider.aws.region must name a region (given ${JSON.stringify(region)})`);
  }

  const queues = new Map<string, QueueModel>();
  for (const [id, q] of of("aws_sqs_queue")) {
    const where = `aws_sqs_queue.${id}`;
    const redrive = typeof q.redrive_policy === "string" ? q.redrive_policy : "";
    const maxReceive = /maxReceiveCount"?\s*[=:]\s*(\d+)/.exec(redrive);
    queues.set(id, {
      id,
      name: String(q.name ?? id),
      encryption: q.kms_master_key_id !== undefined ? "kms" : q.sqs_managed_sse_enabled === false ? "none" : "sqs",
      kmsDataKeyReusePeriodSeconds: num(
        `${where}.kms_data_key_reuse_period_seconds`,
        q.kms_data_key_reuse_period_seconds,
        SQS_DEFAULT_DATA_KEY_REUSE_SECONDS,
      ),
      maxReceiveCount: maxReceive ? Number(maxReceive[1]) : undefined,
      // The redrive policy is a jsonencode() expression naming the DLQ's ARN attribute.
      deadLetterQueueId: /aws_sqs_queue\.([A-Za-z0-9_]+)\.arn/.exec(redrive)?.[1],
    });
  }

  const tables = new Map<string, TableModel>();
  for (const [id, t] of of("aws_dynamodb_table")) {
    const where = `aws_dynamodb_table.${id}`;
    const sse = block(t.server_side_encryption);
    const onDemand = block(t.on_demand_throughput);
    const warm = block(t.warm_throughput);
    tables.set(id, {
      id,
      name: String(t.name ?? id),
      billingMode: t.billing_mode === "PROVISIONED" ? "PROVISIONED" : "PAY_PER_REQUEST",
      pointInTimeRecovery: block(t.point_in_time_recovery).enabled === true,
      encryption: sse.enabled === true ? (sse.kms_key_arn ? "customer" : "aws-managed") : "owned",
      maxWriteRequestUnits:
        onDemand.max_write_request_units !== undefined
          ? num(`${where}.on_demand_throughput.max_write_request_units`, onDemand.max_write_request_units)
          : undefined,
      warmWriteUnitsPerSecond:
        warm.write_units_per_second !== undefined
          ? num(`${where}.warm_throughput.write_units_per_second`, warm.write_units_per_second)
          : undefined,
    });
  }

  const subscriptions = of("aws_sns_topic_subscription");
  const topics: TopicModel[] = of("aws_sns_topic").map(([id, t]) => ({
    id,
    name: String(t.name ?? id),
    encryption:
      t.kms_master_key_id === undefined
        ? "none"
        : String(t.kms_master_key_id).startsWith("alias/aws/")
          ? "aws-managed"
          : "customer",
    carriesOrders: subscriptions.some(([, s]) => s.protocol === "sqs" && ref(s.topic_arn, "aws_sns_topic") === id),
  }));

  const functions = new Map(of("aws_lambda_function"));
  const logGroups = new Map(of("aws_cloudwatch_log_group"));
  const consumers: ConsumerModel[] = [];
  for (const [mappingId, m] of of("aws_lambda_event_source_mapping")) {
    const where = `aws_lambda_event_source_mapping.${mappingId}`;
    const queueId = ref(m.event_source_arn, "aws_sqs_queue");
    const functionId = ref(m.function_name, "aws_lambda_function");
    if (!queueId || !queues.has(queueId) || !functionId || !functions.has(functionId)) continue;
    const fn = functions.get(functionId)!;
    const fnWhere = `aws_lambda_function.${functionId}`;
    const queue = queues.get(queueId)!;
    const subscription = subscriptions.find(
      ([, s]) => s.protocol === "sqs" && ref(s.endpoint, "aws_sqs_queue") === queueId,
    );
    const logging = block(fn.logging_config);
    const logGroupId = ref(logging.log_group, "aws_cloudwatch_log_group");
    const logGroup = logGroupId ? logGroups.get(logGroupId) : undefined;
    const tableId = Object.values(asObject(block(fn.environment).variables))
      .map((v) => ref(v, "aws_dynamodb_table"))
      .find((id) => id !== undefined && tables.has(id));
    const reserved = num(`${fnWhere}.reserved_concurrent_executions`, fn.reserved_concurrent_executions, -1);
    const architectures = Array.isArray(fn.architectures) ? fn.architectures : ["x86_64"];
    consumers.push({
      mappingId,
      functionName: String(resolve(`${fnWhere}.function_name`, fn.function_name)),
      architecture: architectures[0] === "arm64" ? "arm64" : "x86_64",
      // Lambda's defaults: 128 MB, 3 s.
      memoryMb: num(`${fnWhere}.memory_size`, fn.memory_size, 128),
      timeoutSeconds: num(`${fnWhere}.timeout`, fn.timeout, 3),
      reservedConcurrency: reserved >= 0 ? reserved : undefined,
      batchSize: num(`${where}.batch_size`, m.batch_size, 10),
      maximumBatchingWindowSeconds: num(
        `${where}.maximum_batching_window_in_seconds`,
        m.maximum_batching_window_in_seconds,
        0,
      ),
      maximumConcurrency:
        block(m.scaling_config).maximum_concurrency !== undefined
          ? num(`${where}.scaling_config.maximum_concurrency`, block(m.scaling_config).maximum_concurrency)
          : undefined,
      queue,
      deadLetterQueue: queue.deadLetterQueueId ? queues.get(queue.deadLetterQueueId) : undefined,
      subscription: subscription
        ? {
            topicId: ref(subscription[1].topic_arn, "aws_sns_topic") ?? "",
            rawMessageDelivery:
              resolve(
                `aws_sns_topic_subscription.${subscription[0]}.raw_message_delivery`,
                subscription[1].raw_message_delivery,
              ) === true,
          }
        : undefined,
      table: tableId ? tables.get(tableId) : undefined,
      logGroup: logGroup
        ? {
            name: String(logGroup.name ?? logGroupId),
            retentionDays:
              logGroup.retention_in_days === undefined
                ? undefined
                : num(`aws_cloudwatch_log_group.${logGroupId}.retention_in_days`, logGroup.retention_in_days),
          }
        : undefined,
      applicationLogLevel: String(logging.application_log_level ?? "INFO"),
      systemLogLevel: String(logging.system_log_level ?? "INFO"),
      publishesMetrics: typeof asObject(asObject(fn.environment).variables).POWERTOOLS_METRICS_NAMESPACE === "string",
    });
  }

  const alarms = of("aws_cloudwatch_metric_alarm");
  // Metrics a function publishes itself (Powertools' EMF, one dimension set: service and environment): every metric
  // of the order contract (written each invocation, read or not), and any other the alarms and dashboards read in
  // its namespace. Each name in each service is one custom metric (two consumers of one namespace with their own
  // service names publish two sets).
  const publishers = of("aws_lambda_function")
    .map(([, f]) => asObject(asObject(f.environment).variables))
    .filter((v) => typeof v.POWERTOOLS_METRICS_NAMESPACE === "string")
    .map((v) => ({ ns: String(v.POWERTOOLS_METRICS_NAMESPACE), service: String(v.POWERTOOLS_SERVICE_NAME ?? "") }));
  const publishedMetrics = new Set<string>();
  for (const { ns, service } of publishers) {
    for (const name of Object.values(ORDER_METRIC_NAMES)) publishedMetrics.add(`${ns}/${service}/${name}`);
  }
  for (const ns of new Set(publishers.map((p) => p.ns))) {
    for (const [, a] of alarms) {
      if (a.namespace !== ns) continue;
      const service = String(asObject(a.dimensions).service ?? "");
      publishedMetrics.add(`${ns}/${service}/${String(a.metric_name)}`);
    }
    const quoted = ns.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const [, d] of of("aws_cloudwatch_dashboard")) {
      const metric = new RegExp(`\\["${quoted}", *"([^"]+)"(?:, *"service", *"([^"]*)")?`, "g");
      for (const m of String(d.dashboard_body).matchAll(metric)) {
        publishedMetrics.add(`${ns}/${m[2] ?? ""}/${m[1]}`);
      }
    }
  }
  const metricsOf = (a: Json): number =>
    Array.isArray(a.metric_query) ? a.metric_query.filter((q) => asObject(q).metric).length : 1;
  const highResolution = (a: Json): boolean => Number(a.period) > 0 && Number(a.period) < 60;
  return {
    stack,
    region,
    file: shown,
    topics,
    consumers,
    tables: [...tables.values()],
    customerKeys: of("aws_kms_key").length,
    alarmMetrics: alarms.filter(([, a]) => !highResolution(a)).reduce((n, [, a]) => n + metricsOf(a), 0),
    highResolutionAlarmMetrics: alarms.filter(([, a]) => highResolution(a)).reduce((n, [, a]) => n + metricsOf(a), 0),
    dashboards: of("aws_cloudwatch_dashboard").length,
    customMetrics: of("aws_cloudwatch_log_metric_filter").length + publishedMetrics.size,
    publishedMetrics: publishedMetrics.size,
    fromVariables,
  };
}
