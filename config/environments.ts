import * as fs from "fs";
import * as path from "path";
import * as z from "zod/mini";
import type { ApplicationLogLevel } from "../constructs/defaults";
import { InputError, MAX_INPUT_BYTES, jsonDepthProblem, readBoundedFile } from "./input";
import { displayPath } from "./project";
import {
  ALARM_DEFAULTS,
  FUNCTION_DEFAULTS,
  TABLE_DEFAULTS,
  TOPIC_DEFAULTS,
  reservedConcurrencyProblem,
  IAM_ROLE_ARN,
  roleAccountProblem,
} from "../constructs/defaults";
import { ALARM_RULES, ENVIRONMENT_RULES, Rule, VARIABLE_RULES, given, mustBe } from "./settings";

/**
 * The app's configuration: the ORDERS_* variables and the environments file
 * (`environments.json`, or the file ORDERS_ENVIRONMENTS_FILE names). Loaded and
 * checked here, without cdktf or the providers, so the operator tools can read
 * stack names and the default stack cheaply. Each field is checked by its rule in
 * `settings.ts`, made from the constructs' limits. Every problem is collected and
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
  /**
   * `ORDERS_STATE_ACCOUNT`: the account of the state bucket; the state bootstrap stack and every
   * backend may act only there (`allowed_account_ids`). Default: the one account the environments
   * name; with none (or several) named it stays unknown, and `stateTarget` (synth, deploy) refuses,
   * naming this setting. The operator tools never need it.
   */
  readonly stateAccount?: string;
  /**
   * `ORDERS_STATE_BUCKET`: the S3 bucket holding every environment's state. Default:
   * `order-pipeline-terraform-state-<stateAccount>-<stateRegion>` (`defaultStateBucket`), like the
   * CDK's bootstrap buckets, so nobody can take the name first for every adopter. Unknown while
   * `stateAccount` is.
   */
  readonly stateBucket?: string;
  /** `ORDERS_STATE_REGION`: the bucket's region (default: `region`). */
  readonly stateRegion: string;
  /** `ORDERS_STATE_KEY_PREFIX`: state keys are `<stateKeyPrefix>/<stack>.tfstate`. */
  readonly stateKeyPrefix: string;
  /** `ORDERS_ENVIRONMENTS_FILE`: the environments file (default: `environments.json` at the project root). */
  readonly environmentsFile: string;
}

/** PipelineAlarms' settings of one environment, named as its props. */
export interface AlarmSettings {
  /** Addresses subscribed to the alarm topic: the default of the `alarm_emails` variable. */
  readonly emails: readonly string[];
  readonly oldestMessageAgeSeconds: number;
  readonly functionErrorsThreshold: number;
  readonly functionThrottlesThreshold: number;
  readonly rejectedOrdersThreshold: number;
  readonly failedOrdersThreshold: number;
  readonly orderLatencyP99Ms: number;
}

/**
 * What one environment's pipeline runs with, every default applied. Each setting has the name of
 * the construct prop it sets, and the stack passes it there (docs/environments.md lists them).
 */
export interface PipelineSettings {
  /** SqsLambda's memory: the default of the `function_memory_mb` variable. */
  readonly memorySizeMb: number;
  /** SqsLambda's log retention: the default of the `log_retention_days` variable. */
  readonly logRetentionDays: number;
  /** OrdersTable's deletion protection. */
  readonly deletionProtection: boolean;
  /** SqsLambda's timeout; OrderQueue's visibility timeout is 6 times this. */
  readonly timeoutSeconds: number;
  readonly batchSize: number;
  readonly maximumConcurrency: number;
  /** Never below `maximumConcurrency`, which is its default. */
  readonly reservedConcurrentExecutions: number;
  readonly applicationLogLevel: ApplicationLogLevel;
  /** FanoutTopic.subscribeQueue's raw message delivery. */
  readonly rawMessageDelivery: boolean;
  readonly alarms: AlarmSettings;
  /** Encrypt OrderTopic, OrderQueue and its DLQ with customer-managed keys of the stack's own. */
  readonly customerManagedKeys: boolean;
  /** EncryptionKey's administrators of those keys (default: the account root). */
  readonly keyAdministrators?: readonly string[];
}

