import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EncryptionKey, EncryptionKeyProps } from "../constructs/encryption-key";
import { configurationFromEnv } from "../stacks/app";
import { SEED_NAMES } from "../stacks/order-pipeline-stack";
import { TfJson, inConstruct, statementsOf, synthApp } from "./support/tf";

const ADMIN = "arn:aws:iam::111122223333:role/key-admin";

/** The key policy's statements of one EncryptionKey in a stack of its own. */
function keyPolicy(props: Partial<EncryptionKeyProps> = {}): TfJson[] {
  const app = Testing.app();
  const stack = new TerraformStack(app, "s");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new EncryptionKey(stack, "K", { alias: "k", description: "d", usedThrough: [{ service: "sqs" }], ...props });
  const tf = JSON.parse(Testing.synth(stack));
  return statementsOf(tf, (Object.values(tf.resource.aws_kms_key)[0] as TfJson).policy);
}

const principalsOf = (statement: TfJson): string[] =>
  (statement.principals ?? []).flatMap((p: TfJson) => p.identifiers as string[]);

describe("an EncryptionKey's administrators", () => {
  test("are the account root by default", () => {
    const admin = keyPolicy().find((s) => s.sid === "AccountAdministersKey");
    expect(principalsOf(admin!)).toEqual([
      "arn:${data.aws_partition.Partition.partition}:iam::${data.aws_caller_identity.CallerIdentity.account_id}:root",
    ]);
  });

  test("are the principals named, and no use statement names them", () => {
    const statements = keyPolicy({ administrators: [ADMIN] });
    expect(principalsOf(statements.find((s) => s.sid === "AccountAdministersKey")!)).toEqual([ADMIN]);
    for (const statement of statements.filter((s) => s.sid !== "AccountAdministersKey")) {
      expect(principalsOf(statement)).not.toContain(ADMIN);
    }
  });

  test("rejects a principal that is not a role, user or account root, and an empty list", () => {
    expect(() => keyPolicy({ administrators: ["arn:aws:iam::111122223333:group/admins"] })).toThrow(
      'Invalid EncryptionKey props at s/K:\n  - administrators[0] must be an ARN such as arn:aws:iam::111122223333:role/key-admin (given "arn:aws:iam::111122223333:group/admins")',
    );
    expect(() => keyPolicy({ administrators: [] })).toThrow(
      "Invalid EncryptionKey props at s/K:\n  - administrators must list at least one IAM principal ARN (given [])",
    );
  });
});

describe("an environment's keyAdministrators", () => {
  // The alarm topic's key (PipelineAlarms) keeps the account root as administrator for now.
  test("administer its topic, queue and table keys", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-keys-")), "environments.json");
    const environment = {
      name: "keys",
      account: "111122223333",
      customerManagedKeys: true,
      keyAdministrators: [ADMIN],
    };
    fs.writeFileSync(file, JSON.stringify({ environments: [environment] }));
    const tf = synthApp({ ORDERS_ENVIRONMENTS_FILE: file }).stacks["orders-keys"];
    // The keys the pipeline's topic, queues and table name (not the alarm topic's, nor an adopter's beside them).
    const named = JSON.stringify([
      ...inConstruct(tf, "aws_sns_topic", SEED_NAMES.topic),
      ...inConstruct(tf, "aws_sqs_queue", SEED_NAMES.queue),
      ...inConstruct(tf, "aws_dynamodb_table", SEED_NAMES.table),
    ]);
    const ids = new Set([...named.matchAll(/\$\{aws_kms_key\.([^.]+)\.arn\}/g)].map((m) => m[1]));
    const keys = [...ids].map((id) => tf.resource.aws_kms_key[id] as TfJson);
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      const admin = statementsOf(tf, key.policy).find((s) => s.sid === "AccountAdministersKey");
      expect(principalsOf(admin!)).toEqual([ADMIN]);
    }
  });

  test("must be role, user or account-root ARNs, told in the setting's words", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-keys-")), "environments.json");
    const environment = { name: "keys", account: "111122223333", keyAdministrators: ["admins"] };
    fs.writeFileSync(file, JSON.stringify({ environments: [environment] }));
    expect(() => configurationFromEnv({ ORDERS_ENVIRONMENTS_FILE: file })).toThrow(
      `Invalid configuration:\n  - ${file}: environment "keys": keyAdministrators must be a list of one or more IAM role, user or account-root ARNs such as arn:aws:iam::111122223333:role/key-admin (given ["admins"])`,
    );
  });
});

