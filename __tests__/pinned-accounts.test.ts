import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildApp, configurationFromEnv } from "../stacks/app";
import { TfJson, onlyResource, statementsOf, synthApp } from "./support/tf";

/** Writes an environments file of this test's own into a fresh folder and returns its path. */
function environmentsFile(environments: unknown[], stateAccount?: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-pin-")), "environments.json");
  fs.writeFileSync(file, JSON.stringify({ stateAccount, environments }));
  return file;
}

/** The message `configurationFromEnv` or `buildApp` throws for these environments and variables. */
function refusal(environments: unknown[], env: NodeJS.ProcessEnv = {}): string {
  const file = environmentsFile(environments);
  try {
    buildApp(
      new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "orders-pin-out-")) }),
      configurationFromEnv({ ...env, ORDERS_ENVIRONMENTS_FILE: file }),
    );
  } catch (error) {
    return (error as Error).message.split(file).join("environments.json");
  }
  throw new Error("expected the configuration to be refused");
}

const PROD = { name: "prod", account: "444455556666" };
const DEV = { name: "dev", deletionProtection: false };

describe("an environment with deletion protection", () => {
  test("cannot be synthesized without an account", () => {
    expect(refusal([{ name: "prod", deletionProtection: true }], { ORDERS_STATE_ACCOUNT: "444455556666" })).toBe(
      "Invalid OrderPipelineStack props at orders-prod:\n" +
        '  - account is required when deletionProtection is true: an AWS account ID: a string of 12 digits, the only account the environment "prod" may deploy into (given nothing)',
    );
  });

  test("is protected by default, so an environment naming nothing else needs an account too", () => {
    expect(refusal([{ name: "staging" }], { ORDERS_STATE_ACCOUNT: "444455556666" })).toContain(
      'account is required when deletionProtection is true: an AWS account ID: a string of 12 digits, the only account the environment "staging" may deploy into (given nothing)',
    );
  });
});

describe("the committed environments.json", () => {
  test("pins every protected environment to an account", () => {
    const { environments } = configurationFromEnv({});
    for (const environment of environments.filter((e) => e.deletionProtection)) {
      expect(environment.account).toMatch(/^\d{12}$/);
    }
  });
});

describe("the state account", () => {
  let stacks: Record<string, TfJson>;
  beforeAll(() => {
    stacks = synthApp({ ORDERS_ENVIRONMENTS_FILE: environmentsFile([DEV, PROD]) }).stacks;
  });

  test("defaults to the one account the environments name, and names the default state bucket with its region", () => {
    expect(onlyResource(stacks["orders-state-bootstrap"], "aws_s3_bucket").bucket).toBe(
      "order-pipeline-terraform-state-444455556666-us-east-1",
    );
  });

  test("is the only account the state bootstrap stack may deploy into", () => {
    expect(stacks["orders-state-bootstrap"].provider.aws[0].allowed_account_ids).toEqual(["444455556666"]);
  });

  test("is the only account every backend may read or write state in", () => {
    for (const name of ["orders-dev", "orders-prod"]) {
      expect(stacks[name].terraform.backend.s3.allowed_account_ids).toEqual(["444455556666"]);
    }
  });

  test("follows ORDERS_STATE_ACCOUNT and ORDERS_STATE_REGION when set", () => {
    const file = environmentsFile([DEV, { ...PROD, stateRoleArn: "arn:aws:iam::777788889999:role/orders-state" }]);
    const { settings } = configurationFromEnv({
      ORDERS_ENVIRONMENTS_FILE: file,
      ORDERS_STATE_ACCOUNT: "777788889999",
      ORDERS_STATE_REGION: "eu-central-1",
    });
    expect([settings.stateAccount, settings.stateBucket]).toEqual([
      "777788889999",
      "order-pipeline-terraform-state-777788889999-eu-central-1",
    ]);
  });

  test("follows the environments file's stateAccount, which a third account's environment needs", () => {
    const staging = { name: "staging", account: "777788889999", stateRoleArn: "arn:aws:iam::444455556666:role/s" };
    const { settings } = configurationFromEnv({
      ORDERS_ENVIRONMENTS_FILE: environmentsFile([PROD, staging], "444455556666"),
    });
    expect([settings.stateAccount, settings.stateBucket]).toEqual([
      "444455556666",
      "order-pipeline-terraform-state-444455556666-us-east-1",
    ]);
  });

  test("follows ORDERS_STATE_ACCOUNT over the environments file's stateAccount", () => {
    const prod = { ...PROD, stateRoleArn: "arn:aws:iam::777788889999:role/orders-state" };
    const file = environmentsFile([prod], "444455556666");
    const { settings } = configurationFromEnv({ ORDERS_ENVIRONMENTS_FILE: file, ORDERS_STATE_ACCOUNT: "777788889999" });
    expect(settings.stateAccount).toBe("777788889999");
  });

  test("given in the environments file, must be 12 digits", () => {
    const file = environmentsFile([DEV], "4444-5555-6666");
    expect(() => configurationFromEnv({ ORDERS_ENVIRONMENTS_FILE: file })).toThrow(
      `${file}: stateAccount must be an AWS account ID: a string of 12 digits (given "4444-5555-6666")`,
    );
  });

  test("unknown (no environment names an account), refuses synth and deploy, naming stateAccount", () => {
    expect(refusal([DEV])).toBe(
      "Invalid configuration:\n" +
        "  - stateAccount (in the environments file, or ORDERS_STATE_ACCOUNT) must be set to the state bucket's account, an AWS account ID: a string of 12 digits (default: the one account the environments name; they name none)",
    );
  });

  test("unknown, refuses synth and deploy even when ORDERS_STATE_BUCKET names the bucket", () => {
    expect(refusal([DEV], { ORDERS_STATE_BUCKET: "my-state-bucket" })).toBe(
      "Invalid configuration:\n" +
        "  - stateAccount (in the environments file, or ORDERS_STATE_ACCOUNT) must be set to the state bucket's account, an AWS account ID: a string of 12 digits (default: the one account the environments name; they name none)",
    );
  });

  test("unknown, still lets the operator tools read the configuration (they never use it)", () => {
    const { settings, environments } = configurationFromEnv({ ORDERS_ENVIRONMENTS_FILE: environmentsFile([DEV]) });
    expect([settings.stateAccount, settings.stateBucket, environments.map((e) => e.name)]).toEqual([
      undefined,
      undefined,
      ["dev"],
    ]);
  });

  test("ambiguous (the environments name two accounts), refuses, naming both", () => {
    expect(refusal([PROD, { name: "qa", account: "777788889999" }])).toContain(
      "  - stateAccount (in the environments file, or ORDERS_STATE_ACCOUNT) must be set to the state bucket's account, an AWS account ID: a string of 12 digits (default: the one account the environments name; they name 2: 444455556666, 777788889999)",
    );
  });

  test("is reached through a state role by an environment pinned to another account", () => {
    expect(refusal([PROD], { ORDERS_STATE_ACCOUNT: "777788889999" })).toBe(
      "Invalid configuration:\n" +
        '  - environment "prod": stateRoleArn is required when account (444455556666) is not the state account (777788889999): an IAM role ARN in 777788889999, such as arn:aws:iam::777788889999:role/orders-state',
    );
  });

  test("owns the state role", () => {
    const prod = { ...PROD, stateRoleArn: "arn:aws:iam::444455556666:role/orders-state" };
    expect(refusal([prod], { ORDERS_STATE_ACCOUNT: "777788889999" })).toBe(
      "Invalid configuration:\n" +
        '  - environment "prod": stateRoleArn must name a role in the state account 777788889999 (given "arn:aws:iam::444455556666:role/orders-state")',
    );
  });
});

