import type { NameRule } from "./validation";

/**
 * Every default and every AWS limit the constructs use, in one place.
 * Values are plain data; functions return fresh objects so no caller can
 * mutate a shared default.
 */

const DAY_SECONDS = 24 * 60 * 60;

/** AWS identifiers a target or a backend names (no lookaround in any pattern: Terraform's RE2 reads them too). */
export const AWS_ACCOUNT_ID = /^\d{12}$/;
/** A region name such as eu-west-1 or us-gov-west-1. */
export const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** An IAM role ARN (path allowed); the role's account is the second group. */
export const IAM_ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
/** An IAM principal a key policy may name as an administrator: a role, a user or an account root; the account is the second group. */
export const IAM_PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):(root|(role|user)\/[\w+=,.@/-]{1,512})$/;
/** What the S3 backend's `kms_key_id` takes: an alias (resolved in the caller's account) or a key or alias ARN. */
export const KMS_KEY_REFERENCE = /^alias\/[A-Za-z0-9/_-]+$|^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/;

/**
 * The one rule relating a role and an account: a provider pinned to `account` must assume a role
 * in it (or Terraform stops at plan). Returns the problem, or undefined when the rule holds or
 * `roleArn` is no role ARN (its own rule reports that).
 */
export function roleAccountProblem(roleArn: string, account: string): string | undefined {
  const roleAccount = IAM_ROLE_ARN.exec(roleArn)?.[2];
  if (roleAccount === undefined || roleAccount === account) return undefined;
  return (
    `roleArn must name a role in account ${account}, the account the provider is pinned to ` +
    `(given ${JSON.stringify(roleArn)})`
  );
}

/** SQS limits (AWS: CreateQueue attributes). */
export const SQS_LIMITS = {
  visibilityTimeoutSeconds: { min: 0, max: 43_200 },
  messageRetentionSeconds: { min: 60, max: 1_209_600 },
  receiveWaitTimeSeconds: { min: 0, max: 20 },
  maxReceiveCount: { min: 1, max: 1_000 },
} as const;

export const SQS_QUEUE_NAME: NameRule = {
  minLength: 1,
  maxLength: 80,
  pattern: /^[A-Za-z0-9_-]+$/,
  characters: "letters, digits, - and _",
};

export const QUEUE_DEFAULTS = {
  /** 6 x the default function timeout (30 s), AWS's rule for queues that feed Lambda. */
  visibilityTimeoutSeconds: 180,
  /** 4 days, SQS's own default. */
  messageRetentionSeconds: 4 * DAY_SECONDS,
  /** Long polling: fewer empty receives. */
  receiveWaitTimeSeconds: 20,
  /** The system's spec: a message that fails 3 receives moves to the DLQ. */
  maxReceiveCount: 3,
  /** 14 days, the maximum: time for a person to look. */
  deadLetterRetentionSeconds: 14 * DAY_SECONDS,
  /** Suffix of the DLQ's name when none is given. */
  deadLetterNameSuffix: "DLQ",
} as const;

/** SNS limits. */
export const SNS_TOPIC_NAME: NameRule = {
  minLength: 1,
  maxLength: 256,
  pattern: /^[A-Za-z0-9_-]+$/,
  characters: "letters, digits, - and _",
};

export const TOPIC_DEFAULTS = {
  /** AWS-managed SNS key: encryption at rest with no key to manage. */
  kmsMasterKeyId: "alias/aws/sns",
  rawMessageDelivery: false,
} as const;

/** DynamoDB limits. */
export const DYNAMODB_TABLE_NAME: NameRule = {
  minLength: 3,
  maxLength: 255,
  pattern: /^[A-Za-z0-9_.-]+$/,
  characters: "letters, digits, _, - and .",
};

export const TABLE_DEFAULTS = {
  partitionKey: "orderId",
  billingMode: "PAY_PER_REQUEST",
  pointInTimeRecovery: true,
  deletionProtection: true,
} as const;

/** The item actions the order writer uses: a conditional create, and a read to tell a redelivery from a conflict. */
export const TABLE_WRITE_ACTIONS: readonly string[] = ["dynamodb:PutItem", "dynamodb:GetItem"];

