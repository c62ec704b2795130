import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import AWS_PROVIDER from "@cdktf/provider-aws/package.json";
import ARCHIVE_PROVIDER from "@cdktf/provider-archive/package.json";
import { Configuration, Environment, pipelineStackNames, stackNameOf, stateTarget } from "../../config/environments";
import { providerDefaultTags, stateKeyAliasName } from "../../stacks/naming";
import {
  SynthesizedApp,
  TfJson,
  idWhere,
  processOrderArchive,
  resourcesOf,
  statementsOf,
  viaServiceCondition,
} from "./tf-json";

/**
 * The stack suite as functions of a synthesized app and the configuration it was synthesized
 * from: every expectation is derived from the environment's entry (its defaults applied by the
 * configuration reader), so the same checks run over the committed stacks (stack.test.ts) and over
 * an adopter's (third-environment.test.ts). Only construct defaults that no environment field sets
 * (3 receives before the DLQ, SSE-SQS, the outputs) are written out.
 */

/** What a suite checks: an app synthesized from `configuration`. */
export interface SynthesizedConfiguration {
  readonly app: SynthesizedApp;
  readonly configuration: Configuration;
}

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The names of a stack's resources that do not depend on another resource (physical names). */
function physicalNames(tf: TfJson): string[] {
  return Object.values(tf.resource as Record<string, Record<string, TfJson>>)
    .flatMap((byId) => Object.values(byId))
    .map((r) => r.name ?? r.function_name)
    .filter((n): n is string => typeof n === "string" && !n.includes("${"));
}

/**
 * Checks of the whole app: one stack per environment of `configuration` plus the state bootstrap
 * stack, disjoint physical names, the function bundle in every stack folder, no machine paths.
 * `load` runs once, in `beforeAll`.
 */
export function describeAppChecks(load: () => SynthesizedConfiguration, bundlePath: string): void {
  let app: SynthesizedApp;
  let configuration: Configuration;
  let pipelines: string[];
  beforeAll(() => {
    ({ app, configuration } = load());
    pipelines = pipelineStackNames(configuration);
  });

  test("writes one stack per environment of the configuration, and the state bootstrap stack", () => {
    const bootstrap = `${configuration.settings.namePrefix}-state-bootstrap`;
    expect(Object.keys(app.stacks).sort()).toEqual([...pipelines, bootstrap].sort());
  });

  test("gives every environment physical names no other environment uses", () => {
    for (const name of pipelines) {
      const own = physicalNames(app.stacks[name]);
      expect(own.length).toBeGreaterThanOrEqual(7);
      const others = pipelines.filter((other) => other !== name).flatMap((other) => physicalNames(app.stacks[other]));
      expect({ stack: name, shared: own.filter((n) => others.includes(n)) }).toEqual({ stack: name, shared: [] });
    }
  });

  test("copies the function bundle into each pipeline stack folder at the path archive_file zips", () => {
    for (const name of pipelines) {
      const archive = processOrderArchive(app.stacks[name]);
      const copied = path.join(app.outdir, "stacks", name, archive.source_file);
      expect({ stack: name, sha256: sha256(copied) }).toEqual({ stack: name, sha256: sha256(bundlePath) });
    }
  });

  test("names no absolute path of the build machine", () => {
    for (const name of Object.keys(app.stacks)) {
      const text = fs.readFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), "utf8");
      expect(text).not.toContain(process.cwd());
      expect(text).not.toContain(app.outdir);
      expect(text).not.toMatch(/"(source_file|output_path|filename)": "\//);
    }
  });
}

/**
 * Checks of one environment's pipeline stack against that environment's settings. `load` runs
 * once, in `beforeAll`; `environmentName` names the environment in `configuration`.
 */