/** One environment: where its stack deploys, as whom, and its pipeline's settings. */
export interface Environment extends PipelineSettings {
  /** 1-14 characters: a lower-case letter, then lower-case letters, digits and `-`. The stack is `<namePrefix>-<name>`. */
  readonly name: string;
  readonly region: string;
  /** The only account the provider may deploy into (`allowed_account_ids`), when given. */
  readonly account?: string;
  /** The role the AWS provider assumes, when given. */
  readonly roleArn?: string;
  /** The role the S3 backend assumes to reach the state bucket, when the state lives in another account. */
  readonly stateRoleArn?: string;
}

/** An environment as the file (or a program) gives it: a name, and any other field. */
export type EnvironmentInput = Pick<Environment, "name"> &
  Partial<Omit<Environment, "name" | "alarms">> & { readonly alarms?: Partial<AlarmSettings> };

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
  stateBucketPrefix: "order-pipeline-terraform-state",
  stateKeyPrefix: "order-pipeline",
  environmentsFile: "environments.json",
} as const;

/** Every environment field but `name`, `region` and the target's has this default: the constructs' own, not copies. */
export const ENVIRONMENT_DEFAULTS: Omit<PipelineSettings, "reservedConcurrentExecutions"> = {
  memorySizeMb: FUNCTION_DEFAULTS.memorySizeMb,
  logRetentionDays: FUNCTION_DEFAULTS.logRetentionDays,
  deletionProtection: TABLE_DEFAULTS.deletionProtection,
  timeoutSeconds: FUNCTION_DEFAULTS.timeoutSeconds,
  batchSize: FUNCTION_DEFAULTS.batchSize,
  maximumConcurrency: FUNCTION_DEFAULTS.maximumConcurrency,
  applicationLogLevel: FUNCTION_DEFAULTS.applicationLogLevel,
  rawMessageDelivery: TOPIC_DEFAULTS.rawMessageDelivery,
  alarms: {
    emails: [],
    oldestMessageAgeSeconds: ALARM_DEFAULTS.oldestMessageAgeSeconds,
    functionErrorsThreshold: ALARM_DEFAULTS.functionErrorsThreshold,
    functionThrottlesThreshold: ALARM_DEFAULTS.functionThrottlesThreshold,
    rejectedOrdersThreshold: ALARM_DEFAULTS.rejectedOrdersThreshold,
    failedOrdersThreshold: ALARM_DEFAULTS.failedOrdersThreshold,
    orderLatencyP99Ms: ALARM_DEFAULTS.orderLatencyP99Ms,
  },
  customerManagedKeys: false,
};

/** The default state bucket: the prefix, then the state account and region (AWS's convention for bootstrap buckets). */
export function defaultStateBucket(account: string, region: string): string {
  return `${DEFAULT_APP_SETTINGS.stateBucketPrefix}-${account}-${region}`;
}

/** The settings the ORDERS_* variables give, before the environments are read. */
export type VariableSettings = AppSettings;

/**
 * The state account and bucket of a configuration, which synth and deploy need; throws a
 * `ConfigurationError` naming ORDERS_STATE_ACCOUNT when no account is known.
 */
