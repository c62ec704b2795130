import { S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AwsTarget, ROLE_ARN_PATTERN, addAwsProvider, validateTarget } from "./aws-provider";
import { ApplicationLogLevel, FUNCTION_DEFAULTS, LAMBDA_LIMITS, LOG_RETENTION_DAYS } from "../constructs/defaults";
import { EncryptionKey } from "../constructs/encryption-key";
import { FanoutTopic } from "../constructs/fanout-topic";
import { OrdersTable } from "../constructs/orders-table";
import { PipelineAlarms, PipelineAlarmsProps } from "../constructs/pipeline-alarms";
import { QueueWithDlq } from "../constructs/queue-with-dlq";
import { SqsLambda } from "../constructs/sqs-lambda";
import { writeStackManifest } from "./stack-manifest";
import { requireTerraformVersion } from "../constructs/terraform-version";
import { PropsValidator } from "../constructs/validation";

/** Where a stack keeps its Terraform state. */
export interface StateBackendProps {
  /** S3 bucket holding the state (created once by the state bootstrap stack). */
  readonly bucket: string;
  /** Region of the bucket. */
  readonly region: string;
  /** Key prefix; the state key is `<keyPrefix>/<stack name>.tfstate`. */
  readonly keyPrefix: string;
  /**
   * The KMS key that encrypts the state and lock objects (`kms_key_id`): `alias/<name>` or a key ARN.
   * S3 resolves an alias in the account of the credentials the backend uses, so with an alias
   * the backend must run in the state account (directly, or through `roleArn`).
   */
  readonly kmsKeyId: string;
  /**
   * ARN of a role in the state account that the backend assumes (`assume_role`), when the
   * credentials Terraform runs with belong to another account.
   * @default the caller's own credentials
   */
  readonly roleArn?: string;
}

export interface OrderPipelineStackProps extends AwsTarget {
  /** Environment name (`dev`, `prod`), used in tags. */
  readonly environment: string;
  /** Prefix of every physical name: `<prefix>-OrderTopic`, `<prefix>-OrderQueue`, ... Usually the stack name. */
  readonly prefix: string;
  /** Remote state settings. */
  readonly backend: StateBackendProps;
  /** Path of the built ProcessOrderLambda bundle (`dist/functions/process-order/index.js`). */
  readonly functionBundlePath: string;
  /**
   * Protect the Orders table from deletion.
   * @default true
   */
  readonly deletionProtection?: boolean;
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
   * Reserved concurrency of the function, from `maximumConcurrency` to 1000.
   * @default maximumConcurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * The function's application log level.
   * @default "INFO"
   */
  readonly applicationLogLevel?: ApplicationLogLevel;
  /**
   * Default of the `alarm_emails` variable: addresses subscribed to the alarm topic.
   * @default none
   */
  readonly alarmEmails?: readonly string[];
  /**
   * Alarm thresholds (see `PipelineAlarmsProps`).
   * @default oldest message 600 s, any function error, any throttle
   */
  readonly alarms?: Pick<
    PipelineAlarmsProps,
    "oldestMessageAgeSeconds" | "functionErrorsThreshold" | "functionThrottlesThreshold"
  >;
  /**
   * Encrypt OrderTopic with a customer-managed key of its own, and OrderQueue and its DLQ with
   * another whose policy lets SNS deliver for OrderTopic only.
   * @default false (the AWS-managed SNS key for the topic, SSE-SQS for the queues)
   */
  readonly customerManagedKeys?: boolean;
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

  /** The customer-managed keys of OrderTopic and of OrderQueue and its DLQ, when `customerManagedKeys` is on. */
  public readonly messageKeys?: { readonly topic: EncryptionKey; readonly queue: EncryptionKey };