/** What a reader-writer needs on the table's customer key (as aws-cdk grants it, without wildcards). */
export const TABLE_KEY_ACTIONS: readonly string[] = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:DescribeKey",
];

export const KEY_DEFAULTS = {
  deletionWindowInDays: 30,
} as const;

/** CloudWatch alarms on the pipeline. */
export const ALARM_DEFAULTS = {
  /** The oldest message on the queue may wait this long before a person is paged (seconds). */
  oldestMessageAgeSeconds: 600,
  /** Function errors tolerated per period before alarming. */
  functionErrorsThreshold: 0,
  /** Throttled invocations tolerated per period before alarming. */
  functionThrottlesThreshold: 0,
  /** Metric period (seconds). */
  periodSeconds: 60,
  /** Periods the queue age must stay high before alarming. */
  oldestMessageAgeEvaluationPeriods: 5,
  /** Rejected orders tolerated per period: any rejection needs a person (bad data upstream). */
  rejectedOrdersThreshold: 0,
  /** Failed orders (retried by SQS) tolerated per period, for `failedOrdersEvaluationPeriods` periods in a row. */
  failedOrdersThreshold: 5,
  /** Periods the failed-order rate must stay high before alarming (one blip retries by itself). */
  failedOrdersEvaluationPeriods: 3,
  /** The p99 of publish-to-stored latency (milliseconds) allowed before alarming. */
  orderLatencyP99Ms: 60_000,
  /** Periods the latency p99 must stay high before alarming. */
  orderLatencyEvaluationPeriods: 5,
} as const;

/** AWS limits of the alarm props. */
/**
 * The order pipeline's business metrics, as the consumer function emits them (CloudWatch EMF):
 * the names are a contract between the function, its dashboard and its alarms.
 */
export const ORDER_METRIC_NAMES = {
  stored: "OrdersStored",
  duplicate: "OrdersDuplicate",
  rejected: "OrdersRejected",
  failed: "OrdersFailed",
  latency: "OrderLatency",
  batchSize: "BatchSize",
} as const;

/** A CloudWatch dashboard's name: 1-255 letters, digits, - and _. */
export const DASHBOARD_NAME: NameRule = {
  minLength: 1,
  maxLength: 255,
  pattern: /^[A-Za-z0-9_-]+$/,
  characters: "letters, digits, - and _",
};

/** Dashboard layout: widgets on a 24-column grid, two per row. */
export const DASHBOARD_DEFAULTS = { widgetWidth: 12, widgetHeight: 6, periodSeconds: 60 } as const;

export const ALARM_LIMITS = {
  oldestMessageAgeSeconds: { min: 60, max: 1_209_600 },
  threshold: { min: 0, max: 1_000_000 },
  /** Up to 14 days, SQS's longest retention: an order cannot wait longer. */
  orderLatencyP99Ms: { min: 1, max: 1_209_600_000 },
} as const;

/**
 * An e-mail address an SNS `email` subscription accepts: something@domain.tld, no spaces. Valid
 * in JavaScript and in Terraform's RE2 alike (the `alarm_emails` variable's validation uses it).
 */
export const EMAIL_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * What a key administrator may do: manage the key, its policy, aliases, grants and
 * deletion, but never encrypt or decrypt with it (AWS KMS's "key administrators"
 * statement, without wildcards).
 */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
];

/** Cryptographic use of a key, which only principals that go through an AWS service get (kms:ViaService). */
export const KEY_USE_ACTIONS: readonly string[] = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
];

/** What DynamoDB needs besides use: grants it creates on the table's key (kms:GrantIsForAWSResource). */
export const KEY_GRANT_ACTIONS: readonly string[] = ["kms:CreateGrant"];

/** What an AWS service needs on a customer key to send to an encrypted topic or queue (CloudWatch, SNS). */
export const SERVICE_SEND_KEY_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:GenerateDataKey"];

