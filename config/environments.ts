import * as fs from "fs";
import * as path from "path";
import type { ApplicationLogLevel } from "../constructs/defaults";
import { InputError, MAX_INPUT_BYTES, cutText, jsonDepthProblem, quote, readBoundedFile } from "./input";
import {
  ALARM_DEFAULTS,
  ALARM_LIMITS,
  FUNCTION_DEFAULTS,
  LAMBDA_LIMITS,
  LOG_RETENTION_DAYS,
  TABLE_DEFAULTS,
  TOPIC_DEFAULTS,
} from "../constructs/defaults";

/**
 * The app's configuration: the ORDERS_* variables and the environments file
 * (`environments.json`, or the file ORDERS_ENVIRONMENTS_FILE names). Loaded and
 * checked here, without cdktf or the providers, so the operator tools can read
 * stack names and the default stack cheaply. Every problem is collected and
 * thrown as one `ConfigurationError`.
 */

/** Bad configuration: `problems` holds one line per problem, each naming the setting, the rule and the value given. */
export class ConfigurationError extends Error {
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigurationError";
    this.problems = problems;
  }
}

/** Settings read from ORDERS_* variables (see docs/environments.md); all optional. */
export interface AppSettings {
  /** `ORDERS_NAME_PREFIX`: every stack is `<namePrefix>-<environment>`. */
  readonly namePrefix: string;
  /** `ORDERS_REGION`: the region of an environment that names none. */
  readonly region: string;
  /** `ORDERS_STATE_BUCKET`: the S3 bucket holding every environment's state. */
  readonly stateBucket: string;
  /** `ORDERS_STATE_REGION`: the bucket's region (default: `region`). */
  readonly stateRegion: string;
  /** `ORDERS_STATE_KEY_PREFIX`: state keys are `<stateKeyPrefix>/<stack>.tfstate`. */
  readonly stateKeyPrefix: string;
  /** `ORDERS_ENVIRONMENTS_FILE`: the environments file (default: `environments.json` at the project root). */
  readonly environmentsFile: string;
}

/** Alarm thresholds of one environment (see `PipelineAlarmsProps`). */
export interface AlarmThresholds {
  readonly oldestMessageAgeSeconds: number;
  readonly functionErrorsThreshold: number;
  readonly functionThrottlesThreshold: number;
}

/** One environment, every default applied. */
export interface Environment {
  /** 1-14 characters: a lower-case letter, then lower-case letters, digits and `-`. The stack is `<namePrefix>-<name>`. */
  readonly name: string;
  readonly region: string;
  /** The only account the provider may deploy into (`allowed_account_ids`), when given. */
  readonly account?: string;
  /** The role the AWS provider assumes, when given. */
  readonly roleArn?: string;
  /** The role the S3 backend assumes to reach the state bucket, when the state lives in another account. */
  readonly stateRoleArn?: string;
  readonly functionMemoryMb: number;
  readonly logRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly functionTimeoutSeconds: number;
  readonly batchSize: number;
  readonly maximumConcurrency: number;
  readonly reservedConcurrency: number;
  readonly applicationLogLevel: ApplicationLogLevel;
  readonly rawMessageDelivery: boolean;
  readonly alarmEmails: readonly string[];
  readonly alarms: AlarmThresholds;
  /** Encrypt OrderTopic, OrderQueue and its DLQ with customer-managed keys of the stack's own. */
  readonly customerManagedKeys: boolean;
}

export interface Configuration {
  readonly settings: AppSettings;
  /** In file order; the first is the default stack of the operator tools. */
  readonly environments: readonly Environment[];
}

/** The variable that points synth at another environments file. */
export const ENVIRONMENTS_FILE_VARIABLE = "ORDERS_ENVIRONMENTS_FILE";

/** Defaults of the ORDERS_* variables; the environments file is relative to the project root. */
export const DEFAULT_APP_SETTINGS = {
  namePrefix: "orders",
  region: "us-east-1",
  stateBucket: "order-pipeline-terraform-state",
  stateKeyPrefix: "order-pipeline",
  environmentsFile: "environments.json",
} as const;

