/**
 * The AWS limits that decide how many orders a second an environment carries, each with the page
 * it was read from (read 2026-12-07 from stored copies). Defaults: an account may have had any of
 * them raised, or (Lambda's account concurrency) be given less when new.
 */
export interface Limit {
  readonly value: number;
  readonly source: string;
}

const LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html";
const SQS_SCALING = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html";
const DYNAMODB_ON_DEMAND =
  "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html";
const DYNAMODB_QUOTAS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html";
const SNS_QUOTAS = "https://docs.aws.amazon.com/general/latest/gr/sns.html";

export const LIMITS = {
  /** Concurrent executions per account and region (default; shared by every function there). */
  lambdaAccountConcurrency: { value: 1_000, source: LAMBDA_QUOTAS },
  /** What an SQS event source mapping runs at once at most (standard queues). */
  sqsMappingConcurrency: { value: 1_250, source: SQS_SCALING },
  /** Batches an SQS mapping starts with when messages appear: five pollers, five invocations. */
  sqsMappingInitialPollers: { value: 5, source: SQS_SCALING },
  /** How fast the mapping adds concurrent invocations while messages wait. */
  sqsMappingScaleUpPerMinute: { value: 300, source: SQS_SCALING },
  /** A new on-demand table serves this many write request units a second at once (warm throughput). */
  dynamodbNewTableWriteUnitsPerSecond: { value: 4_000, source: DYNAMODB_ON_DEMAND },
  /** Per-table on-demand throughput quota (adjustable). */
  dynamodbTableWriteUnitsPerSecond: { value: 40_000, source: DYNAMODB_QUOTAS },
} as const;

/** SNS's Publish quota per account, messages a second, by region (standard topics). */
export const SNS_PUBLISH_PER_SECOND: Readonly<Record<string, number>> = {
  "us-east-1": 30_000,
  "us-west-2": 9_000,
  "eu-west-1": 9_000,
  "us-east-2": 1_500,
  "us-west-1": 1_500,
  "ap-south-1": 1_500,
  "ap-northeast-2": 1_500,
  "ap-southeast-1": 1_500,
  "ap-southeast-2": 1_500,
  "ap-northeast-1": 1_500,
  "eu-central-1": 1_500,
};
/** Every other region's quota. */
export const SNS_PUBLISH_OTHER_REGIONS = 300;

export function snsPublishLimit(region: string): Limit {
  return { value: SNS_PUBLISH_PER_SECOND[region] ?? SNS_PUBLISH_OTHER_REGIONS, source: SNS_QUOTAS };
}