export function stateTarget(configuration: Configuration): { stateAccount: string; stateBucket: string } {
  const { stateAccount, stateBucket } = configuration.settings;
  if (stateAccount === undefined || stateBucket === undefined) {
    throw new ConfigurationError([stateAccountMissing(configuration.environments)]);
  }
  return { stateAccount, stateBucket };
}

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
    text = readBoundedFile(file, { what: displayPath(file), maxBytes: MAX_INPUT_BYTES });
  } catch (error) {
    const named = env[ENVIRONMENTS_FILE_VARIABLE];
    problems.push(
      error instanceof InputError
        ? error.message
        : named
          ? `${ENVIRONMENTS_FILE_VARIABLE} must name a readable environments file (given ${given(named)}: ${(error as Error).message})`
          : `${displayPath(file)} must exist at the project root (${(error as Error).message})`,
    );
  }
  // Nothing read: nothing more to check (a state role needs environments).
  if (text === undefined) throw new ConfigurationError(problems);
  const parsed = parseEnvironments(text, displayPath(file), settings);
  problems.push(...parsed.problems);
  const environments = parsed.environments;
  // ORDERS_STATE_ACCOUNT, else the file's stateAccount, else the one account the environments name.
  const stateAccount = settings.stateAccount ?? parsed.stateAccount ?? soleAccount(environments);
  if (stateAccount !== undefined) problems.push(...stateRoleProblems(environments, stateAccount));
  if (problems.length > 0) throw new ConfigurationError(problems);
  const stateBucket =
    settings.stateBucket ??
    (stateAccount !== undefined ? defaultStateBucket(stateAccount, settings.stateRegion) : undefined);
  return { settings: { ...settings, stateAccount, stateBucket }, environments };
}

/** The one account the environments name, if exactly one. */
function soleAccount(environments: readonly Environment[]): string | undefined {
  const accounts = new Set(environments.flatMap((e) => (e.account !== undefined ? [e.account] : [])));
  return accounts.size === 1 ? [...accounts][0] : undefined;
}

function stateAccountMissing(environments: readonly Environment[]): string {
  const accounts = [...new Set(environments.flatMap((e) => (e.account !== undefined ? [e.account] : [])))];
  const named = accounts.length === 0 ? "they name none" : `they name ${accounts.length}: ${accounts.join(", ")}`;
  return (
    `stateAccount (in the environments file, or ORDERS_STATE_ACCOUNT) must be set to the state bucket's account, ` +
    `${VARIABLE_RULES.ORDERS_STATE_ACCOUNT.allowed} (default: the one account the environments name; ${named})`
  );
}

/**
 * An environment pinned to another account than the state's reaches the state through a role
 * (`stateRoleArn`) in the state account: its own credentials cannot pass the backend's pin.
 */
function stateRoleProblems(environments: readonly Environment[], stateAccount: string): string[] {
  return environments.flatMap((e) => {
    if (e.stateRoleArn === undefined) {
      if (e.account === undefined || e.account === stateAccount) return [];
      return [
        `environment ${given(e.name)}: stateRoleArn is required when account (${e.account}) is not the state ` +
          `account (${stateAccount}): an IAM role ARN in ${stateAccount}, such as ` +
          `arn:aws:iam::${stateAccount}:role/orders-state`,
      ];
    }
    // The backend's pin (allowed_account_ids) checks the account of the role it assumes.
    // The schema has checked stateRoleArn against IAM_ROLE_ARN: it matches.
    const roleAccount = IAM_ROLE_ARN.exec(e.stateRoleArn)![2];
    return roleAccount === stateAccount
      ? []
      : [
          `environment ${given(e.name)}: stateRoleArn must name a role in the state account ${stateAccount} ` +
            `(given ${given(e.stateRoleArn)})`,
        ];
  });
}

/** The ORDERS_* variables' schema: each checked by its rule when set (an empty value counts as unset). */
const VariablesSchema = z.looseObject(
  Object.fromEntries(Object.entries(VARIABLE_RULES).map(([name, rule]) => [name, z.optional(rule.schema)])),
);

