import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_APP_SETTINGS, settingsFromEnv } from "../config/environments";
import { LAMBDA_FUNCTION_NAME } from "../constructs/defaults";
import { configurationFromEnv } from "../stacks/app";
import { synthApp } from "./support/tf";

const ROOT = process.cwd();

describe("app configuration from ORDERS_* variables", () => {
  test("uses the documented defaults when nothing is set", () => {
    expect(settingsFromEnv({}, ROOT)).toEqual({
      settings: {
        namePrefix: "orders",
        region: "us-east-1",
        stateRegion: "us-east-1",
        stateKeyPrefix: "order-pipeline",
        environmentsFile: `${ROOT}/environments.json`,
      },
      problems: [],
    });
    expect(DEFAULT_APP_SETTINGS.environmentsFile).toBe("environments.json");
  });

  test("reads the region, state bucket, state region, key prefix and name prefix", () => {
    expect(
      settingsFromEnv(
        {
          ORDERS_REGION: "eu-west-1",
          ORDERS_STATE_BUCKET: "acme-tfstate",
          ORDERS_STATE_REGION: "eu-central-1",
          ORDERS_STATE_KEY_PREFIX: "teams/orders",
          ORDERS_NAME_PREFIX: "orders-alice",
        },
        ROOT,
      ).settings,
    ).toMatchObject({
      region: "eu-west-1",
      stateBucket: "acme-tfstate",
      stateRegion: "eu-central-1",
      stateKeyPrefix: "teams/orders",
      namePrefix: "orders-alice",
    });
  });

  test("keeps state in the resources' region unless told otherwise", () => {
    expect(settingsFromEnv({ ORDERS_REGION: "ap-southeast-2" }, ROOT).settings.stateRegion).toBe("ap-southeast-2");
  });

  test("reports a bad ORDERS_REGION once, not again as the ORDERS_STATE_REGION it stands in for", () => {
    expect(settingsFromEnv({ ORDERS_REGION: "mars-1" }, ROOT).problems).toEqual([
      'ORDERS_REGION must be an AWS region such as eu-west-1 (given "mars-1")',
    ]);
  });

  test("reports a bad ORDERS_STATE_REGION that is set", () => {
    expect(settingsFromEnv({ ORDERS_STATE_REGION: "Frankfurt" }, ROOT).problems).toEqual([
      'ORDERS_STATE_REGION must be an AWS region such as eu-west-1 (given "Frankfurt")',
    ]);
  });

  test("rejects bad values in one ConfigurationError, naming each variable, the rule and the value", () => {
    const run = (): unknown => configurationFromEnv({ ORDERS_REGION: "Frankfurt", ORDERS_STATE_BUCKET: "My_Bucket" });
    expect(run).toThrow(
      [
        "Invalid configuration:",
        '  - ORDERS_REGION must be an AWS region such as eu-west-1 (given "Frankfurt")',
        '  - ORDERS_STATE_BUCKET must be an S3 bucket name: 3-63 characters of lower-case letters, digits, . and - (starting and ending with a letter or digit) (given "My_Bucket")',
      ].join("\n"),
    );
    expect(run).toThrow(expect.objectContaining({ name: "ConfigurationError" }));
  });

  test("states the characters a state key prefix may hold when one has others", () => {
    expect(settingsFromEnv({ ORDERS_STATE_KEY_PREFIX: "a%20b" }, ROOT).problems).toEqual([
      "ORDERS_STATE_KEY_PREFIX must be an S3 key prefix: 1-512 characters of letters, digits and ! - _ . * ' ( ) /, " +
        'not starting or ending with / and without // (given "a%20b")',
    ]);
  });

  test("refuses a state key prefix Terraform's S3 backend would refuse: a leading or trailing / or a //", () => {
    for (const prefix of ["/teams", "teams/", "teams//orders", "t".repeat(513)]) {
      expect(settingsFromEnv({ ORDERS_STATE_KEY_PREFIX: prefix }, ROOT).problems).toHaveLength(1);
    }
  });

  test("accepts a state key prefix of nested folders and S3's other safe characters", () => {
    expect(settingsFromEnv({ ORDERS_STATE_KEY_PREFIX: "teams/orders.v2/(a)!_*'-x" }, ROOT).problems).toEqual([]);
  });

  test("refuses a state bucket by the state bootstrap stack's own rule: 3 to 63 characters", () => {
    for (const bucket of ["ab", "b".repeat(64), "-bucket", "bucket."]) {
      expect(settingsFromEnv({ ORDERS_STATE_BUCKET: bucket }, ROOT).problems).toHaveLength(1);
    }
    expect(settingsFromEnv({ ORDERS_STATE_BUCKET: "b".repeat(63) }, ROOT).problems).toEqual([]);
  });

  test("quotes a long value cut to 80 characters, with its length", () => {
    expect(settingsFromEnv({ ORDERS_NAME_PREFIX: "P".repeat(5000) }, ROOT).problems).toEqual([
      "ORDERS_NAME_PREFIX must be 1-30 characters: a lower-case letter, then lower-case letters, digits and - " +
        `(given "${"P".repeat(79)}… (5002 characters))`,
    ]);
  });

  test("the longest name prefix and environment name give physical names every AWS rule accepts", () => {
    const name = "e".repeat(14);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-env-")), "environments.json");
    fs.writeFileSync(file, JSON.stringify({ environments: [{ name, account: "111122223333" }] }));
    const prefix = "p".repeat(30);
    const { stacks } = synthApp({ ORDERS_NAME_PREFIX: prefix, ORDERS_ENVIRONMENTS_FILE: file });
    const fn = Object.values(stacks[`${prefix}-${name}`].resource.aws_lambda_function)[0] as { function_name: string };
    expect(fn.function_name).toHaveLength(LAMBDA_FUNCTION_NAME.maxLength);
  });

  test("a second name prefix gives a second copy of every stack with its own names, state keys and state key", () => {
    const { stacks } = synthApp({ ORDERS_NAME_PREFIX: "orders-alice" });
    const environments = configurationFromEnv({}).environments.map((e) => e.name);
    expect(Object.keys(stacks).sort()).toEqual(
      [...environments.map((name) => `orders-alice-${name}`), "orders-alice-state-bootstrap"].sort(),
    );
    const stack = `orders-alice-${environments[0]}`;
    const tf = stacks[stack];
    expect(tf.terraform.backend.s3).toMatchObject({
      key: `order-pipeline/${stack}.tfstate`,
      kms_key_id: "alias/orders-alice-state",
    });
    const queues = Object.values(tf.resource.aws_sqs_queue).map((q) => (q as { name: string }).name);
    expect(queues).toEqual(expect.arrayContaining([`${stack}-OrderQueue`, `${stack}-OrderQueueDLQ`]));
    expect(queues.filter((name) => !name.startsWith(`${stack}-`))).toEqual([]);
  });
});