export function describePipelineStackChecks(environmentName: string, load: () => SynthesizedConfiguration): void {
  let tf: TfJson;
  let outdir: string;
  let environment: Environment;
  let configuration: Configuration;
  let prefix: string;
  let ids: Record<"topic" | "queue" | "dlq" | "table" | "fn" | "logGroup" | "role", string>;
  const fnOf = (): TfJson => resourcesOf(tf, "aws_lambda_function")[ids.fn];
  const queueOf = (): TfJson => resourcesOf(tf, "aws_sqs_queue")[ids.queue];
  const mappingOf = (): TfJson =>
    Object.values(resourcesOf(tf, "aws_lambda_event_source_mapping")).find(
      (m) => m.function_name === `\${aws_lambda_function.${ids.fn}.arn}`,
    )!;

  beforeAll(() => {
    let app: SynthesizedApp;
    ({ app, configuration } = load());
    environment = configuration.environments.find((e) => e.name === environmentName)!;
    prefix = stackNameOf(configuration.settings.namePrefix, environmentName);
    tf = app.stacks[prefix];
    outdir = app.outdir;
    const fnId = idWhere(tf, "aws_lambda_function", "function_name", `${prefix}-ProcessOrderLambda`);
    ids = {
      topic: idWhere(tf, "aws_sns_topic", "name", `${prefix}-OrderTopic`),
      queue: idWhere(tf, "aws_sqs_queue", "name", `${prefix}-OrderQueue`),
      dlq: idWhere(tf, "aws_sqs_queue", "name", `${prefix}-OrderQueueDLQ`),
      table: idWhere(tf, "aws_dynamodb_table", "name", `${prefix}-Orders`),
      fn: fnId,
      logGroup: idWhere(tf, "aws_cloudwatch_log_group", "name", `/aws/lambda/${prefix}-ProcessOrderLambda`),
      role: /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(resourcesOf(tf, "aws_lambda_function")[fnId].role)![1],
    };
  });

  test("subscribes OrderQueue to OrderTopic, once", () => {
    const subscriptions = Object.values(resourcesOf(tf, "aws_sns_topic_subscription")).filter(
      (s) => s.endpoint === `\${aws_sqs_queue.${ids.queue}.arn}`,
    );
    expect(subscriptions).toEqual([
      expect.objectContaining({ topic_arn: `\${aws_sns_topic.${ids.topic}.arn}`, protocol: "sqs" }),
    ]);
  });

  test("lets OrderTopic, and only it, send to OrderQueue", () => {
    const policy = Object.values(resourcesOf(tf, "aws_sqs_queue_policy")).find(
      (p) => p.queue_url === `\${aws_sqs_queue.${ids.queue}.url}`,
    )!;
    const allows = statementsOf(tf, policy.policy).filter((s) => s.effect === "Allow");
    expect(allows).toEqual([
      expect.objectContaining({
        principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
        actions: ["sqs:SendMessage"],
        condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [`\${aws_sns_topic.${ids.topic}.arn}`] }],
      }),
    ]);
  });

  test("moves a message to OrderQueueDLQ after 3 receives", () => {
    expect(queueOf().redrive_policy).toBe(
      `\${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.${ids.dlq}.arn, "maxReceiveCount" = 3})}`,
    );
  });

  test("gives OrderQueue a visibility timeout of six function timeouts", () => {
    expect(queueOf().visibility_timeout_seconds).toBe(6 * environment.timeoutSeconds);
    expect(fnOf().timeout).toBe(environment.timeoutSeconds);
  });

  test("feeds ProcessOrderLambda from OrderQueue with partial batch responses, in the environment's batches and concurrency", () => {
    expect(mappingOf()).toMatchObject({
      event_source_arn: `\${aws_sqs_queue.${ids.queue}.arn}`,
      function_response_types: ["ReportBatchItemFailures"],
      batch_size: environment.batchSize,
      scaling_config: { maximum_concurrency: environment.maximumConcurrency },
    });
  });

  test("reserves the environment's concurrency for the function, never below the mapping's maximum", () => {
    expect(fnOf().reserved_concurrent_executions).toBe(environment.reservedConcurrentExecutions);
    expect(fnOf().reserved_concurrent_executions).toBeGreaterThanOrEqual(
      mappingOf().scaling_config.maximum_concurrency,
    );
  });

  test("tells the function which table to write, and logs at the environment's level", () => {
    expect(fnOf().environment.variables.ORDERS_TABLE_NAME).toBe(`\${aws_dynamodb_table.${ids.table}.name}`);
    expect(fnOf().logging_config.application_log_level).toBe(environment.applicationLogLevel);
  });

  test("grants the function exactly its log, trace, queue and table actions, and the table key through DynamoDB", () => {
    const rolePolicy = Object.values(resourcesOf(tf, "aws_iam_role_policy")).find(
      (p) => p.role === `\${aws_iam_role.${ids.role}.id}`,
    )!;
    const statements = statementsOf(tf, rolePolicy.policy);
    expect(statements.map((s) => [s.actions, s.resources, s.condition])).toEqual([
      [
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        [`\${aws_cloudwatch_log_group.${ids.logGroup}.arn}:*`],
        undefined,
      ],
      [["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"], undefined],
      [
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        [`\${aws_sqs_queue.${ids.queue}.arn}`],
        undefined,
      ],
      [["dynamodb:PutItem", "dynamodb:GetItem"], [`\${aws_dynamodb_table.${ids.table}.arn}`], undefined],
      [
        ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        [resourcesOf(tf, "aws_dynamodb_table")[ids.table].server_side_encryption.kms_key_arn],
        [viaServiceCondition("dynamodb")],
      ],
    ]);
  });

  test("writes the function's logs to its own log group, kept as the variable says, the environment's days by default", () => {
    expect(resourcesOf(tf, "aws_cloudwatch_log_group")[ids.logGroup].retention_in_days).toBe(
      "${var.log_retention_days}",
    );
    expect(fnOf().logging_config.log_group).toBe(`\${aws_cloudwatch_log_group.${ids.logGroup}.name}`);
    expect(tf.variable.log_retention_days.default).toBe(environment.logRetentionDays);
  });

  test("gives the function the memory the variable says, the environment's by default", () => {
    expect(fnOf().memory_size).toBe("${var.function_memory_mb}");
    expect(tf.variable.function_memory_mb.default).toBe(environment.memorySizeMb);
  });

  test("protects the Orders table from deletion as the environment says", () => {
    expect(resourcesOf(tf, "aws_dynamodb_table")[ids.table].deletion_protection_enabled).toBe(
      environment.deletionProtection,
    );
  });

  test("delivers as the environment says (SNS envelope or raw)", () => {
    const subscription = Object.values(resourcesOf(tf, "aws_sns_topic_subscription")).find(
      (s) => s.endpoint === `\${aws_sqs_queue.${ids.queue}.arn}`,
    );
    expect(subscription?.raw_message_delivery).toBe(environment.rawMessageDelivery);
  });

  test("alarms on a message in the DLQ, an old message, and function errors and throttles past the environment's thresholds", () => {
    const alarms = Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm"));
    const on = (dimension: string, reference: string, metric: string): number[] =>
      alarms.filter((a) => a.metric_name === metric && a.dimensions?.[dimension] === reference).map((a) => a.threshold);
    const queue = (id: string): string => `\${aws_sqs_queue.${id}.name}`;
    const fn = `\${aws_lambda_function.${ids.fn}.function_name}`;
    expect({
      dlqVisible: on("QueueName", queue(ids.dlq), "ApproximateNumberOfMessagesVisible"),
      oldestMessage: on("QueueName", queue(ids.queue), "ApproximateAgeOfOldestMessage"),
      errors: on("FunctionName", fn, "Errors"),
      throttles: on("FunctionName", fn, "Throttles"),
    }).toEqual({
      dlqVisible: [0],
      oldestMessage: [environment.alarms.oldestMessageAgeSeconds],
      errors: [environment.alarms.functionErrorsThreshold],
      throttles: [environment.alarms.functionThrottlesThreshold],
    });
  });

  test("mails the environment's alarm addresses by default", () => {
    expect(tf.variable.alarm_emails.default).toEqual(environment.alarms.emails);
  });

  test("encrypts the topic and queues with customer-managed keys when the environment asks, else AWS-managed SNS and SSE-SQS", () => {
    const topicKey = resourcesOf(tf, "aws_sns_topic")[ids.topic].kms_master_key_id;
    const queues = [ids.queue, ids.dlq].map((id) => resourcesOf(tf, "aws_sqs_queue")[id]);
    if (environment.customerManagedKeys) {
      expect(topicKey).toMatch(/^\$\{aws_kms_key\.[^.]+\.(arn|key_id|id)\}$/);
      for (const queue of queues)
        expect(queue.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.[^.]+\.(arn|key_id|id)\}$/);
    } else {
      expect(topicKey).toBe("alias/aws/sns");
      for (const queue of queues) expect(queue).toMatchObject({ sqs_managed_sse_enabled: true });
    }
  });

  test("keeps state in S3 under its own key, SSE-KMS with the state key, with native locking", () => {
    const { settings } = configuration;
    const { stateAccount, stateBucket } = stateTarget(configuration);
    expect(tf.terraform.backend.s3).toEqual({
      bucket: stateBucket,
      allowed_account_ids: [stateAccount],
      key: `${settings.stateKeyPrefix}/${prefix}.tfstate`,
      region: settings.stateRegion,
      encrypt: true,
      kms_key_id: `alias/${stateKeyAliasName(settings.namePrefix)}`,
      use_lockfile: true,
      ...(environment.stateRoleArn
        ? { assume_role: { role_arn: environment.stateRoleArn, session_name: prefix } }
        : {}),
    });
  });

  test("requires a Terraform that supports the S3 lock file, in a file beside the stack", () => {
    const versions = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", prefix, "versions.tf.json"), "utf8"));
    expect(versions).toEqual({ terraform: { required_version: ">= 1.11.0" } });
    expect(tf.terraform.required_version).toBeUndefined();
  });

  test("pins the AWS and archive providers to the exact versions their provider packages were generated for", () => {
    // "aws" (cdktf) and "hashicorp/aws" (CDK Terrain) are the same registry address.
    const address = (source: string) => (source.includes("/") ? source : `hashicorp/${source}`);
    const { aws, archive, ...others } = tf.terraform.required_providers;
    expect(others).toEqual({});
    expect([address(aws.source), aws.version]).toEqual(["hashicorp/aws", AWS_PROVIDER.cdktf.provider.version]);
    expect([address(archive.source), archive.version]).toEqual([
      "hashicorp/archive",
      ARCHIVE_PROVIDER.cdktf.provider.version,
    ]);
    expect(aws.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("deploys to the environment's region, pinned to its account and role when it names them, tagging what manages every resource", () => {
    expect(tf.provider.aws).toEqual([
      {
        region: environment.region,
        ...(environment.account ? { allowed_account_ids: [environment.account] } : {}),
        ...(environment.roleArn ? { assume_role: [{ role_arn: environment.roleArn, session_name: prefix }] } : {}),
        default_tags: [{ tags: providerDefaultTags(environment.name, prefix) }],
      },
    ]);
  });

  test("outputs the topic ARN, queue and DLQ URLs, table, function and log group names, the alarm topic, and where status finds the metrics and alarms", () => {
    expect(
      Object.fromEntries(Object.entries(tf.output as Record<string, TfJson>).map(([k, v]) => [k, v.value])),
    ).toEqual({
      topic_arn: `\${aws_sns_topic.${ids.topic}.arn}`,
      queue_url: `\${aws_sqs_queue.${ids.queue}.url}`,
      dlq_url: `\${aws_sqs_queue.${ids.dlq}.url}`,
      dashboard_name: expect.stringMatching(/^\$\{aws_cloudwatch_dashboard\.[\w]+\.dashboard_name\}$/),
      table_name: `\${aws_dynamodb_table.${ids.table}.name}`,
      function_name: `\${aws_lambda_function.${ids.fn}.function_name}`,
      log_group_name: `\${aws_cloudwatch_log_group.${ids.logGroup}.name}`,
      alarm_topic_arn: `\${aws_sns_topic.${idWhere(tf, "aws_sns_topic", "name", `${prefix}-Alarms`)}.arn}`,
      alarm_name_prefix: `\${aws_sns_topic.${idWhere(tf, "aws_sns_topic", "name", `${prefix}-Alarms`)}.name}`,
      metrics_namespace: `order-pipeline/${prefix}`,
      metrics_dimensions: `\${jsonencode({"service" = "process-order", "environment" = "${environment.name}"})}`,
    });
  });

  test("declares the operator variables with types, defaults, descriptions and validation", () => {
    expect(
      Object.fromEntries(Object.entries(tf.variable as Record<string, TfJson>).map(([k, v]) => [k, v.type])),
    ).toEqual({
      alarm_emails: "list(string)",
      function_memory_mb: "number",
      log_retention_days: "number",
    });
    for (const variable of Object.values(tf.variable as Record<string, TfJson>)) {
      expect(variable.default).toBeDefined();
      expect(variable.description).toEqual(expect.any(String));
      expect(variable.validation).toHaveLength(1);
    }
  });
}
