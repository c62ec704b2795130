import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import AWS_PROVIDER from "@cdktf/provider-aws/package.json";
import ARCHIVE_PROVIDER from "@cdktf/provider-archive/package.json";
import {
  TfJson,
  idWhere,
  onlyResource,
  pipelineStacks,
  resourcesOf,
  statementsOf,
  synthApp,
  viaServiceCondition,
} from "./support/tf";

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

describe("the synthesized app", () => {
  let outdir: string;
  let stacks: Record<string, TfJson>;
  beforeAll(() => {
    ({ outdir, stacks } = synthApp());
  });

  test("writes one stack per environment of environments.json, and the state bootstrap stack", () => {
    expect(Object.keys(stacks).sort()).toEqual(["orders-dev", "orders-prod", "orders-state-bootstrap"]);
  });

  test("gives the two environments disjoint physical names", () => {
    const names = (tf: TfJson): string[] =>
      Object.values(tf.resource as Record<string, Record<string, TfJson>>)
        .flatMap((byId) => Object.values(byId))
        .map((r) => r.name ?? r.function_name)
        .filter((n): n is string => typeof n === "string" && !n.includes("${"));
    const dev = names(stacks["orders-dev"]);
    const prod = names(stacks["orders-prod"]);
    expect(dev.length).toBeGreaterThanOrEqual(7);
    expect(dev.filter((n) => prod.includes(n))).toEqual([]);
  });

  test("copies the function bundle into each stack folder at the path archive_file zips", () => {
    for (const [name, tf] of Object.entries(pipelineStacks(stacks))) {
      const archive = onlyResource(tf, "archive_file", "data");
      const copied = path.join(outdir, "stacks", name, archive.source_file);
      expect(sha256(copied)).toBe(sha256("dist/functions/process-order/index.js"));
    }
  });

  test("names no absolute path of the build machine", () => {
    for (const name of Object.keys(stacks)) {
      const text = fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
      expect(text).not.toContain(process.cwd());
      expect(text).not.toContain(outdir);
      expect(text).not.toMatch(/"(source_file|output_path|filename)": "\//);
    }
  });
});

/**
 * What each committed environment must synthesize to, as literals: a change to
 * environments.json (or to a default) that alters one of them fails here.
 */
const COMMITTED = {
  dev: { deletionProtection: false, logRetentionDays: 14, functionMemoryMb: 256, account: undefined },
  // AWS's documentation account: README's deploy section says to replace it first.
  prod: { deletionProtection: true, logRetentionDays: 90, functionMemoryMb: 512, account: "111122223333" },
} as const;

describe.each(["dev", "prod"] as const)("the orders-%s stack", (environment) => {
  const prefix = `orders-${environment}`;
  const expected = COMMITTED[environment];
  let tf: TfJson;
  let outdir: string;
  let ids: Record<"topic" | "queue" | "dlq" | "table" | "fn" | "logGroup", string>;
  beforeAll(() => {
    const app = synthApp();
    tf = app.stacks[prefix];
    outdir = app.outdir;
    ids = {
      topic: idWhere(tf, "aws_sns_topic", "name", `${prefix}-OrderTopic`),
      queue: idWhere(tf, "aws_sqs_queue", "name", `${prefix}-OrderQueue`),
      dlq: idWhere(tf, "aws_sqs_queue", "name", `${prefix}-OrderQueueDLQ`),
      table: idWhere(tf, "aws_dynamodb_table", "name", `${prefix}-Orders`),
      fn: idWhere(tf, "aws_lambda_function", "function_name", `${prefix}-ProcessOrderLambda`),
      logGroup: idWhere(tf, "aws_cloudwatch_log_group", "name", `/aws/lambda/${prefix}-ProcessOrderLambda`),
    };
  });

  test("subscribes OrderQueue to OrderTopic", () => {
    const subscriptions = Object.values(resourcesOf(tf, "aws_sns_topic_subscription")).filter(
      (s) => s.protocol === "sqs",
    );
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({
      topic_arn: `\${aws_sns_topic.${ids.topic}.arn}`,
      endpoint: `\${aws_sqs_queue.${ids.queue}.arn}`,
      protocol: "sqs",
    });
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
    expect(resourcesOf(tf, "aws_sqs_queue")[ids.queue].redrive_policy).toBe(
      `\${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.${ids.dlq}.arn, "maxReceiveCount" = 3})}`,
    );
  });

  test("gives OrderQueue a visibility timeout of six function timeouts", () => {
    const fn = resourcesOf(tf, "aws_lambda_function")[ids.fn];
    expect(resourcesOf(tf, "aws_sqs_queue")[ids.queue].visibility_timeout_seconds).toBe(6 * fn.timeout);
  });

  test("feeds ProcessOrderLambda from OrderQueue with partial batch responses", () => {
    expect(onlyResource(tf, "aws_lambda_event_source_mapping")).toMatchObject({
      event_source_arn: `\${aws_sqs_queue.${ids.queue}.arn}`,
      function_name: `\${aws_lambda_function.${ids.fn}.arn}`,
      function_response_types: ["ReportBatchItemFailures"],
    });
  });

  test("tells the function which table to write", () => {
    expect(resourcesOf(tf, "aws_lambda_function")[ids.fn].environment.variables.ORDERS_TABLE_NAME).toBe(
      `\${aws_dynamodb_table.${ids.table}.name}`,
    );
  });

  test("grants the function exactly its log, trace, queue and table actions, and the table key through DynamoDB", () => {
    const statements = statementsOf(tf, onlyResource(tf, "aws_iam_role_policy").policy);
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

  test("writes the function's logs to its own log group with the variable's retention", () => {
    expect(resourcesOf(tf, "aws_cloudwatch_log_group")[ids.logGroup].retention_in_days).toBe(
      "${var.log_retention_days}",
    );
    expect(resourcesOf(tf, "aws_lambda_function")[ids.fn].logging_config.log_group).toBe(
      `\${aws_cloudwatch_log_group.${ids.logGroup}.name}`,
    );
  });

  test(`protects the Orders table from deletion: ${expected.deletionProtection}`, () => {
    expect(resourcesOf(tf, "aws_dynamodb_table")[ids.table].deletion_protection_enabled).toBe(
      expected.deletionProtection,
    );
  });

  test(`keeps the function's logs ${expected.logRetentionDays} days and gives it ${expected.functionMemoryMb} MB by default`, () => {
    expect(tf.variable.log_retention_days.default).toBe(expected.logRetentionDays);
    expect(tf.variable.function_memory_mb.default).toBe(expected.functionMemoryMb);
    expect(resourcesOf(tf, "aws_lambda_function")[ids.fn].memory_size).toBe("${var.function_memory_mb}");
  });

  test("runs 30 s invocations of 10 records, at most 10 at once, with 10 reserved so the poller is never throttled", () => {
    const fn = resourcesOf(tf, "aws_lambda_function")[ids.fn];
    expect(fn).toMatchObject({ timeout: 30, reserved_concurrent_executions: 10 });
    expect(fn.logging_config.application_log_level).toBe("INFO");
    expect(onlyResource(tf, "aws_lambda_event_source_mapping")).toMatchObject({
      batch_size: 10,
      scaling_config: { maximum_concurrency: 10 },
    });
    expect(resourcesOf(tf, "aws_sqs_queue")[ids.queue].visibility_timeout_seconds).toBe(180);
  });

  test("delivers in the SNS envelope, alarms at a 600 s old message, any error, throttle or rejected order, 5 failed orders a minute or a 60 s latency p99, and mails no one", () => {
    const subscription = Object.values(resourcesOf(tf, "aws_sns_topic_subscription")).find((s) => s.protocol === "sqs");
    expect(subscription?.raw_message_delivery).toBe(false);
    const thresholds = Object.fromEntries(
      Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm")).map((a) => [a.metric_name, a.threshold]),
    );
    expect(thresholds).toEqual({
      ApproximateNumberOfMessagesVisible: 0,
      ApproximateAgeOfOldestMessage: 600,
      Errors: 0,
      Throttles: 0,
      OrdersRejected: 0,
      OrdersFailed: 5,
      OrderLatency: 60_000,
    });
    expect(tf.variable.alarm_emails.default).toEqual([]);
  });

  test("encrypts the topic with the AWS-managed SNS key and the queues with SSE-SQS (no customer keys asked)", () => {
    expect(resourcesOf(tf, "aws_sns_topic")[ids.topic].kms_master_key_id).toBe("alias/aws/sns");
    for (const id of [ids.queue, ids.dlq]) {
      expect(resourcesOf(tf, "aws_sqs_queue")[id]).toMatchObject({ sqs_managed_sse_enabled: true });
    }
  });

  test("keeps state in S3 under its own key, SSE-KMS with the state key, with native locking, in the state account only", () => {
    expect(tf.terraform.backend.s3).toEqual({
      bucket: "order-pipeline-terraform-state-111122223333-us-east-1",
      key: `order-pipeline/${prefix}.tfstate`,
      region: "us-east-1",
      encrypt: true,
      kms_key_id: "alias/orders-state",
      allowed_account_ids: ["111122223333"],
      use_lockfile: true,
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

  test(`deploys to us-east-1 in account ${expected.account ?? "any (none pinned)"}, tagging what manages every resource`, () => {
    expect(tf.provider.aws).toEqual([
      {
        region: "us-east-1",
        ...(expected.account !== undefined ? { allowed_account_ids: [expected.account] } : {}),
        default_tags: [
          {
            tags: {
              project: "order-pipeline",
              environment,
              "managed-by": "terraform",
              source: `order-pipeline/${prefix}`,
            },
          },
        ],
      },
    ]);
  });

  test("outputs the topic ARN, queue and DLQ URLs, table, function and log group names, the alarm topic and the dashboard", () => {
    expect(
      Object.fromEntries(Object.entries(tf.output as Record<string, TfJson>).map(([k, v]) => [k, v.value])),
    ).toEqual({
      topic_arn: `\${aws_sns_topic.${ids.topic}.arn}`,
      queue_url: `\${aws_sqs_queue.${ids.queue}.url}`,
      dlq_url: `\${aws_sqs_queue.${ids.dlq}.url}`,
      table_name: `\${aws_dynamodb_table.${ids.table}.name}`,
      function_name: `\${aws_lambda_function.${ids.fn}.function_name}`,
      log_group_name: `\${aws_cloudwatch_log_group.${ids.logGroup}.name}`,
      alarm_topic_arn: `\${aws_sns_topic.${idWhere(tf, "aws_sns_topic", "name", `${prefix}-Alarms`)}.arn}`,
      dashboard_name: `\${aws_cloudwatch_dashboard.${idWhere(tf, "aws_cloudwatch_dashboard", "dashboard_name", `${prefix}-Pipeline`)}.dashboard_name}`,
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
});