/** Every environment field but `name` and `region` has this default; the construct defaults, not copies. */
export const ENVIRONMENT_DEFAULTS = {
  functionMemoryMb: FUNCTION_DEFAULTS.memorySizeMb,
  logRetentionDays: FUNCTION_DEFAULTS.logRetentionDays,
  deletionProtection: TABLE_DEFAULTS.deletionProtection,
  functionTimeoutSeconds: FUNCTION_DEFAULTS.timeoutSeconds,
  batchSize: FUNCTION_DEFAULTS.batchSize,
  maximumConcurrency: FUNCTION_DEFAULTS.maximumConcurrency,
  applicationLogLevel: FUNCTION_DEFAULTS.applicationLogLevel,
  rawMessageDelivery: TOPIC_DEFAULTS.rawMessageDelivery,
  alarmEmails: [] as readonly string[],
  alarms: {
    oldestMessageAgeSeconds: ALARM_DEFAULTS.oldestMessageAgeSeconds,
    functionErrorsThreshold: ALARM_DEFAULTS.functionErrorsThreshold,
    functionThrottlesThreshold: ALARM_DEFAULTS.functionThrottlesThreshold,
  },
  customerManagedKeys: false,
} as const;

/** The stack of an environment. */
export function stackNameOf(namePrefix: string, environmentName: string): string {
  return `${namePrefix}-${environmentName}`;
}

/** The operator tools' default stack: the first environment's. */
export function defaultStackName(configuration: Configuration): string {
  return stackNameOf(configuration.settings.namePrefix, configuration.environments[0].name);
}

/** Every stack of the order pipeline, in file order. */
export function pipelineStackNames(configuration: Configuration): string[] {
  return configuration.environments.map((environment) =>
    stackNameOf(configuration.settings.namePrefix, environment.name),
  );
}

/**
 * Reads the ORDERS_* variables and the environments file they name, checks both
 * and throws one `ConfigurationError` listing every problem.
 * @param root the project root, where the default `environments.json` lives
 */
export function readConfiguration(env: NodeJS.ProcessEnv, root: string): Configuration {
  const { settings, problems } = settingsFromEnv(env, root);
  const file = settings.environmentsFile;
  let text: string | undefined;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    // A regular file of at most 1 MiB: /dev/zero or a FIFO would never finish reading.
    text = readBoundedFile(file, { what: displayName(file), maxBytes: MAX_INPUT_BYTES });
  } catch (error) {
    const given = env[ENVIRONMENTS_FILE_VARIABLE];
    problems.push(
      error instanceof InputError
        ? error.message
        : given
          ? `${ENVIRONMENTS_FILE_VARIABLE} must name a readable environments file (given ${quote(given)}: ${(error as Error).message})`
          : `${displayName(file)} must exist at the project root (${(error as Error).message})`,
    );
  }
  const environments =
    text === undefined ? [] : collect(problems, parseEnvironments(text, displayName(file), settings));
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { settings, environments };
}

