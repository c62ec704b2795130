import * as z from "zod/mini";
import {
  ALARM_LIMITS,
  APPLICATION_LOG_LEVELS,
  AWS_ACCOUNT_ID,
  AWS_REGION,
  EMAIL_ADDRESS,
  IAM_PRINCIPAL_ARN,
  IAM_ROLE_ARN,
  LAMBDA_LIMITS,
  LOG_RETENTION_DAYS,
  S3_BUCKET_NAME,
  S3_KEY_PREFIX,
} from "../constructs/defaults";
import type { ApplicationLogLevel } from "../constructs/defaults";
import type { NameRule } from "../constructs/validation";

/**
 * Rules of the app's settings, built from the limits and patterns in constructs/defaults.ts
 * (the one place each is defined). A rule is a zod schema, the words the messages use for a
 * good value, and the same check as a Terraform condition for the stack's variables, all made
 * from one limit: change the limit and every layer follows.
 */

/** What a setting may be. */
export interface Rule<T> {
  /** Accepts exactly the good values. */
  readonly schema: z.ZodMiniType<T>;
  /** What a good value is, as the messages say it after "must be". Never holds a double quote (HCL messages). */
  readonly allowed: string;
  /** The same check as a Terraform condition on `reference` (e.g. `var.function_memory_mb`), without `${}`. */
  terraformCondition(reference: string): string;
  /** How a Terraform message quotes the value of `reference`. */
  terraformValue(reference: string): string;
}

/** A whole number within an AWS limit. */
export function wholeNumber(limit: { readonly min: number; readonly max: number }): Rule<number> {
  const { min, max } = limit;
  return {
    schema: z.int().check(z.gte(min), z.lte(max)),
    allowed: `a whole number from ${min} to ${max}`,
    terraformCondition: (ref) => `${ref} >= ${min} && ${ref} <= ${max} && floor(${ref}) == ${ref}`,
    terraformValue: (ref) => ref,
  };
}

/** One of a list of values (numbers, or words without quotes or spaces). */
export function oneOf<T extends string | number>(values: readonly T[]): Rule<T> {
  return {
    schema: z.literal([...values]) as unknown as z.ZodMiniType<T>,
    allowed: `one of ${values.join(", ")}`,
    terraformCondition: (ref) => `contains([${values.map(hclLiteral).join(", ")}], ${ref})`,
    terraformValue: (ref) => ref,
  };
}

/** A string matching `pattern`; `allowed` says what that is. The pattern must also be valid RE2 (Terraform). */
export function matching(pattern: RegExp, allowed: string): Rule<string> {
  return {
    schema: z.string().check(z.regex(pattern)),
    allowed,
    terraformCondition: (ref) => `can(regex(${hclLiteral(pattern.source)}, ${ref}))`,
    terraformValue: (ref) => ref,
  };
}

/** A name of an AWS limit's length and characters; `lead` comes before `<min>-<max> characters of ...`. */
export function named(rule: NameRule, lead: string): Rule<string> {
  const { minLength, maxLength, pattern } = rule;
  return {
    schema: z.string().check(z.minLength(minLength), z.maxLength(maxLength), z.regex(pattern)),
    allowed: `${lead}${minLength}-${maxLength} characters of ${rule.characters}`,
    terraformCondition: (ref) =>
      `length(${ref}) >= ${minLength} && length(${ref}) <= ${maxLength} && can(regex(${hclLiteral(pattern.source)}, ${ref}))`,
    terraformValue: (ref) => ref,
  };
}

/** true or false. */
export const flag: Rule<boolean> = {
  schema: z.boolean(),
  allowed: "true or false",
  terraformCondition: () => "true",
  terraformValue: (ref) => ref,
};

/** A list whose every item follows `item`. */
export function listOf<T>(item: Rule<T>, allowed: string): Rule<T[]> {
  return {
    schema: z.array(item.schema),
    allowed,
    terraformCondition: (ref) => `alltrue([for item in ${ref} : ${item.terraformCondition("item")}])`,
    terraformValue: (ref) => `jsonencode(${ref})`,
  };
}

/**
 * The validation block of a Terraform variable named `name` that `rule` checks: the same condition
 * and the same words as the configuration's messages, `<name> must be <allowed> (given <value>).`
 */
export function terraformValidation(name: string, rule: Rule<unknown>): { condition: string; errorMessage: string } {
  const ref = `var.${name}`;
  return {
    condition: `\${${rule.terraformCondition(ref)}}`,
    errorMessage: `${name} must be ${rule.allowed} (given \${${rule.terraformValue(ref)}}).`,
  };
}

/** The words of every problem with a setting: `<field> must be <allowed> (given <value>)`. */
export function mustBe(field: string, rule: Rule<unknown>, value: unknown): string {
  return `${field} must be ${rule.allowed} (given ${given(value)})`;
}

/** The problem with a value that `rule` refuses, or undefined when it follows the rule or is not given. */
export function problemOf(field: string, rule: Rule<unknown>, value: unknown): string | undefined {
  return value === undefined || rule.schema.safeParse(value).success ? undefined : mustBe(field, rule, value);
}

