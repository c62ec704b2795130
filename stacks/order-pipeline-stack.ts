import { Fn, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { addAwsProvider, validateTarget } from "./aws-provider";
import { Environment } from "../config/environments";
import { ALARM_RULES, ENVIRONMENT_RULES, Rule, given, problemOf, terraformValidation } from "../config/settings";
import { KMS_KEY_REFERENCE, LAMBDA_LIMITS } from "../constructs/defaults";
import { EncryptionKey } from "../constructs/encryption-key";
import { FanoutTopic } from "../constructs/fanout-topic";
import { OrdersTable } from "../constructs/orders-table";
import { PipelineAlarms } from "../constructs/pipeline-alarms";
import { OutcomeMetricsSource, PipelineDashboard } from "../constructs/pipeline-dashboard";
import { QueueWithDlq } from "../constructs/queue-with-dlq";
import { SavedQueries } from "../constructs/saved-queries";
import { SqsLambda } from "../constructs/sqs-lambda";
import { writeStackManifest } from "./stack-manifest";
import { PROJECT_NAME } from "./naming";
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
   * the backend must run in the state account (directly, or through the environment's `stateRoleArn`).
   */
  readonly kmsKeyId: string;
  /**
   * The state bucket's account, 12 digits: the backend refuses credentials (after the environment's
   * `stateRoleArn`) of any other account (`allowed_account_ids`) before it reads or writes state.
   * @default any account the credentials reach
   */
  readonly account?: string;
}

export interface OrderPipelineStackProps {
  /**
   * The environment: its name (in tags), where the stack deploys and as whom (`region`, `account`,
   * `roleArn`; `stateRoleArn` for the backend), and its pipeline's settings, each passed to the
   * construct prop of the same name. `environmentFrom` checks one given by hand and applies every default.
   */
  readonly environment: Environment;
  /** Prefix of every physical name: `<prefix>-OrderTopic`, `<prefix>-OrderQueue`, ... Usually the stack name. */
  readonly prefix: string;
  /** Where the state is kept (the environment's `stateRoleArn` is the role the backend assumes). */
  readonly backend: StateBackendProps;
  /** Path of the built ProcessOrderLambda bundle (`dist/functions/process-order/index.js`). */
  readonly functionBundlePath: string;
}

/** Seed names of the system's parts; every physical name is `<prefix>-<SeedName>`. */
export const SEED_NAMES = {
  topic: "OrderTopic",
  queue: "OrderQueue",
  deadLetterQueue: "OrderQueueDLQ",
  function: "ProcessOrderLambda",
  table: "Orders",
} as const;

/** ProcessOrderLambda's service name: in its log lines and its metrics' `service` dimension. */
export const FUNCTION_SERVICE_NAME = "process-order";

/** The CloudWatch namespace of a stack's custom metrics: one per stack, so two stacks never mix. */
export function metricsNamespace(prefix: string): string {
  return `${PROJECT_NAME}/${prefix}`;
}

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
  public readonly dashboard: PipelineDashboard;
  public readonly queries: SavedQueries;
  /** Where ProcessOrderLambda's business metrics are: the stack's namespace, service and environment. */
  public readonly outcomeMetrics: OutcomeMetricsSource;

  /** The customer-managed keys of OrderTopic and of OrderQueue and its DLQ, when `customerManagedKeys` is on. */
  public readonly messageKeys?: { readonly topic: EncryptionKey; readonly queue: EncryptionKey };

  constructor(scope: Construct, id: string, props: OrderPipelineStackProps) {
    super(scope, id);
    const { environment } = props;
    validate(id, props);
    const name = (seed: string): string => `${props.prefix}-${seed}`;

    addAwsProvider(this, environment.name, environment);
    new ArchiveProvider(this, "archive");
    new S3Backend(this, {
      bucket: props.backend.bucket,
      region: props.backend.region,
      key: `${props.backend.keyPrefix}/${id}.tfstate`,
      // State and lock objects are written SSE-KMS with this key; the state bucket refuses any other write.
      encrypt: true,
      kmsKeyId: props.backend.kmsKeyId,
      allowedAccountIds: props.backend.account !== undefined ? [props.backend.account] : undefined,
      assumeRole:
        environment.stateRoleArn !== undefined ? { roleArn: environment.stateRoleArn, sessionName: id } : undefined,
    });
    // Native S3 locking (Terraform >= 1.11); cdktf 0.21's S3Backend has no typed prop for it.
    this.addOverride("terraform.backend.s3.use_lockfile", true);
    requireTerraformVersion(this);

    // Plan-time overrides of three settings (terraform.tfvars): the environment gives their defaults,
    // and each validation block is the setting's own rule (config/settings.ts), condition and words.
    const logRetentionDays = new TerraformVariable(this, "log_retention_days", {
      type: "number",
      default: environment.logRetentionDays,
      description: `Retention of the function's log group, in days: ${ENVIRONMENT_RULES.logRetentionDays.allowed}.`,
      validation: [terraformValidation("log_retention_days", ENVIRONMENT_RULES.logRetentionDays)],
    });
    const functionMemory = new TerraformVariable(this, "function_memory_mb", {
      type: "number",
      default: environment.memorySizeMb,
      description: `Memory of ProcessOrderLambda in MB, ${ENVIRONMENT_RULES.memorySizeMb.allowed}.`,
      validation: [terraformValidation("function_memory_mb", ENVIRONMENT_RULES.memorySizeMb)],
    });

    if (environment.customerManagedKeys) {
      this.messageKeys = {
        topic: new EncryptionKey(this, `${SEED_NAMES.topic}Key`, {
          alias: name(SEED_NAMES.topic),
          description: `Encrypts the SNS topic ${name(SEED_NAMES.topic)}; publishers use it through SNS`,
          usedThrough: [{ service: "sns" }],
          administrators: environment.keyAdministrators,
        }),
        queue: new EncryptionKey(this, `${SEED_NAMES.queue}Key`, {
          alias: name(SEED_NAMES.queue),
          description: `Encrypts the SQS queues ${name(SEED_NAMES.queue)} and ${name(SEED_NAMES.deadLetterQueue)}`,
          usedThrough: [{ service: "sqs" }],
          administrators: environment.keyAdministrators,
        }),
      };
    }
    this.topic = new FanoutTopic(this, SEED_NAMES.topic, {
      topicName: name(SEED_NAMES.topic),
      encryptionKey: this.messageKeys?.topic,
    });
    this.queue = new QueueWithDlq(this, SEED_NAMES.queue, {
      queueName: name(SEED_NAMES.queue),
      visibilityTimeoutSeconds: LAMBDA_LIMITS.visibilityTimeoutFactor * environment.timeoutSeconds,
      deadLetterQueue: { queueName: name(SEED_NAMES.deadLetterQueue) },
      encryptionKey: this.messageKeys?.queue,
    });
    this.topic.subscribeQueue(this.queue, { rawMessageDelivery: environment.rawMessageDelivery });
    this.table = new OrdersTable(this, SEED_NAMES.table, {
      tableName: name(SEED_NAMES.table),
      deletionProtection: environment.deletionProtection,
      keyAdministrators: environment.keyAdministrators,
    });
    this.outcomeMetrics = {
      namespace: metricsNamespace(props.prefix),
      dimensions: { service: FUNCTION_SERVICE_NAME, environment: environment.name },
    };
    this.processOrder = new SqsLambda(this, SEED_NAMES.function, {
      functionName: name(SEED_NAMES.function),
      bundlePath: props.functionBundlePath,
      source: this.queue,
      timeoutSeconds: environment.timeoutSeconds,
      memorySizeMb: functionMemory.numberValue,
      logRetentionDays: logRetentionDays.numberValue,
      batchSize: environment.batchSize,
      maximumConcurrency: environment.maximumConcurrency,
      reservedConcurrentExecutions: environment.reservedConcurrentExecutions,
      applicationLogLevel: environment.applicationLogLevel,
      environment: {
        ORDERS_TABLE_NAME: this.table.table.name,
        POWERTOOLS_SERVICE_NAME: FUNCTION_SERVICE_NAME,
        // The function's metrics (EMF): this stack's namespace, dimensions service and environment only.
        POWERTOOLS_METRICS_NAMESPACE: this.outcomeMetrics.namespace,
        ORDERS_ENVIRONMENT: environment.name,
      },
    });
    this.table.grantWriteOrders(this.processOrder);

    const alarmEmails = new TerraformVariable(this, "alarm_emails", {
      type: "list(string)",
      default: [...environment.alarms.emails],
      description:
        "E-mail addresses subscribed to the pipeline's alarm topic (each confirms by e-mail); empty for none.",
      validation: [terraformValidation("alarm_emails", ALARM_RULES.emails)],
    });
    this.alarms = new PipelineAlarms(this, "Alarms", {
      topicName: name("Alarms"),
      queues: [this.queue],
      consumers: [this.processOrder],
      emails: alarmEmails.listValue,
      oldestMessageAgeSeconds: environment.alarms.oldestMessageAgeSeconds,
      functionErrorsThreshold: environment.alarms.functionErrorsThreshold,
      functionThrottlesThreshold: environment.alarms.functionThrottlesThreshold,
      outcomeMetrics: this.outcomeMetrics,
      rejectedOrdersThreshold: environment.alarms.rejectedOrdersThreshold,
      failedOrdersThreshold: environment.alarms.failedOrdersThreshold,
      orderLatencyP99Ms: environment.alarms.orderLatencyP99Ms,
    });

    this.dashboard = new PipelineDashboard(this, "Dashboard", {
      dashboardName: name("Pipeline"),
      region: environment.region,
      topics: [this.topic],
      queues: [this.queue],
      consumers: [this.processOrder],
      tables: [this.table],
      outcomeMetrics: this.outcomeMetrics,
    });

    this.queries = new SavedQueries(this, "Queries", {
      folder: props.prefix,
      logGroupNames: [this.processOrder.logGroup.name],
    });

    const outputs: Record<string, [string, string]> = {
      topic_arn: [this.topic.topic.arn, "ARN of OrderTopic: publish orders here."],
      queue_url: [this.queue.queue.url, "URL of OrderQueue."],
      dlq_url: [this.queue.deadLetterQueue!.url, "URL of OrderQueueDLQ: messages that failed 3 receives."],
      table_name: [this.table.table.name, "Name of the Orders table."],
      function_name: [this.processOrder.fn.functionName, "Name of ProcessOrderLambda."],
      log_group_name: [this.processOrder.logGroup.name, "Log group of ProcessOrderLambda."],
      alarm_topic_arn: [this.alarms.topic.topic.arn, "ARN of the alarm topic: subscribe on-call tools here."],
      dashboard_name: [this.dashboard.dashboard.dashboardName, "CloudWatch dashboard of every hop of the pipeline."],
      // What npm run status asks CloudWatch for: the function's metrics and the alarms in ALARM.
      metrics_namespace: [this.outcomeMetrics.namespace, "CloudWatch namespace of ProcessOrderLambda's metrics."],
      metrics_dimensions: [
        Fn.jsonencode(this.outcomeMetrics.dimensions),
        "The dimensions of ProcessOrderLambda's metrics (JSON object).",
      ],
      alarm_name_prefix: [this.alarms.topic.topic.name, "Every alarm of the stack is named with this prefix."],
    };
    for (const [outputId, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, outputId, { value, description });
    }
    // Settings for tools on this machine (npm run sandbox), beside the stack's Terraform.
    writeStackManifest(this);
  }
}

