import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildSync } from "esbuild";
import {
  ENVIRONMENT_DEFAULTS,
  defaultStackName,
  environmentFrom,
  parseEnvironments,
  readConfiguration,
  pipelineStackNames,
} from "../config/environments";
import { ALARM_DEFAULTS, FUNCTION_DEFAULTS, TABLE_DEFAULTS, TOPIC_DEFAULTS } from "../constructs/defaults";
import { configurationFromEnv } from "../stacks/app";
import { TfJson, idWhere, inConstruct, resourcesOf, statementsOf, synthApp, viaServiceCondition } from "./support/tf";

/** Writes an environments file into a fresh folder and returns its path. */
function environmentsFile(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-env-")), "environments.json");
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

/** The message of the ConfigurationError reading `content` throws, the file named `environments.json` in it. */
function problemsOf(content: unknown, env: NodeJS.ProcessEnv = {}): string {
  const file = environmentsFile(content);
  try {
    configurationFromEnv({ ...env, ORDERS_ENVIRONMENTS_FILE: file });
  } catch (error) {
    expect((error as Error).name).toBe("ConfigurationError");
    return (error as Error).message.split(file).join("environments.json");
  }
  throw new Error("expected the configuration to be refused");
}

describe("environments.json, whatever environments it holds", () => {
  const names = (): string[] =>
    JSON.parse(fs.readFileSync("environments.json", "utf8")).environments.map((e: { name: string }) => e.name);

  test("synthesizes a stack per environment, and the state bootstrap stack", () => {
    expect(Object.keys(synthApp().stacks).sort()).toEqual(
      [...names().map((name) => `orders-${name}`), "orders-state-bootstrap"].sort(),
    );
  });

  test("names the first environment's stack the operator tools' default, and lists every pipeline stack in file order", () => {
    const configuration = configurationFromEnv({});
    expect(defaultStackName(configuration)).toBe(`orders-${names()[0]}`);
    expect(pipelineStackNames(configuration)).toEqual(names().map((name) => `orders-${name}`));
  });
});

describe("docs/environments.md", () => {
  const examples = [...fs.readFileSync("docs/environments.md", "utf8").matchAll(/```json\n([\s\S]*?)\n```/g)].map(
    ([, json]) => json,
  );

  test("shows only environments files the configuration accepts, under today's field names", () => {
    expect(examples.length).toBeGreaterThan(1);
    for (const example of examples) {
      expect(parseEnvironments(example, "example", { region: "us-east-1" }).problems).toEqual([]);
    }
  });
});

describe("a file of its own that adds a staging environment with an account and a role", () => {
  const staging = { name: "staging", account: "111122223333", roleArn: "arn:aws:iam::111122223333:role/orders-deploy" };
  let stacks: Record<string, TfJson>;
  beforeAll(() => {
    const file = environmentsFile({
      environments: [{ name: "dev", deletionProtection: false }, { name: "prod", account: "111122223333" }, staging],
    });
    stacks = synthApp({ ORDERS_ENVIRONMENTS_FILE: file }).stacks;
  });

  test("gives a third stack, orders-staging, beside the other two", () => {
    expect(Object.keys(stacks).sort()).toEqual([
      "orders-dev",
      "orders-prod",
      "orders-staging",
      "orders-state-bootstrap",
    ]);
  });

  test("pins its provider to that account and assumes that role, in a session named after the stack", () => {
    expect(stacks["orders-staging"].provider.aws).toEqual([
      expect.objectContaining({
        region: "us-east-1",
        allowed_account_ids: ["111122223333"],
        assume_role: [{ role_arn: "arn:aws:iam::111122223333:role/orders-deploy", session_name: "orders-staging" }],
      }),
    ]);
  });

  test("keeps its state under its own key, SSE-KMS with the state key, with the caller's credentials", () => {
    expect(stacks["orders-staging"].terraform.backend.s3).toEqual({
      bucket: "order-pipeline-terraform-state-111122223333-us-east-1",
      allowed_account_ids: ["111122223333"],
      key: "order-pipeline/orders-staging.tfstate",
      region: "us-east-1",
      encrypt: true,
      kms_key_id: "alias/orders-state",
      use_lockfile: true,
    });
  });

  test("leaves an environment that names no account unpinned", () => {
    expect(stacks["orders-dev"].provider.aws[0].allowed_account_ids).toBeUndefined();
    expect(stacks["orders-dev"].provider.aws[0].assume_role).toBeUndefined();
  });

  test("gives the new environment every default: 256 MB, 30-day logs, deletion protection, 10 reserved", () => {
    const tf = stacks["orders-staging"];
    expect(tf.variable.function_memory_mb.default).toBe(256);
    expect(tf.variable.log_retention_days.default).toBe(30);
    expect(Object.values(resourcesOf(tf, "aws_dynamodb_table"))[0].deletion_protection_enabled).toBe(true);
    expect(Object.values(resourcesOf(tf, "aws_lambda_function"))[0].reserved_concurrent_executions).toBe(10);
  });
});

describe("an environment whose state lives in another account", () => {
  test("has its S3 backend assume the state role, in a session named after the stack", () => {
    const { stacks } = synthApp({
      ORDERS_STATE_ACCOUNT: "111122223333",
      ORDERS_ENVIRONMENTS_FILE: environmentsFile({
        environments: [
          {
            name: "prod",
            account: "444455556666",
            roleArn: "arn:aws:iam::444455556666:role/orders-deploy",
            stateRoleArn: "arn:aws:iam::111122223333:role/orders-state",
          },
        ],
      }),
    });
    expect(stacks["orders-prod"].terraform.backend.s3.assume_role).toEqual({
      role_arn: "arn:aws:iam::111122223333:role/orders-state",
      session_name: "orders-prod",
    });
  });
});

describe("an environment that sets every field", () => {
  let tf: TfJson;
  beforeAll(() => {
    tf = synthApp({
      ORDERS_STATE_ACCOUNT: "111122223333",
      ORDERS_ENVIRONMENTS_FILE: environmentsFile({
        environments: [
          {
            name: "load",
            region: "eu-west-1",
            memorySizeMb: 1024,
            logRetentionDays: 7,
            deletionProtection: false,
            timeoutSeconds: 60,
            batchSize: 5,
            maximumConcurrency: 20,
            reservedConcurrentExecutions: 50,
            applicationLogLevel: "DEBUG",
            rawMessageDelivery: true,
            alarms: {
              emails: ["ops@example.com"],
              oldestMessageAgeSeconds: 300,
              functionErrorsThreshold: 3,
              functionThrottlesThreshold: 1,
            },
            customerManagedKeys: true,
          },
        ],
      }),
    }).stacks["orders-load"];
  });

  test("deploys to its region with its memory, retention, protection and alarm addresses", () => {
    expect(tf.provider.aws[0].region).toBe("eu-west-1");
    expect(tf.variable.function_memory_mb.default).toBe(1024);
    expect(tf.variable.log_retention_days.default).toBe(7);
    expect(tf.variable.alarm_emails.default).toEqual(["ops@example.com"]);
    expect(Object.values(resourcesOf(tf, "aws_dynamodb_table"))[0].deletion_protection_enabled).toBe(false);
  });

  test("runs the function with its timeout, batch, concurrency, log level and delivery", () => {
    const fn = Object.values(resourcesOf(tf, "aws_lambda_function"))[0];
    expect(fn).toMatchObject({ timeout: 60, reserved_concurrent_executions: 50 });
    expect(fn.logging_config.application_log_level).toBe("DEBUG");
    expect(Object.values(resourcesOf(tf, "aws_lambda_event_source_mapping"))[0]).toMatchObject({
      batch_size: 5,
      scaling_config: { maximum_concurrency: 20 },
    });
    const queue = resourcesOf(tf, "aws_sqs_queue")[idWhere(tf, "aws_sqs_queue", "name", "orders-load-OrderQueue")];
    expect(queue.visibility_timeout_seconds).toBe(360);
    const subscription = Object.values(resourcesOf(tf, "aws_sns_topic_subscription")).find((s) => s.protocol === "sqs");
    expect(subscription?.raw_message_delivery).toBe(true);
  });

  test("alarms at its thresholds", () => {
    const thresholds = Object.fromEntries(
      inConstruct(tf, "aws_cloudwatch_metric_alarm", "Alarms").map((a) => [a.metric_name, a.threshold]),
    );
    expect(thresholds).toMatchObject({ ApproximateAgeOfOldestMessage: 300, Errors: 3, Throttles: 1 });
  });

  test("encrypts the topic and both queues with customer-managed keys of its own", () => {
    const keyOf = (alias: string): string => {
      const aliasBody = Object.values(resourcesOf(tf, "aws_kms_alias")).find((a) => a.name === `alias/${alias}`)!;
      return aliasBody.target_key_id.replace(/\.key_id\}$/, ".arn}");
    };
    const topic = resourcesOf(tf, "aws_sns_topic")[idWhere(tf, "aws_sns_topic", "name", "orders-load-OrderTopic")];
    expect(topic.kms_master_key_id).toBe(keyOf("orders-load-OrderTopic"));
    for (const name of ["orders-load-OrderQueue", "orders-load-OrderQueueDLQ"]) {
      expect(resourcesOf(tf, "aws_sqs_queue")[idWhere(tf, "aws_sqs_queue", "name", name)].kms_master_key_id).toBe(
        keyOf("orders-load-OrderQueue"),
      );
    }
  });

  test("lets SNS use the queue key for OrderTopic only, and the function decrypt it through SQS only", () => {
    const queueKey = Object.entries(resourcesOf(tf, "aws_kms_key")).find(([, k]) =>
      statementsOf(tf, k.policy).some((s) => s.sid === "AllowSnsDeliveryFromOrderTopic"),
    )!;
    const topicArn = `\${aws_sns_topic.${idWhere(tf, "aws_sns_topic", "name", "orders-load-OrderTopic")}.arn}`;
    expect(statementsOf(tf, queueKey[1].policy).find((s) => s.sid === "AllowSnsDeliveryFromOrderTopic")).toMatchObject({
      principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [topicArn] }],
    });
    const role = statementsOf(tf, Object.values(resourcesOf(tf, "aws_iam_role_policy"))[0].policy);
    expect(role.find((s) => s.sid === "DecryptOrderQueue")).toEqual({
      sid: "DecryptOrderQueue",
      effect: "Allow",
      actions: ["kms:Decrypt"],
      resources: [`\${aws_kms_key.${queueKey[0]}.arn}`],
      condition: [viaServiceCondition("sqs")],
    });
  });
});