/** The ORDERS_* variables over their defaults, with a problem line per bad value. */
export function settingsFromEnv(
  env: NodeJS.ProcessEnv,
  root: string,
): { settings: VariableSettings; problems: string[] } {
  const set = (name: keyof typeof VARIABLE_RULES): string | undefined => env[name] || undefined;
  const region = set("ORDERS_REGION") ?? DEFAULT_APP_SETTINGS.region;
  const settings: VariableSettings = {
    namePrefix: set("ORDERS_NAME_PREFIX") ?? DEFAULT_APP_SETTINGS.namePrefix,
    region,
    // Both known once the environments are read (readConfiguration).
    stateAccount: set("ORDERS_STATE_ACCOUNT"),
    stateBucket: set("ORDERS_STATE_BUCKET"),
    // Unset, it takes ORDERS_REGION's value, whose problem is reported once, as its own.
    stateRegion: set("ORDERS_STATE_REGION") ?? region,
    stateKeyPrefix: set("ORDERS_STATE_KEY_PREFIX") ?? DEFAULT_APP_SETTINGS.stateKeyPrefix,
    environmentsFile: env[ENVIRONMENTS_FILE_VARIABLE]
      ? path.resolve(env[ENVIRONMENTS_FILE_VARIABLE]!)
      : path.join(root, DEFAULT_APP_SETTINGS.environmentsFile),
  };
  const names = Object.keys(VARIABLE_RULES) as (keyof typeof VARIABLE_RULES)[];
  const values = Object.fromEntries(names.map((name) => [name, set(name)]));
  const result = VariablesSchema.safeParse(values);
  const problems = unique(
    (result.error?.issues ?? []).map((issue) => {
      const name = issue.path[0] as keyof typeof VARIABLE_RULES;
      return mustBe(name, VARIABLE_RULES[name], values[name]);
    }),
  );
  return { settings, problems };
}

/** Fields that had another name before; a file that still uses one is told the new name. */
const RENAMED: Record<string, string> = {
  functionMemoryMb: "memorySizeMb",
  functionTimeoutSeconds: "timeoutSeconds",
  reservedConcurrency: "reservedConcurrentExecutions",
  alarmEmails: "alarms.emails",
};

const R = ENVIRONMENT_RULES;
const A = ALARM_RULES;
const FIELD_NAMES = [...Object.keys(R), "alarms"];
const ALARM_FIELD_NAMES = Object.keys(A);
const valid = (rule: Rule<unknown>, value: unknown): boolean => rule.schema.safeParse(value).success;

