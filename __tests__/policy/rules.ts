import { SUPPORTED_NODE_RUNTIMES, TABLE_WRITE_ACTIONS } from "../../constructs/defaults";
import { TfJson, numberValue, policyDocumentOf, resourcesOf } from "../support/tf";

/**
 * The policy suite's rules, each named by the public rule it mirrors (Checkov
 * CKV_AWS_*) or, where none exists, by the AWS guide it comes from. `check` returns
 * one line per violation; `breakStack` damages a copy of a passing stack the way the
 * rule guards against, so the suite proves every rule can fail.
 */
export interface PolicyRule {
  readonly id: string;
  /** The resource type the rule inspects: it applies to a stack that has one. */
  readonly on: string;
  readonly title: string;
  check(tf: TfJson): string[];
  breakStack?(tf: TfJson): void;
}

type Statement = TfJson;

/** Whether a stack has what `rule` inspects. */
export function appliesTo(rule: PolicyRule, tf: TfJson): boolean {
  return Object.keys(resourcesOf(tf, rule.on)).length > 0;
}

function entries(tf: TfJson, type: string, kind: "resource" | "data" = "resource"): [string, TfJson][] {
  return Object.entries(resourcesOf(tf, type, kind));
}

function first(tf: TfJson, type: string): TfJson {
  return entries(tf, type)[0][1];
}

/** The statements of the policy document a `policy` attribute references (none when it names no document). */
function statements(tf: TfJson, policyRef: unknown): Statement[] {
  return policyDocumentOf(tf, policyRef)?.statement ?? [];
}

function documentOf(tf: TfJson, policyRef: unknown): TfJson {
  return policyDocumentOf(tf, policyRef)!;
}

const numberOf = numberValue;

const ref = (type: string, id: string, attr: string): string => `\${${type}.${id}.${attr}}`;

function isPublic(statement: Statement): boolean {
  return (statement.principals ?? []).some(
    (p: TfJson) => (p.type === "*" || p.type === "AWS") && (p.identifiers as string[]).includes("*"),
  );
}

function deniesInsecureTransport(statement: Statement): boolean {
  return (
    statement.effect === "Deny" &&
    isPublic(statement) &&
    (statement.condition ?? []).some(
      (c: TfJson) => c.test === "Bool" && c.variable === "aws:SecureTransport" && c.values?.[0] === "false",
    )
  );
}

/** Queue policy statements by queue logical ID. */
function queuePolicies(tf: TfJson): Map<string, Statement[]> {
  const byQueue = new Map<string, Statement[]>();
  for (const [, policy] of entries(tf, "aws_sqs_queue_policy")) {
    const queueId = /aws_sqs_queue\.([^.]+)\.url/.exec(policy.queue_url)?.[1] ?? "?";
    byQueue.set(queueId, [...(byQueue.get(queueId) ?? []), ...statements(tf, policy.policy)]);
  }
  return byQueue;
}

/** Allow statements of the identity policies attached to roles. */
function roleStatements(tf: TfJson): Statement[] {
  return [...entries(tf, "aws_iam_role_policy"), ...entries(tf, "aws_iam_policy")]
    .flatMap(([, p]) => statements(tf, p.policy))
    .filter((s) => s.effect !== "Deny");
}

/** X-Ray's trace APIs have no resource-level permissions: "*" is their only valid resource. */
const ACTIONS_WITHOUT_RESOURCES = new Set([
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
]);

function mappingsOf(tf: TfJson): TfJson[] {
  return entries(tf, "aws_lambda_event_source_mapping").map(([, m]) => m);
}

function functionFor(tf: TfJson, mapping: TfJson): [string, TfJson] {
  const id = /aws_lambda_function\.([^.]+)\./.exec(mapping.function_name)![1];
  return [id, resourcesOf(tf, "aws_lambda_function")[id]];
}

function queueFor(tf: TfJson, mapping: TfJson): [string, TfJson] {
  const id = /aws_sqs_queue\.([^.]+)\./.exec(mapping.event_source_arn)![1];
  return [id, resourcesOf(tf, "aws_sqs_queue")[id]];
}