describe("a bad environments file fails synth with every problem in one message", () => {
  const badThird = { environments: [{ name: "dev" }, { name: "prod" }, { name: "Staging!", account: "12345" }] };

  test("a bad account and a bad name, both in one ConfigurationError", () => {
    const message = problemsOf(badThird);
    expect(message.split("\n")).toEqual([
      "Invalid configuration:",
      '  - environments.json: environment #3: name must be 1-14 characters: a lower-case letter, then lower-case letters, digits and - (given "Staging!")',
      '  - environments.json: environment #3: account must be an AWS account ID: a string of 12 digits (given "12345")',
    ]);
    expect(message).not.toMatch(/^\s+at /m);
  });

  test("the synth entry point prints both problems and fails", () => {
    const file = environmentsFile(badThird);
    const run = spawnSync(process.execPath, ["dist/main.js"], {
      env: {
        ...process.env,
        ORDERS_ENVIRONMENTS_FILE: file,
        CDKTF_OUTDIR: fs.mkdtempSync(path.join(os.tmpdir(), "o-")),
      },
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/name must be 1-14 characters[^\n]*\n[^\n]*account must be an AWS account ID/);
  });

  const cases: [string, unknown, string[]][] = [
    [
      "a role in another account than the one the provider is pinned to",
      { environments: [{ name: "x", account: "111122223333", roleArn: "arn:aws:iam::444455556666:role/deploy" }] },
      [
        'environment "x": roleArn must name a role in account 111122223333, the account the provider is pinned to (given "arn:aws:iam::444455556666:role/deploy")',
      ],
    ],
    [
      "a role ARN that is a user, and a state role that is not an ARN",
      { environments: [{ name: "x", roleArn: "arn:aws:iam::111122223333:user/deploy", stateRoleArn: "state" }] },
      [
        'environment "x": roleArn must be an IAM role ARN such as arn:aws:iam::111122223333:role/orders-deploy (given "arn:aws:iam::111122223333:user/deploy")',
        'environment "x": stateRoleArn must be an IAM role ARN such as arn:aws:iam::111122223333:role/orders-state (given "state")',
      ],
    ],
    [
      "reserved concurrency below the mapping's maximum",
      { environments: [{ name: "x", maximumConcurrency: 20, reservedConcurrentExecutions: 10 }] },
      [
        `environment "x": reservedConcurrentExecutions must be at least maximumConcurrency (20), or the event source mapping's poller is throttled and good messages reach the dead-letter queue early (given 10)`,
      ],
    ],
    [
      "numbers out of range and of the wrong type",
      {
        environments: [{ name: "x", memorySizeMb: 64, logRetentionDays: 10, batchSize: 11, timeoutSeconds: "30" }],
      },
      [
        'environment "x": memorySizeMb must be a whole number from 128 to 10240 (given 64)',
        'environment "x": logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (given 10)',
        'environment "x": timeoutSeconds must be a whole number from 1 to 900 (given "30")',
        'environment "x": batchSize must be a whole number from 1 to 10 (given 11)',
      ],
    ],
    [
      "a flag that is not a boolean, a log level and e-mail addresses AWS would refuse",
      {
        environments: [
          {
            name: "x",
            deletionProtection: "yes",
            applicationLogLevel: "VERBOSE",
            alarms: { emails: ["ops", "a@b.c"] },
          },
        ],
      },
      [
        'environment "x": deletionProtection must be true or false (given "yes")',
        'environment "x": applicationLogLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL (given "VERBOSE")',
        'environment "x": alarms.emails must be a list of e-mail addresses such as ops@example.com (given ["ops","a@b.c"])',
      ],
    ],
    [
      "alarm thresholds out of range, and an alarm setting that does not exist",
      { environments: [{ name: "x", alarms: { oldestMessageAgeSeconds: 30, functionErrors: 1 } }] },
      [
        'environment "x": alarms.oldestMessageAgeSeconds must be a whole number from 60 to 1209600 (given 30)',
        'environment "x": alarms.functionErrors is not a field; the fields are emails, oldestMessageAgeSeconds, functionErrorsThreshold, functionThrottlesThreshold, rejectedOrdersThreshold, failedOrdersThreshold, orderLatencyP99Ms',
      ],
    ],
    [
      "an entry that is null, beside a good one",
      { environments: [null, { name: "x" }] },
      ['environment #1 must be an object such as {"name": "staging"} (given null)'],
    ],
    [
      "an entry that is a list",
      { environments: [[{ name: "x" }]] },
      ['environment #1 must be an object such as {"name": "staging"} (given [{"name":"x"}])'],
    ],
    [
      "a bad field and both cross-field rules broken in one entry, each reported",
      {
        environments: [
          {
            name: "x",
            memorySizeMb: 64,
            account: "111122223333",
            roleArn: "arn:aws:iam::444455556666:role/deploy",
            maximumConcurrency: 20,
            reservedConcurrentExecutions: 10,
          },
        ],
      },
      [
        'environment "x": memorySizeMb must be a whole number from 128 to 10240 (given 64)',
        `environment "x": reservedConcurrentExecutions must be at least maximumConcurrency (20), or the event source mapping's poller is throttled and good messages reach the dead-letter queue early (given 10)`,
        'environment "x": roleArn must name a role in account 111122223333, the account the provider is pinned to (given "arn:aws:iam::444455556666:role/deploy")',
      ],
    ],
    [
      "two environments of one name, one of them also bad, both reported",
      { environments: [{ name: "x", memorySizeMb: 64 }, { name: "x" }] },
      [
        'environment "x": memorySizeMb must be a whole number from 128 to 10240 (given 64)',
        'environment names must be unique (given "x" more than once)',
      ],
    ],
    [
      "an empty list of key administrators",
      { environments: [{ name: "x", keyAdministrators: [] }] },
      [
        'environment "x": keyAdministrators must be a list of one or more IAM role, user or account-root ARNs such as arn:aws:iam::111122223333:role/key-admin (given [])',
      ],
    ],
    [
      "alarms that are not an object",
      { environments: [{ name: "x", alarms: 5 }] },
      [
        'environment "x": alarms must be an object with emails, oldestMessageAgeSeconds, functionErrorsThreshold, functionThrottlesThreshold, rejectedOrdersThreshold, failedOrdersThreshold, orderLatencyP99Ms (given 5)',
      ],
    ],
    [
      "a misspelt field, a missing name and a region that is not one",
      { environments: [{ name: "x", memory: 512 }, { region: "Frankfurt" }] },
      [
        'environment "x": "memory" is not a field; the fields are name, region, account, roleArn, stateRoleArn, memorySizeMb, logRetentionDays, deletionProtection, timeoutSeconds, batchSize, maximumConcurrency, reservedConcurrentExecutions, applicationLogLevel, rawMessageDelivery, customerManagedKeys, keyAdministrators, alarms',
        "environment #2: name is required (1-14 characters: a lower-case letter, then lower-case letters, digits and -)",
        'environment #2: region must be an AWS region such as eu-west-1 (given "Frankfurt")',
      ],
    ],
    [
      "two environments of one name",
      { environments: [{ name: "x" }, { name: "x" }] },
      ['environment names must be unique (given "x" more than once)'],
    ],
    ["an empty list", { environments: [] }, ["environments must list at least one environment"]],
    [
      "a list where an object belongs, and an entry that is not an object",
      [{ name: "x" }],
      ['must be an object with an "environments" list (given [{"name":"x"}])'],
    ],
    [
      "a setting the file does not hold, and an entry that is a string",
      { environments: ["dev"], region: "eu-west-1" },
      [
        'environment #1 must be an object such as {"name": "staging"} (given "dev")',
        '"region" is not a setting; the file holds only "stateAccount" and "environments"',
      ],
    ],
    [
      "fields under the names they had before one name per setting, each told its new name",
      {
        environments: [
          { name: "x", functionMemoryMb: 512, functionTimeoutSeconds: 30, reservedConcurrency: 10, alarmEmails: [] },
        ],
      },
      [
        'environment "x": "functionMemoryMb" is not a field (renamed memorySizeMb); the fields are name, region, account, roleArn, stateRoleArn, memorySizeMb, logRetentionDays, deletionProtection, timeoutSeconds, batchSize, maximumConcurrency, reservedConcurrentExecutions, applicationLogLevel, rawMessageDelivery, customerManagedKeys, keyAdministrators, alarms',
        'environment "x": "functionTimeoutSeconds" is not a field (renamed timeoutSeconds); the fields are name, region, account, roleArn, stateRoleArn, memorySizeMb, logRetentionDays, deletionProtection, timeoutSeconds, batchSize, maximumConcurrency, reservedConcurrentExecutions, applicationLogLevel, rawMessageDelivery, customerManagedKeys, keyAdministrators, alarms',
        'environment "x": "reservedConcurrency" is not a field (renamed reservedConcurrentExecutions); the fields are name, region, account, roleArn, stateRoleArn, memorySizeMb, logRetentionDays, deletionProtection, timeoutSeconds, batchSize, maximumConcurrency, reservedConcurrentExecutions, applicationLogLevel, rawMessageDelivery, customerManagedKeys, keyAdministrators, alarms',
        'environment "x": "alarmEmails" is not a field (renamed alarms.emails); the fields are name, region, account, roleArn, stateRoleArn, memorySizeMb, logRetentionDays, deletionProtection, timeoutSeconds, batchSize, maximumConcurrency, reservedConcurrentExecutions, applicationLogLevel, rawMessageDelivery, customerManagedKeys, keyAdministrators, alarms',
      ],
    ],
    [
      "a long value, quoted cut to 80 characters and counted",
      { environments: [{ name: "x", roleArn: `arn:aws:iam::111122223333:user/${"u".repeat(200)}` }] },
      [
        `environment "x": roleArn must be an IAM role ARN such as arn:aws:iam::111122223333:role/orders-deploy (given "arn:aws:iam::111122223333:user/${"u".repeat(48)}… (233 characters))`,
      ],
    ],
  ];

  test.each(cases)("%s", (_, content, problems) => {
    const file = environmentsFile(content);
    const text = fs.readFileSync(file, "utf8");
    const { problems: found } = parseEnvironments(text, "environments.json", { region: "us-east-1" });
    expect(found).toEqual(
      problems.map((p) => (p.startsWith("must ") ? `environments.json ${p}` : `environments.json: ${p}`)),
    );
  });

  test("a file that is not JSON", () => {
    expect(problemsOf("{ environments: [ }")).toMatch(
      /^Invalid configuration:\n {2}- environments\.json must be valid JSON \(.+\)$/,
    );
  });

  test("a file that is not JSON gives no environments", () => {
    expect(parseEnvironments("{", "environments.json", { region: "us-east-1" })).toStrictEqual({
      environments: [],
      problems: [expect.stringMatching(/^environments\.json must be valid JSON \(.+\)$/)],
    });
  });

  test("a file with a refused field gives no environments, not the entries that passed", () => {
    const text = JSON.stringify({ environments: [{ name: "good" }, { name: "bad", memorySizeMb: 1 }] });
    expect(parseEnvironments(text, "environments.json", { region: "us-east-1" })).toStrictEqual({
      environments: [],
      problems: [expect.stringMatching(/^environments\.json: environment "bad": memorySizeMb must be /)],
    });
  });

  test("lists nested deeper than 64 levels, refused before anything walks them", () => {
    const text = `{"environments": [{"name": "x", "alarms": {"emails": ${"[".repeat(64)}${"]".repeat(64)}}}]}`;
    expect(parseEnvironments(text, "environments.json", { region: "us-east-1" })).toEqual({
      environments: [],
      problems: ["environments.json nests deeper than 64 levels of objects and lists"],
    });
  });

  /** The message readConfiguration refuses `file` with, run in the working directory `cwd`. */
  const refusalIn = (cwd: string, file: string): string => {
    const before = process.cwd();
    process.chdir(cwd);
    try {
      readConfiguration({ ORDERS_ENVIRONMENTS_FILE: file }, cwd);
    } catch (error) {
      return (error as Error).message;
    } finally {
      process.chdir(before);
    }
    throw new Error("expected the configuration to be refused");
  };
  /** A fresh folder, by its real path (the working directory's own spelling), and in it config/environments.json, bad. */
  const folderWithBadFile = (): { root: string; file: string } => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "orders-cwd-")));
    const file = path.join(root, "config", "environments.json");
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, "[]");
    return { root, file };
  };

  test("names a file under the working directory by its relative path", () => {
    const { root, file } = folderWithBadFile();
    expect(refusalIn(root, file)).toBe(
      'Invalid configuration:\n  - config/environments.json must be an object with an "environments" list (given [])',
    );
  });

  test("names a file outside the working directory by its absolute path", () => {
    const { root, file } = folderWithBadFile();
    fs.mkdirSync(path.join(root, "elsewhere"));
    expect(refusalIn(path.join(root, "elsewhere"), file)).toBe(
      `Invalid configuration:\n  - ${file} must be an object with an "environments" list (given [])`,
    );
  });

  test("names the working directory itself by its absolute path, not as an empty one", () => {
    const { root } = folderWithBadFile();
    expect(refusalIn(root, root)).toBe(
      `Invalid configuration:\n  - ${root} must be a regular file (given ${JSON.stringify(root)}, a folder)`,
    );
  });

  test("a project without environments.json, when no variable names another file", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "orders-root-"));
    const file = path.join(root, "environments.json");
    expect(() => readConfiguration({}, root)).toThrow(
      `Invalid configuration:\n  - ${file} must exist at the project root (ENOENT: no such file or directory, access '${file}')`,
    );
  });

  test("a file that does not exist, named as the variable gave it", () => {
    expect(() => configurationFromEnv({ ORDERS_ENVIRONMENTS_FILE: "no/such/environments.json" })).toThrow(
      /ORDERS_ENVIRONMENTS_FILE must name a readable environments file \(given "no\/such\/environments\.json": ENOENT/,
    );
  });

  test("bad ORDERS_* variables and a bad file, reported together", () => {
    expect(problemsOf({ environments: [{ name: "x", account: "1" }] }, { ORDERS_REGION: "mars" }).split("\n")).toEqual([
      "Invalid configuration:",
      '  - ORDERS_REGION must be an AWS region such as eu-west-1 (given "mars")',
      '  - environments.json: environment "x": account must be an AWS account ID: a string of 12 digits (given "1")',
    ]);
  });
});