describe("the state bucket policy", () => {
  test("denies object writes under any KMS key but the state key (its ARN or its alias)", () => {
    const tf = synthApp({ ORDERS_ENVIRONMENTS_FILE: environmentsFile([DEV, PROD]) }).stacks["orders-state-bootstrap"];
    const keyId = Object.keys(tf.resource.aws_kms_key)[0];
    const aliasId = Object.keys(tf.resource.aws_kms_alias)[0];
    const bucketId = Object.keys(tf.resource.aws_s3_bucket)[0];
    const statement = statementsOf(tf, onlyResource(tf, "aws_s3_bucket_policy").policy).find(
      (s) => s.sid === "DenyObjectWritesUnderAnotherKey",
    );
    expect(statement).toEqual({
      sid: "DenyObjectWritesUnderAnotherKey",
      effect: "Deny",
      principals: [{ type: "*", identifiers: ["*"] }],
      actions: ["s3:PutObject"],
      resources: [`\${aws_s3_bucket.${bucketId}.arn}/*`],
      condition: [
        {
          test: "StringNotEqualsIfExists",
          variable: "s3:x-amz-server-side-encryption-aws-kms-key-id",
          values: [`\${aws_kms_key.${keyId}.arn}`, `\${aws_kms_alias.${aliasId}.arn}`, "alias/orders-state"],
        },
      ],
    });
  });
});

describe("an environment's deploy role", () => {
  test("must be in the environment's account: another account's role is refused, naming both", () => {
    expect(refusal([{ ...PROD, roleArn: "arn:aws:iam::111122223333:role/deploy" }])).toBe(
      [
        "Invalid configuration:",
        '  - environments.json: environment "prod": roleArn must name a role in account 444455556666, the account the ' +
          'provider is pinned to (given "arn:aws:iam::111122223333:role/deploy")',
      ].join("\n"),
    );
  });

  test("is accepted in the environment's own account, in any partition, with a path", () => {
    const file = environmentsFile([
      { ...PROD, roleArn: "arn:aws:iam::444455556666:role/ci/deploy" },
      {
        name: "cn",
        account: "444455556666",
        region: "cn-north-1",
        roleArn: "arn:aws-cn:iam::444455556666:role/deploy",
      },
    ]);
    const stacks = synthApp({ ORDERS_ENVIRONMENTS_FILE: file }).stacks;
    expect(Object.values(stacks).map((tf) => (tf.provider as TfJson).aws[0].assume_role?.[0]?.role_arn)).toEqual(
      expect.arrayContaining(["arn:aws:iam::444455556666:role/ci/deploy", "arn:aws-cn:iam::444455556666:role/deploy"]),
    );
  });
});