  constructor(scope: Construct, id: string, props: OrderPipelineStackProps) {
    super(scope, id);
    validateTarget(new PropsValidator("OrderPipelineStack", id), "", props)
      .expect(
        /^alias\/[A-Za-z0-9/_-]+$|^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/.test(
          props.backend.kmsKeyId,
        ),
        `backend.kmsKeyId must be "alias/<name>" or a KMS key ARN (given ${JSON.stringify(props.backend.kmsKeyId)})`,
      )
      .expect(
        props.backend.roleArn === undefined || ROLE_ARN_PATTERN.test(props.backend.roleArn),
        `backend.roleArn must be an IAM role ARN such as arn:aws:iam::111122223333:role/state (given ${JSON.stringify(props.backend.roleArn)})`,
      )
      .throwIfInvalid();
    const name = (seed: string): string => `${props.prefix}-${seed}`;
    const timeoutSeconds = props.functionTimeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds;

    addAwsProvider(this, props.environment, props);
    new ArchiveProvider(this, "archive");
    new S3Backend(this, {
      bucket: props.backend.bucket,
      region: props.backend.region,
      key: `${props.backend.keyPrefix}/${id}.tfstate`,
      // State and lock objects are written SSE-KMS with this key; the state bucket refuses any other write.
      encrypt: true,
      kmsKeyId: props.backend.kmsKeyId,
      assumeRole: props.backend.roleArn !== undefined ? { roleArn: props.backend.roleArn, sessionName: id } : undefined,
    });
    // Native S3 locking (Terraform >= 1.11); cdktf 0.21's S3Backend has no typed prop for it.
    this.addOverride("terraform.backend.s3.use_lockfile", true);
    requireTerraformVersion(this);

    const logRetentionDays = new TerraformVariable(this, "log_retention_days", {
      type: "number",
      default: props.logRetentionDays ?? FUNCTION_DEFAULTS.logRetentionDays,
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
      default: props.functionMemoryMb ?? FUNCTION_DEFAULTS.memorySizeMb,
      description: `Memory of ProcessOrderLambda in MB, a whole number from ${min} to ${max}.`,
      validation: [
        {
          condition: `\${var.function_memory_mb >= ${min} && var.function_memory_mb <= ${max} && floor(var.function_memory_mb) == var.function_memory_mb}`,
          errorMessage: `function_memory_mb must be a whole number from ${min} to ${max} (given \${var.function_memory_mb}).`,
        },
      ],
    });

    if (props.customerManagedKeys) {
      this.messageKeys = {
        topic: new EncryptionKey(this, `${SEED_NAMES.topic}Key`, {
          alias: name(SEED_NAMES.topic),
          description: `Encrypts the SNS topic ${name(SEED_NAMES.topic)}; publishers use it through SNS`,
          usedThrough: [{ service: "sns" }],
        }),
        queue: new EncryptionKey(this, `${SEED_NAMES.queue}Key`, {
          alias: name(SEED_NAMES.queue),
          description: `Encrypts the SQS queues ${name(SEED_NAMES.queue)} and ${name(SEED_NAMES.deadLetterQueue)}`,
          usedThrough: [{ service: "sqs" }],
        }),
      };
    }
    this.topic = new FanoutTopic(this, SEED_NAMES.topic, {
      topicName: name(SEED_NAMES.topic),
      encryptionKey: this.messageKeys?.topic,
    });
    this.queue = new QueueWithDlq(this, SEED_NAMES.queue, {
      queueName: name(SEED_NAMES.queue),
      visibilityTimeoutSeconds: LAMBDA_LIMITS.visibilityTimeoutFactor * timeoutSeconds,
      deadLetterQueue: { queueName: name(SEED_NAMES.deadLetterQueue) },
      encryptionKey: this.messageKeys?.queue,
    });
    this.topic.subscribeQueue(this.queue, { rawMessageDelivery: props.rawMessageDelivery });
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
      reservedConcurrentExecutions: props.reservedConcurrency,
      applicationLogLevel: props.applicationLogLevel,
      environment: {
        ORDERS_TABLE_NAME: this.table.table.name,
        POWERTOOLS_SERVICE_NAME: "process-order",
      },
    });
    this.table.grantWriteOrders(this.processOrder);

    const alarmEmails = new TerraformVariable(this, "alarm_emails", {
      type: "list(string)",
      default: [...(props.alarmEmails ?? [])],
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
      queues: [this.queue],
      consumers: [this.processOrder],
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