describe("the environments module", () => {
  test("applies the constructs' own defaults, not copies", () => {
    expect(ENVIRONMENT_DEFAULTS).toEqual({
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
    });
  });

  test("gives an environment given by a program every default, its reserved concurrency its maximum", () => {
    expect(environmentFrom({ name: "x", maximumConcurrency: 20 }, "eu-west-1")).toEqual({
      ...ENVIRONMENT_DEFAULTS,
      name: "x",
      region: "eu-west-1",
      maximumConcurrency: 20,
      reservedConcurrentExecutions: 20,
    });
  });

  test("reads a good file with no problems and its state account", () => {
    const text = JSON.stringify({ stateAccount: "111122223333", environments: [{ name: "x" }] });
    const { problems, stateAccount, environments } = parseEnvironments(text, "environments.json", {
      region: "us-east-1",
    });
    expect([problems, stateAccount, environments.map((e) => e.name)]).toStrictEqual([[], "111122223333", ["x"]]);
  });

  test("accepts a deploy role without an account to pin (the role's account is then not checked)", () => {
    expect(environmentFrom({ name: "x", roleArn: "arn:aws:iam::111122223333:role/deploy" }).roleArn).toBe(
      "arn:aws:iam::111122223333:role/deploy",
    );
  });

  test("gives alarms given without e-mail addresses an empty list of them", () => {
    expect(environmentFrom({ name: "x", alarms: { oldestMessageAgeSeconds: 120 } }).alarms.emails).toStrictEqual([]);
  });

  test("refuses an environment given by a program the way it refuses the file's, every problem in one error", () => {
    expect(() => environmentFrom({ name: "Bad!", memorySizeMb: 64 }, "eu-west-1")).toThrow(
      [
        "Invalid configuration:",
        '  - environment #1: name must be 1-14 characters: a lower-case letter, then lower-case letters, digits and - (given "Bad!")',
        "  - environment #1: memorySizeMb must be a whole number from 128 to 10240 (given 64)",
      ].join("\n"),
    );
  });

  test("loads without cdktf or the providers (what the operator tools import)", () => {
    // Bundled as the commands are (npm packages external), then loaded in a plain node.
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-config-")), "environments.js");
    buildSync({
      entryPoints: ["config/environments.ts"],
      outfile: out,
      bundle: true,
      packages: "external",
      platform: "node",
      format: "cjs",
      logLevel: "silent",
    });
    const loaded = execFileSync(
      process.execPath,
      [
        "-e",
        `const m = require(${JSON.stringify(out)}); if (typeof m.readConfiguration !== "function") process.exit(3);` +
          "console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](cdktf|@cdktf|constructs)[\\\\/]/.test(f))))",
      ],
      { encoding: "utf8", env: { ...process.env, NODE_PATH: path.resolve("node_modules") } },
    );
    expect(JSON.parse(loaded)).toEqual([]);
  });
});