/** The ORDERS_* variables over their defaults, with a problem line per bad value. */
export function settingsFromEnv(env: NodeJS.ProcessEnv, root: string): { settings: AppSettings; problems: string[] } {
  const region = env.ORDERS_REGION || DEFAULT_APP_SETTINGS.region;
  const settings: AppSettings = {
    namePrefix: env.ORDERS_NAME_PREFIX || DEFAULT_APP_SETTINGS.namePrefix,
    region,
    stateBucket: env.ORDERS_STATE_BUCKET || DEFAULT_APP_SETTINGS.stateBucket,
    stateRegion: env.ORDERS_STATE_REGION || region,
    stateKeyPrefix: env.ORDERS_STATE_KEY_PREFIX || DEFAULT_APP_SETTINGS.stateKeyPrefix,
    environmentsFile: env[ENVIRONMENTS_FILE_VARIABLE]
      ? path.resolve(env[ENVIRONMENTS_FILE_VARIABLE]!)
      : path.join(root, DEFAULT_APP_SETTINGS.environmentsFile),
  };
  const rules: [keyof AppSettings, string, RegExp, string][] = [
    ["namePrefix", "ORDERS_NAME_PREFIX", NAME_PREFIX.pattern, NAME_PREFIX.allowed],
    ["region", "ORDERS_REGION", REGION.pattern, REGION.allowed],
    ["stateRegion", "ORDERS_STATE_REGION", REGION.pattern, REGION.allowed],
    [
      "stateBucket",
      "ORDERS_STATE_BUCKET",
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      "an S3 bucket name: 3-63 lower-case letters, digits, . and -",
    ],
    [
      "stateKeyPrefix",
      "ORDERS_STATE_KEY_PREFIX",
      /^(?!\/)(?!.*\/\/)[A-Za-z0-9!_.*'()/-]{1,512}(?<!\/)$/,
      "an S3 key prefix of 1-512 characters from letters, digits and ! - _ . * ' ( ) /, " +
        "not starting or ending with / and without //",
    ],
  ];
  // An unset ORDERS_STATE_REGION takes ORDERS_REGION's value, whose problem is reported once, as its own.
  const problems = rules
    .filter(([, variable]) => variable !== "ORDERS_STATE_REGION" || env.ORDERS_STATE_REGION)
    .filter(([key, , pattern]) => !pattern.test(settings[key]))
    .map(([key, variable, , allowed]) => `${variable} must be ${allowed} (given ${quote(settings[key])})`);
  return { settings, problems };
}

/**
 * Parses and checks the text of an environments file; `source` names it in the
 * messages. Returns the environments with every default applied, or the problems.
 */
export function parseEnvironments(
  text: string,
  source: string,
  settings: Pick<AppSettings, "region">,
): { environments: Environment[]; problems: string[] } {
  // Checked before parsing: a 5,000-deep value would overflow the stack of whatever walks it.
  const tooDeep = jsonDepthProblem(text, source);
  if (tooDeep) return { environments: [], problems: [tooDeep] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { environments: [], problems: [`${source} must be valid JSON (${(error as Error).message})`] };
  }
  if (!isObject(json) || !Array.isArray(json.environments)) {
    return {
      environments: [],
      problems: [`${source} must be an object with an "environments" list (given ${describe(json)})`],
    };
  }
  const problems = Object.keys(json)
    .filter((key) => key !== "environments")
    .map((key) => `${source}: ${quote(key)} is not a setting; the file holds only "environments"`);
  if (json.environments.length === 0) problems.push(`${source}: environments must list at least one environment`);

  const environments = json.environments.map((entry, index) => {
    const checked = checkEnvironment(entry, index, settings);
    problems.push(...checked.problems.map((problem) => `${source}: ${problem}`));
    return checked.environment;
  });
  const names = environments.map((e) => e.name);
  for (const name of new Set(names.filter((n, i) => names.indexOf(n) !== i))) {
    problems.push(`${source}: environment names must be unique (given ${quote(name)} more than once)`);
  }
  return { environments, problems };
}

/** A field rule: `check` returns true for a good value; `allowed` says what is. */
interface FieldRule {
  readonly allowed: string;
  check(value: unknown): boolean;
}

const NAME_PREFIX = {
  pattern: /^[a-z][a-z0-9-]{0,29}$/,
  allowed: "1-30 characters: a lower-case letter, then lower-case letters, digits and -",
};
const REGION = { pattern: /^[a-z]{2}(-[a-z]+)+-\d$/, allowed: "an AWS region such as eu-west-1" };
const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
/** The same rule as the `alarm_emails` variable's validation block. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const LOG_LEVELS: readonly ApplicationLogLevel[] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

const integer = (min: number, max: number): FieldRule => ({
  allowed: `a whole number from ${min} to ${max}`,
  check: (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
});
const matching = (pattern: RegExp, allowed: string): FieldRule => ({
  allowed,
  check: (v) => typeof v === "string" && pattern.test(v),
});
const boolean: FieldRule = { allowed: "true or false", check: (v) => typeof v === "boolean" };
const oneOf = (values: readonly (string | number)[]): FieldRule => ({
  allowed: `one of ${values.join(", ")}`,
  check: (v) => values.includes(v as string | number),
});

const L = LAMBDA_LIMITS;
/** The fields of an environment entry, in the order the messages list them. */
const FIELDS: Record<Exclude<keyof Environment, "alarms">, FieldRule> = {
  name: matching(
    /^[a-z][a-z0-9-]{0,13}$/,
    "1-14 characters: a lower-case letter, then lower-case letters, digits and -",
  ),
  region: matching(REGION.pattern, REGION.allowed),
  account: matching(/^\d{12}$/, "an AWS account ID: a string of 12 digits"),
  roleArn: matching(ROLE_ARN, "an IAM role ARN such as arn:aws:iam::111122223333:role/orders-deploy"),
  stateRoleArn: matching(ROLE_ARN, "an IAM role ARN such as arn:aws:iam::111122223333:role/orders-state"),
  functionMemoryMb: integer(L.memorySizeMb.min, L.memorySizeMb.max),
  logRetentionDays: oneOf(LOG_RETENTION_DAYS),
  deletionProtection: boolean,
  functionTimeoutSeconds: integer(L.timeoutSeconds.min, L.timeoutSeconds.max),
  batchSize: integer(L.batchSizeWithoutWindow.min, L.batchSizeWithoutWindow.max),
  maximumConcurrency: integer(L.maximumConcurrency.min, L.maximumConcurrency.max),
  reservedConcurrency: integer(L.maximumConcurrency.min, L.reservedConcurrentExecutions.max),
  applicationLogLevel: oneOf(LOG_LEVELS),
  rawMessageDelivery: boolean,
  alarmEmails: {
    allowed: "a list of e-mail addresses such as ops@example.com",
    check: (v) => Array.isArray(v) && v.every((address) => typeof address === "string" && EMAIL.test(address)),
  },
  customerManagedKeys: boolean,
};

const ALARM_FIELDS: Record<keyof AlarmThresholds, FieldRule> = {
  oldestMessageAgeSeconds: integer(ALARM_LIMITS.oldestMessageAgeSeconds.min, ALARM_LIMITS.oldestMessageAgeSeconds.max),
  functionErrorsThreshold: integer(ALARM_LIMITS.threshold.min, ALARM_LIMITS.threshold.max),
  functionThrottlesThreshold: integer(ALARM_LIMITS.threshold.min, ALARM_LIMITS.threshold.max),
};

function checkEnvironment(
  entry: unknown,
  index: number,
  settings: Pick<AppSettings, "region">,
): { environment: Environment; problems: string[] } {
  const input = isObject(entry) ? entry : {};
  const named = typeof input.name === "string" && FIELDS.name.check(input.name);
  const where = named ? `environment ${JSON.stringify(input.name)}` : `environment #${index + 1}`;
  if (!isObject(entry)) {
    return {
      environment: input as unknown as Environment,
      problems: [`${where} must be an object such as {"name": "staging"} (given ${describe(entry)})`],
    };
  }
  const problems: string[] = [];
  const report = (field: string, rule: FieldRule, value: unknown): void => {
    problems.push(`${where}: ${field} must be ${rule.allowed} (given ${describe(value)})`);
  };
  const allowedFields = [...Object.keys(FIELDS), "alarms"];
  for (const key of Object.keys(input).filter((k) => !allowedFields.includes(k))) {
    problems.push(`${where}: ${quote(key)} is not a field; the fields are ${allowedFields.join(", ")}`);
  }
  if (input.name === undefined) problems.push(`${where}: name is required (${FIELDS.name.allowed})`);
  for (const [field, rule] of Object.entries(FIELDS)) {
    if (input[field] !== undefined && !rule.check(input[field])) report(field, rule, input[field]);
  }
  if (input.alarms !== undefined) {
    if (!isObject(input.alarms)) {
      problems.push(
        `${where}: alarms must be an object with ${Object.keys(ALARM_FIELDS).join(", ")} (given ${describe(input.alarms)})`,
      );
    } else {
      for (const key of Object.keys(input.alarms).filter((k) => !(k in ALARM_FIELDS))) {
        problems.push(
          `${where}: alarms.${cutText(key)} is not a field; the fields are ${Object.keys(ALARM_FIELDS).join(", ")}`,
        );
      }
      for (const [field, rule] of Object.entries(ALARM_FIELDS)) {
        const value = input.alarms[field];
        if (value !== undefined && !rule.check(value)) report(`alarms.${field}`, rule, value);
      }
    }
  }

  const d = ENVIRONMENT_DEFAULTS;
  const maximumConcurrency = (input.maximumConcurrency as number | undefined) ?? d.maximumConcurrency;
  const environment: Environment = {
    name: input.name as string,
    region: (input.region as string | undefined) ?? settings.region,
    account: input.account as string | undefined,
    roleArn: input.roleArn as string | undefined,
    stateRoleArn: input.stateRoleArn as string | undefined,
    functionMemoryMb: (input.functionMemoryMb as number | undefined) ?? d.functionMemoryMb,
    logRetentionDays: (input.logRetentionDays as number | undefined) ?? d.logRetentionDays,
    deletionProtection: (input.deletionProtection as boolean | undefined) ?? d.deletionProtection,
    functionTimeoutSeconds: (input.functionTimeoutSeconds as number | undefined) ?? d.functionTimeoutSeconds,
    batchSize: (input.batchSize as number | undefined) ?? d.batchSize,
    maximumConcurrency,
    // Never below the mapping's maximum: the poller must not be throttled.
    reservedConcurrency: (input.reservedConcurrency as number | undefined) ?? maximumConcurrency,
    applicationLogLevel: (input.applicationLogLevel as ApplicationLogLevel | undefined) ?? d.applicationLogLevel,
    rawMessageDelivery: (input.rawMessageDelivery as boolean | undefined) ?? d.rawMessageDelivery,
    alarmEmails: (input.alarmEmails as string[] | undefined) ?? d.alarmEmails,
    alarms: { ...d.alarms, ...(isObject(input.alarms) ? (input.alarms as Partial<AlarmThresholds>) : {}) },
    customerManagedKeys: (input.customerManagedKeys as boolean | undefined) ?? d.customerManagedKeys,
  };

  if (
    Number.isInteger(input.reservedConcurrency) &&
    FIELDS.maximumConcurrency.check(maximumConcurrency) &&
    environment.reservedConcurrency < maximumConcurrency
  ) {
    problems.push(
      `${where}: reservedConcurrency must be at least maximumConcurrency (${maximumConcurrency}), or the queue's ` +
        `poller is throttled and good orders reach the DLQ early (given ${environment.reservedConcurrency})`,
    );
  }
  const roleAccount = typeof input.roleArn === "string" ? ROLE_ARN.exec(input.roleArn)?.[2] : undefined;
  if (roleAccount && FIELDS.account.check(input.account) && roleAccount !== input.account) {
    problems.push(
      `${where}: roleArn must name a role in account ${input.account}, the account the provider is pinned to ` +
        `(given ${JSON.stringify(input.roleArn)})`,
    );
  }
  return { environment, problems };
}

function collect(problems: string[], result: { environments: Environment[]; problems: string[] }): Environment[] {
  problems.push(...result.problems);
  return result.environments;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A given value as the messages quote it: cut to its first 200 characters. */
function describe(value: unknown): string {
  return quote(value);
}

/** A file as the messages name it: relative to the working directory when inside it. */
function displayName(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