/** Lambda limits. */
export const LAMBDA_FUNCTION_NAME: NameRule = {
  minLength: 1,
  maxLength: 64,
  pattern: /^[A-Za-z0-9_-]+$/,
  characters: "letters, digits, - and _",
};

export const LAMBDA_LIMITS = {
  timeoutSeconds: { min: 1, max: 900 },
  memorySizeMb: { min: 128, max: 10_240 },
  /** Without a batching window SQS event sources take at most 10 records a batch. */
  batchSizeWithoutWindow: { min: 1, max: 10 },
  batchSizeWithWindow: { min: 1, max: 10_000 },
  maximumBatchingWindowSeconds: { min: 0, max: 300 },
  /** The event source mapping's maximum concurrency. */
  maximumConcurrency: { min: 2, max: 1_000 },
  reservedConcurrentExecutions: { min: 0, max: 1_000 },
  /** AWS: the queue's visibility timeout must be at least 6 x the function timeout (plus the batching window). */
  visibilityTimeoutFactor: 6,
} as const;

/**
 * The one rule relating two function settings: reserved concurrency never below the event source
 * mapping's maximum concurrency. Returns the problem, or undefined when the rule holds.
 */
export function reservedConcurrencyProblem(
  reservedConcurrentExecutions: number,
  maximumConcurrency: number,
): string | undefined {
  if (reservedConcurrentExecutions >= maximumConcurrency) return undefined;
  return (
    `reservedConcurrentExecutions must be at least maximumConcurrency (${maximumConcurrency}), or the event source ` +
    `mapping's poller is throttled and good messages reach the dead-letter queue early (given ${reservedConcurrentExecutions})`
  );
}

/** Runtimes still supported upstream (Node.js 20 reached end of life on 2026-04-30). */
export const SUPPORTED_NODE_RUNTIMES = ["nodejs22.x", "nodejs24.x"] as const;
export type NodeRuntime = (typeof SUPPORTED_NODE_RUNTIMES)[number];

/** Lambda instruction sets. */
export const ARCHITECTURES = ["arm64", "x86_64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** Lambda's application log levels (JSON log format). */
export const APPLICATION_LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;
export type ApplicationLogLevel = (typeof APPLICATION_LOG_LEVELS)[number];

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const FUNCTION_DEFAULTS = {
  runtime: "nodejs22.x" as NodeRuntime,
  architecture: "arm64" as Architecture,
  handler: "index.handler",
  timeoutSeconds: 30,
  memorySizeMb: 256,
  logRetentionDays: 30,
  applicationLogLevel: "INFO" as ApplicationLogLevel,
  systemLogLevel: "WARN",
  batchSize: 10,
  maximumBatchingWindowSeconds: 0,
  /** Reserved concurrency defaults to this too: at least the mapping's maximum, so the poller is never throttled. */
  maximumConcurrency: 10,
} as const;

/** S3 bucket names (general purpose buckets). */
export const S3_BUCKET_NAME: NameRule = {
  minLength: 3,
  maxLength: 63,
  pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
  characters: "lower-case letters, digits, . and - (starting and ending with a letter or digit)",
};

/**
 * An S3 key prefix the Terraform S3 backend takes (`<prefix>/<stack>.tfstate`): S3's safe
 * characters, no leading or trailing / and no // (the backend refuses those). 512 leaves room
 * for the stack's name within S3's 1024-byte keys.
 */
export const S3_KEY_PREFIX: NameRule = {
  minLength: 1,
  maxLength: 512,
  pattern: /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
  characters: "letters, digits and ! - _ . * ' ( ) /, not starting or ending with / and without //",
};

export const STATE_BUCKET_LIMITS = {
  noncurrentVersionDays: { min: 1, max: 3650 },
} as const;

export const STATE_BUCKET_DEFAULTS = {
  noncurrentVersionDays: 90,
  /** Always keep the last few versions, however old. */
  newerNoncurrentVersions: 10,
} as const;

/** Deny every request to `service` that does not use TLS (aws:SecureTransport false). */
export function denyInsecureTransportCondition(): { test: string; variable: string; values: string[] } {
  return { test: "Bool", variable: "aws:SecureTransport", values: ["false"] };
}
