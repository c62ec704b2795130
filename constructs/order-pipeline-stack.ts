import { S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { FanoutTopic } from "./fanout-topic";
import { LOG_RETENTION_DAYS, LAMBDA_LIMITS } from "./defaults";
import { OrdersTable } from "./orders-table";
import { PipelineAlarms, PipelineAlarmsProps } from "./pipeline-alarms";
import { QueueWithDlq } from "./queue-with-dlq";
import { SqsLambda } from "./sqs-lambda";
import { writeStackManifest } from "./stack-manifest";
import { requireTerraformVersion } from "./terraform-version";

/** Terraform 1.11 brought native S3 state locking (`use_lockfile`). */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

/** Where a stack keeps its Terraform state. */
export interface StateBackendProps {
  /** S3 bucket holding the state (create it once per account; see the README). */
  readonly bucket: string;
  /** Region of the bucket. */
  readonly region: string;
  /** Key prefix; the state key is `<keyPrefix>/<stack name>.tfstate`. */
  readonly keyPrefix: string;
}

export interface OrderPipelineStackProps {
  /** Environment name (`dev`, `prod`), used in tags. */
  readonly environment: string;
  /** Prefix of every physical name: `<prefix>-OrderTopic`, `<prefix>-OrderQueue`, ... Usually the stack name. */
  readonly prefix: string;
  /** AWS region of the resources. */
  readonly region: string;
  /** Remote state settings. */
  readonly backend: StateBackendProps;
  /** Path of the built ProcessOrderLambda bundle (`dist/functions/process-order/index.js`). */
  readonly functionBundlePath: string;
  /** Protect the Orders table from deletion (on for prod). */
  readonly deletionProtection: boolean;
  /**
   * Default of the `log_retention_days` variable; one of CloudWatch's values.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Default of the `function_memory_mb` variable, 128-10240.
   * @default 256
   */
  readonly functionMemoryMb?: number;
  /**
   * Deliver orders to the queue without the SNS envelope. The function reads both.
   * @default false
   */
  readonly rawMessageDelivery?: boolean;
  /**
   * Function timeout in seconds, 1-900; the queue's visibility timeout is 6 x this.
   * @default 30
   */
  readonly functionTimeoutSeconds?: number;
  /**
   * Records per invocation, 1-10 (no batching window is configured).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Most concurrent invocations the queue starts, 2-1000.
   * @default 10
   */
  readonly maximumConcurrency?: number;
  /**
   * Alarm thresholds (see `PipelineAlarmsProps`).
   * @default oldest message 600 s, any function error, any throttle
   */
  readonly alarms?: Pick<
    PipelineAlarmsProps,
    "oldestMessageAgeSeconds" | "functionErrorsThreshold" | "functionThrottlesThreshold"
  >;
}

/** Seed names of the system's parts; every physical name is `<prefix>-<SeedName>`. */
export const SEED_NAMES = {
  topic: "OrderTopic",
  queue: "OrderQueue",
  deadLetterQueue: "OrderQueueDLQ",
  function: "ProcessOrderLambda",
  table: "Orders",
} as const;

/**
 * One environment of the order pipeline:
 * OrderTopic -> OrderQueue (-> OrderQueueDLQ after 3 receives) -> ProcessOrderLambda -> Orders.
 */
export class OrderPipelineStack extends TerraformStack {
  public readonly topic: FanoutTopic;
  public readonly queue: QueueWithDlq;
  public readonly table: OrdersTable;
  public readonly processOrder: SqsLambda;
  public readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: OrderPipelineStackProps) {
    super(scope, id);
    const name = (seed: string): string => `${props.prefix}-${seed}`;
    const timeoutSeconds = props.functionTimeoutSeconds ?? 30;

    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { project: "order-pipeline", environment: props.environment, "managed-by": "cdktf" } }],
    });
    new ArchiveProvider(this, "archive");
    new S3Backend(this, {
      bucket: props.backend.bucket,
      region: props.backend.region,
      key: `${props.backend.keyPrefix}/${id}.tfstate`,
      encrypt: true,
    });
    // Native S3 locking (Terraform >= 1.11); cdktf 0.21's S3Backend has no typed prop for it.
    this.addOverride("terraform.backend.s3.use_lockfile", true);
    requireTerraformVersion(this, REQUIRED_TERRAFORM_VERSION);

    const logRetentionDays = new TerraformVariable(this, "log_retention_days", {
      type: "number",
      default: props.logRetentionDays ?? 30,
      description: `Retention of the function's log group, in days: one of ${LOG_RETENTION_DAYS.join(", ")}.`,
      validation: [
        {
          condition: `\${contains([${LOG_RETENTION_DAYS.join(", ")}], var.log_retention_days)}`,
          errorMessage: `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")} (given \${var.log_retention_days}).`,
        },
      ],
    });
    const { min, max } = LAMBDA_LIMITS.memorySizeMb;
    const functionMemory = new TerraformVariable(this, "function_memory_mb", {
      type: "number",
      default: props.functionMemoryMb ?? 256,
      description: `Memory of ProcessOrderLambda in MB, a whole number from ${min} to ${max}.`,
      validation: [
        {
          condition: `\${var.function_memory_mb >= ${min} && var.function_memory_mb <= ${max} && floor(var.function_memory_mb) == var.function_memory_mb}`,
          errorMessage: `function_memory_mb must be a whole number from ${min} to ${max} (given \${var.function_memory_mb}).`,
        },
      ],
    });

    this.topic = new FanoutTopic(this, SEED_NAMES.topic, { topicName: name(SEED_NAMES.topic) });
    this.queue = new QueueWithDlq(this, SEED_NAMES.queue, {
      queueName: name(SEED_NAMES.queue),
      visibilityTimeoutSeconds: LAMBDA_LIMITS.visibilityTimeoutFactor * timeoutSeconds,
      deadLetterQueue: { queueName: name(SEED_NAMES.deadLetterQueue) },
    });
    this.topic.subscribeQueue(this.queue, { rawMessageDelivery: props.rawMessageDelivery ?? false });
    this.table = new OrdersTable(this, SEED_NAMES.table, {
      tableName: name(SEED_NAMES.table),
      deletionProtection: props.deletionProtection,
    });
    this.processOrder = new SqsLambda(this, SEED_NAMES.function, {
      functionName: name(SEED_NAMES.function),
      bundlePath: props.functionBundlePath,
      source: this.queue,
      timeoutSeconds,
      memorySizeMb: functionMemory.numberValue,
      logRetentionDays: logRetentionDays.numberValue,
      batchSize: props.batchSize,
      maximumConcurrency: props.maximumConcurrency,
      environment: {
        ORDERS_TABLE_NAME: this.table.table.name,
        POWERTOOLS_SERVICE_NAME: "process-order",
      },
    });
    this.table.grantWriteOrders(this.processOrder);

    const alarmEmails = new TerraformVariable(this, "alarm_emails", {
      type: "list(string)",
      default: [],
      description:
        "E-mail addresses subscribed to the pipeline's alarm topic (each confirms by e-mail); empty for none.",
      validation: [
        {
          condition: `\${alltrue([for address in var.alarm_emails : can(regex("^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$", address))])}`,
          errorMessage:
            "alarm_emails must hold e-mail addresses such as ops@example.com (given ${jsonencode(var.alarm_emails)}).",
        },
      ],
    });
    this.alarms = new PipelineAlarms(this, "Alarms", {
      topicName: name("Alarms"),
      queue: this.queue,
      consumer: this.processOrder,
      emails: alarmEmails.listValue,
      ...props.alarms,
    });

    const outputs: Record<string, [string, string]> = {
      topic_arn: [this.topic.topic.arn, "ARN of OrderTopic: publish orders here."],
      queue_url: [this.queue.queue.url, "URL of OrderQueue."],
      dlq_url: [this.queue.deadLetterQueue!.url, "URL of OrderQueueDLQ: messages that failed 3 receives."],
      table_name: [this.table.table.name, "Name of the Orders table."],
      function_name: [this.processOrder.fn.functionName, "Name of ProcessOrderLambda."],
      log_group_name: [this.processOrder.logGroup.name, "Log group of ProcessOrderLambda."],
      alarm_topic_arn: [this.alarms.topic.topic.arn, "ARN of the alarm topic: subscribe on-call tools here."],
    };
    for (const [outputId, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, outputId, { value, description });
    }
    // Settings for tools on this machine (npm run sandbox), beside the stack's Terraform.
    writeStackManifest(this);
  }
}