/**
 * The stack's own props, checked once, every problem in one error: the target (validateTarget), the
 * backend's key and role, and the three settings that become variable defaults (no construct sees
 * those values, only the variables), each by its setting's rule.
 */
function validate(id: string, { environment, backend }: OrderPipelineStackProps): void {
  const validator = validateTarget(new PropsValidator("OrderPipelineStack", id), "", environment);
  const follows = (field: string, rule: Rule<unknown>, value: unknown): void => {
    const problem = problemOf(field, rule, value);
    validator.expect(problem === undefined, problem!);
  };
  validator.expect(
    KMS_KEY_REFERENCE.test(backend.kmsKeyId),
    `backend.kmsKeyId must be "alias/<name>" or a KMS key ARN (given ${given(backend.kmsKeyId)})`,
  );
  follows("stateRoleArn", ENVIRONMENT_RULES.stateRoleArn, environment.stateRoleArn);
  follows("backend.account", ENVIRONMENT_RULES.account, backend.account);
  // Deletion protection marks an environment that matters: credentials for another account must not reach it.
  validator.expect(
    !environment.deletionProtection || environment.account !== undefined,
    `account is required when deletionProtection is true: ${ENVIRONMENT_RULES.account.allowed}, the only ` +
      `account the environment ${given(environment.name)} may deploy into (given nothing)`,
  );
  follows("memorySizeMb", ENVIRONMENT_RULES.memorySizeMb, environment.memorySizeMb);
  follows("logRetentionDays", ENVIRONMENT_RULES.logRetentionDays, environment.logRetentionDays);
  follows("alarms.emails", ALARM_RULES.emails, environment.alarms.emails);
  validator.throwIfInvalid();
}