/** One environment entry: every field checked by its rule, every default applied, the two cross-field rules. */
function environmentSchema(defaultRegion: string): z.ZodMiniType<Environment> {
  const d = ENVIRONMENT_DEFAULTS;
  const entry = z
    .strictObject({
      name: R.name.schema,
      region: z._default(R.region.schema, defaultRegion),
      account: z.optional(R.account.schema),
      roleArn: z.optional(R.roleArn.schema),
      stateRoleArn: z.optional(R.stateRoleArn.schema),
      memorySizeMb: z._default(R.memorySizeMb.schema, d.memorySizeMb),
      logRetentionDays: z._default(R.logRetentionDays.schema, d.logRetentionDays),
      deletionProtection: z._default(R.deletionProtection.schema, d.deletionProtection),
      timeoutSeconds: z._default(R.timeoutSeconds.schema, d.timeoutSeconds),
      batchSize: z._default(R.batchSize.schema, d.batchSize),
      maximumConcurrency: z._default(R.maximumConcurrency.schema, d.maximumConcurrency),
      reservedConcurrentExecutions: z.optional(R.reservedConcurrentExecutions.schema),
      applicationLogLevel: z._default(R.applicationLogLevel.schema, d.applicationLogLevel),
      rawMessageDelivery: z._default(R.rawMessageDelivery.schema, d.rawMessageDelivery),
      customerManagedKeys: z._default(R.customerManagedKeys.schema, d.customerManagedKeys),
      keyAdministrators: z.optional(R.keyAdministrators.schema.check(z.minLength(1))),
      alarms: z._default(
        z.strictObject({
          emails: z._default(A.emails.schema, () => [...d.alarms.emails]),
          oldestMessageAgeSeconds: z._default(A.oldestMessageAgeSeconds.schema, d.alarms.oldestMessageAgeSeconds),
          functionErrorsThreshold: z._default(A.functionErrorsThreshold.schema, d.alarms.functionErrorsThreshold),
          functionThrottlesThreshold: z._default(
            A.functionThrottlesThreshold.schema,
            d.alarms.functionThrottlesThreshold,
          ),
          rejectedOrdersThreshold: z._default(A.rejectedOrdersThreshold.schema, d.alarms.rejectedOrdersThreshold),
          failedOrdersThreshold: z._default(A.failedOrdersThreshold.schema, d.alarms.failedOrdersThreshold),
          orderLatencyP99Ms: z._default(A.orderLatencyP99Ms.schema, d.alarms.orderLatencyP99Ms),
        }),
        () => ({ ...d.alarms, emails: [...d.alarms.emails] }),
      ),
    })
    .check(
      // Run beside the fields' own problems, each rule once the fields it relates are good.
      z.superRefine((e, ctx) => {
        const reserved = e.reservedConcurrentExecutions;
        if (valid(R.reservedConcurrentExecutions, reserved) && valid(R.maximumConcurrency, e.maximumConcurrency)) {
          const problem = reservedConcurrencyProblem(reserved!, e.maximumConcurrency);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }
        if (valid(R.roleArn, e.roleArn) && valid(R.account, e.account)) {
          const problem = roleAccountProblem(e.roleArn!, e.account!);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }
      }),
    );
  // Never below the mapping's maximum: the poller must not be throttled.
  return z.pipe(
    entry,
    z.transform((e) => ({
      ...e,
      reservedConcurrentExecutions: e.reservedConcurrentExecutions ?? e.maximumConcurrency,
    })),
  );
}

/** The environments file: `environments`, a list of at least one environment of unique names, and nothing else. */
function fileSchema(defaultRegion: string): z.ZodMiniType<{ stateAccount?: string; environments: Environment[] }> {
  return z.strictObject({
    stateAccount: z.optional(VARIABLE_RULES.ORDERS_STATE_ACCOUNT.schema),
    environments: z.array(environmentSchema(defaultRegion)).check(
      z.minLength(1),
      z.superRefine((list, ctx) => {
        // Runs only when every entry is an object with a string name (zod stops at any other).
        const names = list.map((e) => e.name);
        const repeated = names.filter((n, i) => names.indexOf(n) !== i);
        for (const name of new Set(repeated)) {
          ctx.addIssue({
            code: "custom",
            message: `environment names must be unique (given ${given(name)} more than once)`,
          });
        }
      }),
    ),
  });
}

/**
 * Parses and checks the text of an environments file; `source` names it in the
 * messages. Returns the environments with every default applied and the file's `stateAccount`, or the problems.
 */
export function parseEnvironments(
  text: string,
  source: string,
  settings: Pick<AppSettings, "region">,
): { environments: Environment[]; stateAccount?: string; problems: string[] } {
  // Checked before parsing: a 5,000-deep value would overflow the stack of whatever walks it.
  const tooDeep = jsonDepthProblem(text, source);
  if (tooDeep) return { environments: [], problems: [tooDeep] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { environments: [], problems: [`${source} must be valid JSON (${(error as Error).message})`] };
  }
  const result = fileSchema(settings.region).safeParse(json);
  if (result.success) {
    return { environments: result.data.environments, stateAccount: result.data.stateAccount, problems: [] };
  }
  return {
    environments: [],
    problems: unique(result.error.issues.flatMap((issue) => fileProblems(issue, json, source))),
  };
}

/**
 * Checks one environment given by a program (a test, a script building stacks by hand) the way
 * the file's entries are checked, and applies every default.
 * @param defaultRegion the region of an environment that names none
 */