describe("an EncryptionKey's key policy", () => {
  test("lets administrators manage the key and never use it, and the account use it only through the service", () => {
    const statements = keyPolicy({ administrators: [ADMIN], usedThrough: [{ service: "dynamodb", grants: true }] });
    const root = [
      {
        type: "AWS",
        identifiers: [
          "arn:${data.aws_partition.Partition.partition}:iam::${data.aws_caller_identity.CallerIdentity.account_id}:root",
        ],
      },
    ];
    const through = [
      {
        test: "StringEquals",
        variable: "kms:ViaService",
        values: ["dynamodb.${data.aws_region.Region.region}.${data.aws_partition.Partition.dns_suffix}"],
      },
      {
        test: "StringEquals",
        variable: "kms:CallerAccount",
        values: ["${data.aws_caller_identity.CallerIdentity.account_id}"],
      },
    ];
    expect(statements).toEqual([
      {
        sid: "AccountAdministersKey",
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: [ADMIN] }],
        resources: ["*"],
        actions: [
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
        ],
      },
      {
        sid: "AccountUsesKeyThroughDynamodb",
        effect: "Allow",
        principals: root,
        resources: ["*"],
        condition: through,
        actions: [
          "kms:Decrypt",
          "kms:DescribeKey",
          "kms:Encrypt",
          "kms:GenerateDataKey",
          "kms:GenerateDataKeyWithoutPlaintext",
          "kms:ReEncryptFrom",
          "kms:ReEncryptTo",
        ],
      },
      {
        sid: "DynamodbGrantsForItsResources",
        effect: "Allow",
        principals: root,
        resources: ["*"],
        condition: [...through, { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
        actions: ["kms:CreateGrant"],
      },
    ]);
  });
});

describe("an EncryptionKey used through a service that makes no grants", () => {
  test("has no grant statement for it", () => {
    expect(keyPolicy({ usedThrough: [{ service: "sqs" }] }).map((s) => s.sid)).toEqual([
      "AccountAdministersKey",
      "AccountUsesKeyThroughSqs",
    ]);
  });
});

describe("an EncryptionKey's statement ids", () => {
  test("keep only the letters and digits of a service's name (IAM sids are alphanumeric)", () => {
    expect(keyPolicy({ usedThrough: [{ service: "execute-api" }] }).map((s) => s.sid)).toEqual([
      "AccountAdministersKey",
      "AccountUsesKeyThroughExecuteapi",
    ]);
  });
});

describe("an EncryptionKey's props", () => {
  const refusal = (props: Partial<EncryptionKeyProps>): string => {
    try {
      keyPolicy(props);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected the props to be refused");
  };
  const aliasProblem = (given: string, length: number): string =>
    "Invalid EncryptionKey props at s/K:\n  - alias must be 1-250 characters of letters, digits, /, _ and - " +
    `(not starting aws/) (given ${given}, ${length} characters)`;

  test("refuse an alias AWS reserves (aws/), one with a space, an empty one and one of 251 characters", () => {
    expect(["aws/orders", "a b", "", "a".repeat(251)].map((alias) => refusal({ alias }))).toEqual([
      aliasProblem('"aws/orders"', 10),
      aliasProblem('"a b"', 3),
      aliasProblem('""', 0),
      // Cut at 120 characters, as every echoed value is.
      aliasProblem(`"${"a".repeat(119)}... (253 characters)`, 251),
    ]);
  });

  test("accept an alias of 250 characters with a path", () => {
    expect(keyPolicy({ alias: `orders/${"a".repeat(243)}` }).length).toBeGreaterThan(0);
  });

  test("refuse a deletion window under 7 or over 30 days", () => {
    expect([6, 31].map((deletionWindowInDays) => refusal({ deletionWindowInDays }))).toEqual([
      "Invalid EncryptionKey props at s/K:\n  - deletionWindowInDays must be an integer between 7 and 30 (given 6)",
      "Invalid EncryptionKey props at s/K:\n  - deletionWindowInDays must be an integer between 7 and 30 (given 31)",
    ]);
  });
});