/** Longest part of a value the messages echo; the rest is counted, never echoed whole. */
export const ECHO_MAX_CHARS = 80;

/** A given value as the messages quote it: JSON, cut to ECHO_MAX_CHARS (`… (N characters)`). */
export function given(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= ECHO_MAX_CHARS ? text : `${text.slice(0, ECHO_MAX_CHARS)}… (${text.length} characters)`;
}

/**
 * A string or a number as an HCL literal: JSON's (a number bare, a string quoted with its escapes),
 * and `${` / `%{` kept literal as `$${` / `%%{`. (Functions give the replacements: in a replacement
 * string, `$$` is one `$`.)
 */
function hclLiteral(value: string | number): string {
  return JSON.stringify(value)
    .replaceAll("${", () => "$${")
    .replaceAll("%{", () => "%%{");
}

const REGION = matching(AWS_REGION, "an AWS region such as eu-west-1");
const roleArn = (example: string): Rule<string> =>
  matching(IAM_ROLE_ARN, `an IAM role ARN such as arn:aws:iam::111122223333:role/${example}`);

/**
 * The ORDERS_* variables, all optional (docs/environments.md). The name prefix and an
 * environment's name are the app's own rules: `<prefix>-<name>-ProcessOrderLambda`, the longest
 * physical name, fits Lambda's 64 characters (a test synthesizes the longest pair).
 */
export const VARIABLE_RULES = {
  ORDERS_NAME_PREFIX: matching(
    /^[a-z][a-z0-9-]{0,29}$/,
    "1-30 characters: a lower-case letter, then lower-case letters, digits and -",
  ),
  ORDERS_REGION: REGION,
  ORDERS_STATE_ACCOUNT: matching(AWS_ACCOUNT_ID, "an AWS account ID: a string of 12 digits"),
  ORDERS_STATE_BUCKET: named(S3_BUCKET_NAME, "an S3 bucket name: "),
  ORDERS_STATE_REGION: REGION,
  ORDERS_STATE_KEY_PREFIX: named(S3_KEY_PREFIX, "an S3 key prefix: "),
} as const;

/**
 * The fields of an environment in the environments file, in the order the messages list them.
 * Each setting has the name of the construct prop it sets (SqsLambda: memorySizeMb to
 * applicationLogLevel; OrdersTable: deletionProtection; FanoutTopic.subscribeQueue:
 * rawMessageDelivery), and `alarms` holds PipelineAlarms' own props.
 */
export const ENVIRONMENT_RULES = {
  name: matching(
    /^[a-z][a-z0-9-]{0,13}$/,
    "1-14 characters: a lower-case letter, then lower-case letters, digits and -",
  ),
  region: REGION,
  account: matching(AWS_ACCOUNT_ID, "an AWS account ID: a string of 12 digits"),
  roleArn: roleArn("orders-deploy"),
  stateRoleArn: roleArn("orders-state"),
  memorySizeMb: wholeNumber(LAMBDA_LIMITS.memorySizeMb),
  logRetentionDays: oneOf(LOG_RETENTION_DAYS),
  deletionProtection: flag,
  timeoutSeconds: wholeNumber(LAMBDA_LIMITS.timeoutSeconds),
  // The stack configures no batching window.
  batchSize: wholeNumber(LAMBDA_LIMITS.batchSizeWithoutWindow),
  maximumConcurrency: wholeNumber(LAMBDA_LIMITS.maximumConcurrency),
  reservedConcurrentExecutions: wholeNumber(LAMBDA_LIMITS.reservedConcurrentExecutions),
  applicationLogLevel: oneOf<ApplicationLogLevel>(APPLICATION_LOG_LEVELS),
  rawMessageDelivery: flag,
  customerManagedKeys: flag,
  keyAdministrators: listOf(
    matching(
      IAM_PRINCIPAL_ARN,
      "an IAM role, user or account-root ARN such as arn:aws:iam::111122223333:role/key-admin",
    ),
    "a list of one or more IAM role, user or account-root ARNs such as arn:aws:iam::111122223333:role/key-admin",
  ),
} as const;

/** The fields of an environment's `alarms`: PipelineAlarms' props of the same names. */
export const ALARM_RULES = {
  emails: listOf(
    matching(EMAIL_ADDRESS, "an e-mail address such as ops@example.com"),
    "a list of e-mail addresses such as ops@example.com",
  ),
  oldestMessageAgeSeconds: wholeNumber(ALARM_LIMITS.oldestMessageAgeSeconds),
  functionErrorsThreshold: wholeNumber(ALARM_LIMITS.threshold),
  functionThrottlesThreshold: wholeNumber(ALARM_LIMITS.threshold),
  rejectedOrdersThreshold: wholeNumber(ALARM_LIMITS.threshold),
  failedOrdersThreshold: wholeNumber(ALARM_LIMITS.threshold),
  orderLatencyP99Ms: wholeNumber(ALARM_LIMITS.orderLatencyP99Ms),
} as const;