/** [source queue ID, DLQ ID] for every queue with a redrive policy. */
function redrivePairs(tf: TfJson): [string, string][] {
  return entries(tf, "aws_sqs_queue")
    .filter(([, q]) => q.redrive_policy)
    .map(([id, q]) => [id, /"deadLetterTargetArn" = aws_sqs_queue\.([^.]+)\.arn/.exec(q.redrive_policy)![1]]);
}

export const RULES: PolicyRule[] = [
  {
    id: "CKV_AWS_27",
    on: "aws_sqs_queue",
    title: "Every SQS queue is encrypted at rest, with a key SNS can use (never alias/aws/sqs)",
    check: (tf) =>
      entries(tf, "aws_sqs_queue").flatMap(([id, q]) =>
        q.sqs_managed_sse_enabled === true || (q.kms_master_key_id && q.kms_master_key_id !== "alias/aws/sqs")
          ? []
          : [`aws_sqs_queue.${id} is not encrypted with SSE-SQS or a customer key`],
      ),
    breakStack: (tf) => {
      delete first(tf, "aws_sqs_queue").sqs_managed_sse_enabled;
    },
  },
  {
    id: "CKV_AWS_26",
    on: "aws_sns_topic",
    title: "Every SNS topic is encrypted with KMS",
    check: (tf) =>
      entries(tf, "aws_sns_topic").flatMap(([id, t]) =>
        t.kms_master_key_id ? [] : [`aws_sns_topic.${id} has no KMS key`],
      ),
    breakStack: (tf) => {
      delete first(tf, "aws_sns_topic").kms_master_key_id;
    },
  },
  {
    id: "CKV_AWS_28",
    on: "aws_dynamodb_table",
    title: "DynamoDB tables have point-in-time recovery",
    check: (tf) =>
      entries(tf, "aws_dynamodb_table").flatMap(([id, t]) =>
        t.point_in_time_recovery?.enabled === true ? [] : [`aws_dynamodb_table.${id} has no point-in-time recovery`],
      ),
    breakStack: (tf) => {
      first(tf, "aws_dynamodb_table").point_in_time_recovery.enabled = false;
    },
  },
  {
    id: "CKV_AWS_119",
    on: "aws_dynamodb_table",
    title: "DynamoDB tables are encrypted with a customer-managed KMS key",
    check: (tf) =>
      entries(tf, "aws_dynamodb_table").flatMap(([id, t]) =>
        t.server_side_encryption?.enabled === true && t.server_side_encryption?.kms_key_arn
          ? []
          : [`aws_dynamodb_table.${id} is not encrypted with a customer key`],
      ),
    breakStack: (tf) => {
      delete first(tf, "aws_dynamodb_table").server_side_encryption.kms_key_arn;
    },
  },
  {
    id: "CKV_AWS_7",
    on: "aws_kms_key",
    title: "Customer-managed KMS keys rotate",
    check: (tf) =>
      entries(tf, "aws_kms_key").flatMap(([id, k]) =>
        k.enable_key_rotation === true ? [] : [`aws_kms_key.${id} does not rotate`],
      ),
    breakStack: (tf) => {
      first(tf, "aws_kms_key").enable_key_rotation = false;
    },
  },
  {
    id: "CKV_AWS_33",
    on: "aws_kms_key",
    title: "No KMS key policy allows a wildcard principal",
    check: (tf) =>
      entries(tf, "aws_kms_key").flatMap(([id, k]) =>
        statements(tf, k.policy).some((s) => s.effect === "Allow" && isPublic(s))
          ? [`aws_kms_key.${id} admits "*"`]
          : [],
      ),
    breakStack: (tf) => {
      documentOf(tf, first(tf, "aws_kms_key").policy).statement.push({
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: ["*"] }],
        actions: ["kms:Decrypt"],
        resources: ["*"],
      });
    },
  },
  {
    id: "CKV_AWS_50",
    on: "aws_lambda_function",
    title: "Lambda functions trace with X-Ray (active)",
    check: (tf) =>
      entries(tf, "aws_lambda_function").flatMap(([id, f]) =>
        f.tracing_config?.mode === "Active" ? [] : [`aws_lambda_function.${id} is not traced`],
      ),
    breakStack: (tf) => {
      first(tf, "aws_lambda_function").tracing_config.mode = "PassThrough";
    },
  },
  {
    id: "CKV_AWS_363",
    on: "aws_lambda_function",
    title: "Lambda functions use a supported runtime",
    check: (tf) =>
      entries(tf, "aws_lambda_function").flatMap(([id, f]) =>
        SUPPORTED_NODE_RUNTIMES.includes(f.runtime) ? [] : [`aws_lambda_function.${id} runs ${f.runtime}`],
      ),
    breakStack: (tf) => {
      first(tf, "aws_lambda_function").runtime = "nodejs18.x";
    },
  },
  {
    id: "CKV_AWS_115",
    on: "aws_lambda_function",
    title: "Lambda concurrency is bounded (reserved concurrency or the mapping's maximum concurrency)",
    check: (tf) =>
      entries(tf, "aws_lambda_function").flatMap(([id, f]) => {
        const bounded =
          f.reserved_concurrent_executions !== undefined ||
          mappingsOf(tf).some(
            (m) => m.function_name === ref("aws_lambda_function", id, "arn") && m.scaling_config?.maximum_concurrency,
          );
        return bounded ? [] : [`aws_lambda_function.${id} has unbounded concurrency`];
      }),
    breakStack: (tf) => {
      delete mappingsOf(tf)[0].scaling_config;
    },
  },
  {
    id: "CKV_AWS_66",
    on: "aws_cloudwatch_log_group",
    title: "Log groups have a retention",
    check: (tf) =>
      entries(tf, "aws_cloudwatch_log_group").flatMap(([id, g]) =>
        g.retention_in_days !== undefined ? [] : [`aws_cloudwatch_log_group.${id} never expires`],
      ),
    breakStack: (tf) => {
      delete first(tf, "aws_cloudwatch_log_group").retention_in_days;
    },
  },
  {
    id: "CKV_AWS_338",
    on: "aws_cloudwatch_log_group",
    title: "Log groups keep logs for at least one year",
    check: (tf) =>
      entries(tf, "aws_cloudwatch_log_group").flatMap(([id, g]) => {
        const days = numberOf(tf, g.retention_in_days);
        return days !== undefined && days >= 365 ? [] : [`aws_cloudwatch_log_group.${id} keeps logs ${days} days`];
      }),
  },
  {
    id: "CKV_AWS_158",
    on: "aws_cloudwatch_log_group",
    title: "Log groups are encrypted with a customer-managed KMS key",
    check: (tf) =>
      entries(tf, "aws_cloudwatch_log_group").flatMap(([id, g]) =>
        g.kms_key_id ? [] : [`aws_cloudwatch_log_group.${id} has no customer key`],
      ),
  },
  {
    id: "CKV_AWS_117",
    on: "aws_lambda_function",
    title: "Lambda functions run inside a VPC",
    check: (tf) =>
      entries(tf, "aws_lambda_function").flatMap(([id, f]) =>
        f.vpc_config ? [] : [`aws_lambda_function.${id} has no VPC`],
      ),
  },
  {
    id: "CKV_AWS_116",
    on: "aws_lambda_function",
    title: "Lambda functions have a dead-letter queue for asynchronous invocations",
    check: (tf) =>
      entries(tf, "aws_lambda_function").flatMap(([id, f]) =>
        f.dead_letter_config ? [] : [`aws_lambda_function.${id} has no dead_letter_config`],
      ),
  },
  {
    id: "CKV_AWS_173",
    on: "aws_lambda_function",
    title: "Lambda environment variables are encrypted with a customer-managed KMS key",
    check: (tf) =>
      entries(tf, "aws_lambda_function").flatMap(([id, f]) =>
        !f.environment || f.kms_key_arn ? [] : [`aws_lambda_function.${id} environment has no customer key`],
      ),
  },
  {
    id: "CKV_AWS_272",
    on: "aws_lambda_function",
    title: "Lambda functions validate code signatures",
    check: (tf) =>
      entries(tf, "aws_lambda_function").flatMap(([id, f]) =>
        f.code_signing_config_arn ? [] : [`aws_lambda_function.${id} has no code signing config`],
      ),
  },
  {
    id: "AWS-SQS-TLS-ONLY",
    on: "aws_sqs_queue",
    title:
      "Every queue's policy denies requests without TLS (SQS security best practices: enforce encryption in transit)",
    check: (tf) => {
      const policies = queuePolicies(tf);
      return entries(tf, "aws_sqs_queue").flatMap(([id]) =>
        (policies.get(id) ?? []).some(deniesInsecureTransport)
          ? []
          : [`aws_sqs_queue.${id} accepts requests without TLS`],
      );
    },
    breakStack: (tf) => {
      const document = documentOf(tf, first(tf, "aws_sqs_queue_policy").policy);
      document.statement = document.statement.filter((s: Statement) => !deniesInsecureTransport(s));
    },
  },
  {
    id: "AWS-SNS-TLS-ONLY",
    on: "aws_sns_topic",
    title:
      "Every topic's policy denies publishing without TLS (SNS security best practices: enforce encryption in transit)",
    check: (tf) => {
      const denied = new Set(
        entries(tf, "aws_sns_topic_policy")
          .filter(([, p]) => statements(tf, p.policy).some(deniesInsecureTransport))
          .map(([, p]) => p.arn),
      );
      return entries(tf, "aws_sns_topic").flatMap(([id]) =>
        denied.has(ref("aws_sns_topic", id, "arn")) ? [] : [`aws_sns_topic.${id} accepts publishing without TLS`],
      );
    },
    breakStack: (tf) => {
      const document = documentOf(tf, first(tf, "aws_sns_topic_policy").policy);
      document.statement = document.statement.filter((s: Statement) => !deniesInsecureTransport(s));
    },
  },
  {
    id: "CKV_AWS_168",
    on: "aws_sqs_queue_policy",
    title: "No queue policy allows a public principal",
    check: (tf) =>
      [...queuePolicies(tf)].flatMap(([id, list]) =>
        list.some((s) => s.effect === "Allow" && isPublic(s)) ? [`aws_sqs_queue.${id} allows "*"`] : [],
      ),
    breakStack: (tf) => {
      documentOf(tf, first(tf, "aws_sqs_queue_policy").policy).statement.push({
        effect: "Allow",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["sqs:SendMessage"],
      });
    },
  },
  {
    id: "CKV_AWS_169",
    on: "aws_sns_topic_policy",
    title: "No topic policy allows a public principal",
    check: (tf) =>
      entries(tf, "aws_sns_topic_policy").flatMap(([id, p]) =>
        statements(tf, p.policy).some((s) => s.effect === "Allow" && isPublic(s))
          ? [`aws_sns_topic_policy.${id} allows "*"`]
          : [],
      ),
    breakStack: (tf) => {
      documentOf(tf, first(tf, "aws_sns_topic_policy").policy).statement.push({
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: ["*"] }],
        actions: ["sns:Publish"],
      });
    },
  },
  {
    id: "AWS-SNS-SQS-SOURCE-ARN",
    on: "aws_sqs_queue_policy",
    title:
      "SNS may send to a queue only on behalf of the subscribed topic (aws:SourceArn; SNS guide: confused-deputy prevention)",
    check: (tf) => {
      const policies = queuePolicies(tf);
      const problems: string[] = [];
      for (const [queueId, list] of policies) {
        for (const s of list.filter((st) =>
          (st.principals ?? []).some((p: TfJson) => p.identifiers.includes("sns.amazonaws.com")),
        )) {
          const scoped = (s.condition ?? []).some(
            (c: TfJson) =>
              ["ArnEquals", "ArnLike"].includes(c.test) &&
              c.variable === "aws:SourceArn" &&
              c.values.every((v: string) => /^\$\{aws_sns_topic\.[^.]+\.arn\}$/.test(v)),
          );
          if (!scoped) problems.push(`aws_sqs_queue.${queueId} lets SNS send without aws:SourceArn = a topic`);
        }
      }
      for (const [id, sub] of entries(tf, "aws_sns_topic_subscription").filter(([, s]) => s.protocol === "sqs")) {
        const queueId = /aws_sqs_queue\.([^.]+)\.arn/.exec(sub.endpoint)![1];
        const admitted = (policies.get(queueId) ?? []).some((s) =>
          (s.condition ?? []).some((c: TfJson) => c.variable === "aws:SourceArn" && c.values.includes(sub.topic_arn)),
        );
        if (!admitted) problems.push(`aws_sns_topic_subscription.${id}: the queue policy does not admit its topic`);
      }
      return problems;
    },
    breakStack: (tf) => {
      for (const [, policy] of entries(tf, "aws_sqs_queue_policy")) {
        for (const s of statements(tf, policy.policy)) if (s.effect === "Allow") delete s.condition;
      }
    },
  },
  {
    id: "CKV_AWS_63",
    on: "aws_iam_role_policy",
    title: "No IAM policy allows wildcard actions",
    check: (tf) =>
      roleStatements(tf).flatMap((s) =>
        (s.actions as string[]).filter((a) => a.includes("*")).map((a) => `statement ${s.sid ?? "?"} allows ${a}`),
      ),
    breakStack: (tf) => {
      roleStatements(tf)[0].actions.push("dynamodb:*");
    },
  },
  {
    id: "CKV_AWS_355",
    on: "aws_iam_role_policy",
    title: 'IAM policies use Resource "*" only for actions that have no resource ARN (X-Ray)',
    check: (tf) =>
      roleStatements(tf)
        .filter((s) => (s.resources ?? ["*"]).includes("*"))
        .flatMap((s) =>
          (s.actions as string[])
            .filter((a) => !ACTIONS_WITHOUT_RESOURCES.has(a))
            .map((a) => `statement ${s.sid ?? "?"} allows ${a} on "*"`),
        ),
    breakStack: (tf) => {
      roleStatements(tf).find((s) => s.sid === "ConsumeSourceQueue")!.resources = ["*"];
    },
  },
  {
    id: "CKV_AWS_274",
    on: "aws_iam_role",
    title: "No role uses AWS-managed policies (AdministratorAccess or any broad managed policy)",
    check: (tf) => [
      ...entries(tf, "aws_iam_role_policy_attachment").map(
        ([id, a]) => `aws_iam_role_policy_attachment.${id} attaches ${a.policy_arn}`,
      ),
      ...entries(tf, "aws_iam_role")
        .filter(([, r]) => (r.managed_policy_arns ?? []).length > 0)
        .map(([id]) => `aws_iam_role.${id} has managed_policy_arns`),
    ],
    breakStack: (tf) => {
      tf.resource.aws_iam_role_policy_attachment = {
        admin: { role: "x", policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      };
    },
  },
  {
    id: "AWS-IAM-TABLE-LEAST-PRIVILEGE",
    on: "aws_iam_role_policy",
    title:
      "Table access is limited to the item actions the function uses, on the table itself (IAM guide: least privilege)",
    check: (tf) => {
      const tableArns = new Set(entries(tf, "aws_dynamodb_table").map(([id]) => ref("aws_dynamodb_table", id, "arn")));
      return roleStatements(tf)
        .filter((s) => (s.actions as string[]).some((a) => a.startsWith("dynamodb:")))
        .flatMap((s) => [
          ...(s.actions as string[])
            .filter((a) => !TABLE_WRITE_ACTIONS.includes(a))
            .map((a) => `statement ${s.sid} allows ${a}, which the function does not use`),
          ...(s.resources as string[]).filter((r) => !tableArns.has(r)).map((r) => `statement ${s.sid} names ${r}`),
        ]);
    },
    breakStack: (tf) => {
      roleStatements(tf)
        .find((s) => s.sid === "WriteOrders")!
        .actions.push("dynamodb:DeleteItem");
    },
  },
  {
    id: "AWS-LAMBDA-SQS-VISIBILITY",
    on: "aws_lambda_event_source_mapping",
    title: "Queue visibility timeout >= 6 x function timeout + batching window (Lambda guide: SQS event sources)",
    check: (tf) =>
      mappingsOf(tf).flatMap((m) => {
        const [queueId, queue] = queueFor(tf, m);
        const [, fn] = functionFor(tf, m);
        const needed = 6 * numberOf(tf, fn.timeout ?? 3)! + (m.maximum_batching_window_in_seconds ?? 0);
        const visibility = numberOf(tf, queue.visibility_timeout_seconds ?? 30)!;
        return visibility >= needed ? [] : [`aws_sqs_queue.${queueId} visibility ${visibility} < ${needed}`];
      }),
    breakStack: (tf) => {
      queueFor(tf, mappingsOf(tf)[0])[1].visibility_timeout_seconds = 30;
    },
  },
  {
    id: "AWS-SQS-DLQ-RETENTION",
    on: "aws_sqs_queue",
    title: "DLQs keep messages 14 days, longer than their source queue (SQS guide: dead-letter queues)",
    check: (tf) => {
      const queues = resourcesOf(tf, "aws_sqs_queue");
      return redrivePairs(tf).flatMap(([sourceId, dlqId]) => {
        const dlq = numberOf(tf, queues[dlqId].message_retention_seconds ?? 345600)!;
        const source = numberOf(tf, queues[sourceId].message_retention_seconds ?? 345600)!;
        return dlq === 1209600 && dlq > source ? [] : [`aws_sqs_queue.${dlqId} keeps ${dlq} s (source ${source} s)`];
      });
    },
    breakStack: (tf) => {
      const [, dlqId] = redrivePairs(tf)[0];
      resourcesOf(tf, "aws_sqs_queue")[dlqId].message_retention_seconds = 345600;
    },
  },
  {
    id: "AWS-SQS-REDRIVE-ALLOW",
    on: "aws_sqs_queue",
    title: "Every DLQ admits only its source queue (redrive-allow policy byQueue)",
    check: (tf) => {
      const allows = entries(tf, "aws_sqs_queue_redrive_allow_policy").map(([, p]) => p);
      return redrivePairs(tf).flatMap(([sourceId, dlqId]) => {
        const policy = allows.find((p) => p.queue_url === ref("aws_sqs_queue", dlqId, "url"));
        const expected = `\${jsonencode({"redrivePermission" = "byQueue", "sourceQueueArns" = [aws_sqs_queue.${sourceId}.arn]})}`;
        return policy?.redrive_allow_policy === expected
          ? []
          : [`aws_sqs_queue.${dlqId} does not admit only its source`];
      });
    },
    breakStack: (tf) => {
      delete tf.resource.aws_sqs_queue_redrive_allow_policy;
    },
  },
  {
    id: "AWS-LAMBDA-SQS-PARTIAL-BATCH",
    on: "aws_lambda_event_source_mapping",
    title: "SQS event source mappings report partial batch failures (Lambda guide: SQS error handling)",
    check: (tf) =>
      mappingsOf(tf).flatMap((m) =>
        (m.function_response_types ?? []).includes("ReportBatchItemFailures")
          ? []
          : [`mapping of ${m.event_source_arn} retries whole batches`],
      ),
    breakStack: (tf) => {
      delete mappingsOf(tf)[0].function_response_types;
    },
  },
  {
    id: "AWS-SQS-DLQ-ALARM",
    on: "aws_sqs_queue",
    title: "A CloudWatch alarm with an action watches every DLQ (SQS guide: monitoring dead-letter queues)",
    check: (tf) => {
      const alarms = entries(tf, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
      return redrivePairs(tf).flatMap(([, dlqId]) =>
        alarms.some(
          (a) =>
            a.metric_name === "ApproximateNumberOfMessagesVisible" &&
            a.dimensions?.QueueName === ref("aws_sqs_queue", dlqId, "name") &&
            (a.alarm_actions ?? []).length > 0,
        )
          ? []
          : [`aws_sqs_queue.${dlqId} has no alarm`],
      );
    },
    breakStack: (tf) => {
      delete tf.resource.aws_cloudwatch_metric_alarm;
    },
  },
  ...bucketRules(),
];

/** The S3 rules, for the state bucket. Each bucket-level setting is a separate resource naming the bucket. */
function bucketRules(): PolicyRule[] {
  const settingFor = (tf: TfJson, type: string, bucketId: string): TfJson | undefined =>
    entries(tf, type).find(([, r]) => r.bucket === ref("aws_s3_bucket", bucketId, "id"))?.[1];
  const perBucket =
    (type: string, ok: (setting: TfJson | undefined, tf: TfJson) => boolean, problem: string) =>
    (tf: TfJson): string[] =>
      entries(tf, "aws_s3_bucket").flatMap(([id]) =>
        ok(settingFor(tf, type, id), tf) ? [] : [`aws_s3_bucket.${id} ${problem}`],
      );
  const publicAccess = (id: string, flag: string, what: string): PolicyRule => ({
    id,
    on: "aws_s3_bucket",
    title: `S3 buckets ${what} (public access block: ${flag})`,
    check: perBucket("aws_s3_bucket_public_access_block", (b) => b?.[flag] === true, `does not set ${flag}`),
    breakStack: (tf) => {
      first(tf, "aws_s3_bucket_public_access_block")[flag] = false;
    },
  });
  return [
    {
      id: "CKV_AWS_21",
      on: "aws_s3_bucket",
      title: "S3 buckets keep versions (state can be rolled back)",
      check: perBucket(
        "aws_s3_bucket_versioning",
        (v) => v?.versioning_configuration?.status === "Enabled",
        "is not versioned",
      ),
      breakStack: (tf) => {
        first(tf, "aws_s3_bucket_versioning").versioning_configuration.status = "Suspended";
      },
    },
    {
      id: "CKV_AWS_145",
      on: "aws_s3_bucket",
      title: "S3 buckets encrypt with KMS by default",
      check: perBucket(
        "aws_s3_bucket_server_side_encryption_configuration",
        (e) => e?.rule?.[0]?.apply_server_side_encryption_by_default?.sse_algorithm === "aws:kms",
        "is not KMS-encrypted by default",
      ),
      breakStack: (tf) => {
        first(
          tf,
          "aws_s3_bucket_server_side_encryption_configuration",
        ).rule[0].apply_server_side_encryption_by_default.sse_algorithm = "AES256";
      },
    },
    publicAccess("CKV_AWS_53", "block_public_acls", "block public ACLs"),
    publicAccess("CKV_AWS_54", "block_public_policy", "block public bucket policies"),
    publicAccess("CKV_AWS_55", "ignore_public_acls", "ignore public ACLs"),
    publicAccess("CKV_AWS_56", "restrict_public_buckets", "restrict public buckets"),
    {
      id: "CKV2_AWS_61",
      on: "aws_s3_bucket",
      title: "S3 buckets have a lifecycle configuration (old state versions expire)",
      check: perBucket("aws_s3_bucket_lifecycle_configuration", (l) => (l?.rule ?? []).length > 0, "has no lifecycle"),
      breakStack: (tf) => {
        delete tf.resource.aws_s3_bucket_lifecycle_configuration;
      },
    },
    {
      id: "AWS-S3-TLS-ONLY",
      on: "aws_s3_bucket",
      title: "Every bucket's policy denies requests without TLS (S3 security best practices)",
      check: perBucket(
        "aws_s3_bucket_policy",
        (p, tf) => p !== undefined && statements(tf, p.policy).some(deniesInsecureTransport),
        "accepts requests without TLS",
      ),
      breakStack: (tf) => {
        const document = documentOf(tf, first(tf, "aws_s3_bucket_policy").policy);
        document.statement = document.statement.filter((s: Statement) => !deniesInsecureTransport(s));
      },
    },
    {
      id: "CKV_AWS_18",
      on: "aws_s3_bucket",
      title: "S3 buckets log access to another bucket",
      check: perBucket("aws_s3_bucket_logging", (l) => l !== undefined, "has no access logging"),
    },
    {
      id: "CKV_AWS_144",
      on: "aws_s3_bucket",
      title: "S3 buckets replicate to another region",
      check: perBucket("aws_s3_bucket_replication_configuration", (r) => r !== undefined, "is not replicated"),
    },
  ];
}