export function environmentFrom(
  input: EnvironmentInput,
  defaultRegion: string = DEFAULT_APP_SETTINGS.region,
): Environment {
  const result = environmentSchema(defaultRegion).safeParse(input);
  if (result.success) return result.data;
  const where = whereOf(input, 0);
  throw new ConfigurationError(
    unique(result.error.issues.flatMap((issue) => environmentProblems(issue, input, where))),
  );
}

/** The problem lines of an issue of the file's schema: `<source>: <where>: <field> must be <allowed> (given <value>)`. */
function fileProblems(issue: z.core.$ZodIssue, json: unknown, source: string): string[] {
  const [top, index, ...rest] = issue.path;
  if (top === undefined && issue.code === "unrecognized_keys") {
    return issue.keys.map(
      (key) => `${source}: ${given(key)} is not a setting; the file holds only "stateAccount" and "environments"`,
    );
  }
  if (top === "stateAccount") {
    const rule = VARIABLE_RULES.ORDERS_STATE_ACCOUNT;
    return [
      `${source}: stateAccount must be ${rule.allowed} (given ${given((json as Record<string, unknown>).stateAccount)})`,
    ];
  }
  // The file's own issues (no path) are unrecognized keys or a file that is no object: handled above and below.
  if (index === undefined && issue.code === "too_small") {
    return [`${source}: environments must list at least one environment`];
  }
  if (index === undefined && issue.code === "custom") return [`${source}: ${issue.message}`];
  if (index === undefined) return [`${source} must be an object with an "environments" list (given ${given(json)})`];
  const entry = (json as { environments: unknown[] }).environments[index as number];
  const where = whereOf(entry, index as number);
  return environmentProblems({ ...issue, path: rest }, entry, where).map((problem) => `${source}: ${problem}`);
}

/** The problem lines of an issue of one environment entry (`path` relative to it), each starting with `where`. */
function environmentProblems(issue: z.core.$ZodIssue, entry: unknown, where: string): string[] {
  const [field, subfield] = issue.path as string[];
  const input = isObject(entry) ? entry : {};
  if (field === undefined) {
    if (!isObject(entry)) return [`${where} must be an object such as {"name": "staging"} (given ${given(entry)})`];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => `${where}: ${notAField(given(key), key, FIELD_NAMES)}`);
    }
    return [`${where}: ${issue.message}`];
  }
  if (field === "alarms") {
    const alarms = input.alarms;
    // An issue of a field inside alarms means alarms is an object.
    if (!isObject(alarms)) {
      return [`${where}: alarms must be an object with ${ALARM_FIELD_NAMES.join(", ")} (given ${given(alarms)})`];
    }
    // alarms is an object here: an issue of alarms itself is a key it does not know.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => `${where}: ${notAField(`alarms.${key}`, key, ALARM_FIELD_NAMES)}`);
    }
    const rule = A[subfield as keyof typeof A];
    const value = (alarms as Record<string, unknown>)[subfield];
    return [`${where}: ${mustBe(`alarms.${subfield}`, rule, value)}`];
  }
  const rule: Rule<unknown> = R[field as keyof typeof R];
  if (input[field] === undefined) return [`${where}: ${field} is required (${rule.allowed})`];
  return [`${where}: ${mustBe(field, rule, input[field])}`];
}

function notAField(shown: string, key: string, fields: readonly string[]): string {
  const renamed = RENAMED[key] ? ` (renamed ${RENAMED[key]})` : "";
  return `${shown} is not a field${renamed}; the fields are ${fields.join(", ")}`;
}

/** An environment as the messages name it: by its name when that is good, else by its position. */
function whereOf(entry: unknown, index: number): string {
  const name = isObject(entry) ? entry.name : undefined;
  return valid(R.name, name) ? `environment ${given(name)}` : `environment #${index + 1}`;
}

/** Problem lines in order, each once (several issues of one field, such as two bad addresses, give one line). */
function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
