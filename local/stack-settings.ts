import * as fs from "fs";
import * as path from "path";

/**
 * Reads the pipeline's settings from a synthesized stack (`cdk.tf.json`), so local
 * runs and tests create their queues and table exactly as the stack defines them:
 * change the stack and they follow. Nothing here repeats a setting by hand.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TfJson = Record<string, any>;

export interface QueueSettings {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly receiveWaitTimeSeconds: number;
}

export interface PipelineSettings {
  readonly queue: QueueSettings;
  readonly deadLetterQueue: QueueSettings;
  readonly maxReceiveCount: number;
  readonly table: {
    readonly name: string;
    readonly hashKey: string;
    readonly rangeKey?: string;
    readonly attributes: readonly { name: string; type: "S" | "N" | "B" }[];
    readonly billingMode: string;
  };
  readonly rawMessageDelivery: boolean;
  readonly batchSize: number;
  readonly maximumConcurrency: number;
  readonly functionTimeoutSeconds: number;
}

/** Reads `cdktf.out/stacks/<stack>/cdk.tf.json`, with a clear error when synth has not run. */
export function loadStack(stackDir: string): TfJson {
  const file = path.join(stackDir, "cdk.tf.json");
  if (!fs.existsSync(file)) {
    throw new Error(`${file} does not exist: run "npm run synth" first`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** The logical ID a `${type.ID.attr}` reference points at. */
function referencedId(reference: unknown, type: string): string {
  const match = new RegExp(`\\$\\{${type}\\.([^.}]+)\\.`).exec(String(reference));
  if (!match) throw new Error(`expected a reference to a ${type}, found ${JSON.stringify(reference)}`);
  return match[1];
}

function only(tf: TfJson, type: string): TfJson {
  const all = Object.values(tf.resource?.[type] ?? {}) as TfJson[];
  if (all.length !== 1) throw new Error(`expected one ${type} in the stack, found ${all.length}`);
  return all[0];
}

/** The value of a number attribute, or the default of the variable it names; undefined otherwise. */
export function numberValue(tf: TfJson, value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const variable = /^\$\{var\.([\w-]+)\}$/.exec(String(value));
  const fallback = variable ? tf.variable?.[variable[1]]?.default : undefined;
  return typeof fallback === "number" ? fallback : undefined;
}

function numberOf(tf: TfJson, value: unknown, what: string): number {
  const number = numberValue(tf, value);
  if (number === undefined) throw new Error(`${what} is not a number the stack fixes (found ${JSON.stringify(value)})`);
  return number;
}

function queueSettings(tf: TfJson, queue: TfJson): QueueSettings {
  return {
    name: queue.name,
    // SQS's own defaults apply where the stack sets nothing.
    visibilityTimeoutSeconds: numberOf(tf, queue.visibility_timeout_seconds ?? 30, "visibility_timeout_seconds"),
    messageRetentionSeconds: numberOf(tf, queue.message_retention_seconds ?? 345600, "message_retention_seconds"),
    receiveWaitTimeSeconds: numberOf(tf, queue.receive_wait_time_seconds ?? 0, "receive_wait_time_seconds"),
  };
}

/** The settings of the queue that feeds the function, its DLQ, the table it writes and the subscription. */
export function pipelineSettings(tf: TfJson): PipelineSettings {
  const mapping = only(tf, "aws_lambda_event_source_mapping");
  const queues = tf.resource.aws_sqs_queue as Record<string, TfJson>;
  const queue = queues[referencedId(mapping.event_source_arn, "aws_sqs_queue")];
  const redrive = String(queue.redrive_policy ?? "");
  const dlqTarget = /"deadLetterTargetArn" = aws_sqs_queue\.([^.]+)\.arn/.exec(redrive);
  if (!dlqTarget) throw new Error(`no deadLetterTargetArn in the queue's redrive policy: ${redrive}`);
  const dlqId = dlqTarget[1];
  const maxReceiveCount = /"maxReceiveCount" = (\d+)/.exec(redrive);
  if (!maxReceiveCount) throw new Error(`no maxReceiveCount in the queue's redrive policy: ${redrive}`);

  const fn = only(tf, "aws_lambda_function");
  const tables = tf.resource.aws_dynamodb_table as Record<string, TfJson>;
  const table = tables[referencedId(fn.environment?.variables?.ORDERS_TABLE_NAME, "aws_dynamodb_table")];
  const subscription = Object.values((tf.resource.aws_sns_topic_subscription ?? {}) as Record<string, TfJson>).find(
    (s) => s.endpoint === `\${aws_sqs_queue.${referencedId(mapping.event_source_arn, "aws_sqs_queue")}.arn}`,
  );

  return {
    queue: queueSettings(tf, queue),
    deadLetterQueue: queueSettings(tf, queues[dlqId]),
    maxReceiveCount: Number(maxReceiveCount[1]),
    table: {
      name: table.name,
      hashKey: table.hash_key,
      rangeKey: table.range_key,
      attributes: table.attribute,
      billingMode: table.billing_mode,
    },
    rawMessageDelivery: subscription?.raw_message_delivery === true,
    batchSize: numberOf(tf, mapping.batch_size ?? 10, "batch_size"),
    maximumConcurrency: numberOf(tf, mapping.scaling_config?.maximum_concurrency ?? 1000, "maximum_concurrency"),
    functionTimeoutSeconds: numberOf(tf, fn.timeout ?? 3, "timeout"),
  };
}
