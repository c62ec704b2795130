import { TfJson, onlyResource, processOrderFunction, synthApp } from "../support/tf";
import { addStatement } from "../../policy/mutate";
import { RULES } from "../../policy/rules";
import { loadStack } from "../../policy/stack";

/** The state bootstrap stack of the committed configuration (the one stack with a bucket), as a fresh copy. */
function bootstrapStack(): TfJson {
  const { stacks } = synthApp();
  const name = Object.keys(stacks).find((n) => stacks[n].resource.aws_s3_bucket !== undefined)!;
  return structuredClone(stacks[name]);
}

describe("CKV_AWS_145 as Checkov's S3KMSEncryptedByDefault.py reads it (expected value exactly aws:kms)", () => {
  const rule = RULES.find((r) => r.id === "CKV_AWS_145")!;

  test("passes the state bucket's aws:kms default encryption", async () => {
    expect(rule.check(await loadStack(bootstrapStack()))).toEqual([]);
  });

  test("fails a bucket whose default encryption is aws:kms:dsse", async () => {
    const tf = bootstrapStack();
    onlyResource(
      tf,
      "aws_s3_bucket_server_side_encryption_configuration",
    ).rule[0].apply_server_side_encryption_by_default.sse_algorithm = "aws:kms:dsse";
    expect(rule.check(await loadStack(tf)).map((f) => f.message)).toEqual([
      expect.stringContaining("is not KMS-encrypted by default"),
    ]);
  });
});

describe("our own kms:ViaService rules", () => {
  /** The first stack whose key policy limits use with kms:ViaService, with that condition turned into StringLike "*". */
  function keyPolicyWithWildcardService(): TfJson {
    const tf = bootstrapStack();
    for (const document of Object.values(tf.data.aws_iam_policy_document) as TfJson[]) {
      for (const statement of document.statement ?? []) {
        for (const condition of statement.condition ?? []) {
          if (condition.variable === "kms:ViaService") Object.assign(condition, { test: "StringLike", values: ["*"] });
        }
      }
    }
    return tf;
  }

  test('fail a key policy whose kms:ViaService is StringLike "*"', async () => {
    const rule = RULES.find((r) => r.id === "ORD-KMS-KEY-POLICY-SPLIT")!;
    expect(rule.check(await loadStack(keyPolicyWithWildcardService())).map((f) => f.message)).toEqual([
      expect.stringContaining("lets principals use the key through any service, for any source"),
    ]);
  });
});

/** The first stack of the committed configuration with a resource of `type`, as a fresh copy. */
function stackWith(type: string): TfJson {
  const { stacks } = synthApp();
  const name = Object.keys(stacks).find((n) => Object.keys(stacks[n].resource?.[type] ?? {}).length > 0)!;
  return structuredClone(stacks[name]);
}

const rule = (id: string) => RULES.find((r) => r.id === id)!;
const messages = async (id: string, tf: TfJson): Promise<string[]> =>
  rule(id)
    .check(await loadStack(tf))
    .map((f) => f.message);

describe("CKV_AWS_168 and 169 as current Checkov reads them (cloudsplaining's internet_accessible_actions)", () => {
  /** A statement admitting EventBridge on behalf of any rule in any account: the condition's value is a wildcard. */
  const anyRule = (action: string) => ({
    Sid: "AnyEventRule",
    Effect: "Allow",
    Principal: { Service: "events.amazonaws.com" },
    Action: action,
    Resource: "*",
    Condition: { ArnLike: { "aws:SourceArn": "arn:aws:events:*:*:rule/*" } },
  });

  test("CKV_AWS_168 fails a queue policy admitting events.amazonaws.com for aws:SourceArn arn:aws:events:*:*:rule/*", async () => {
    const tf = stackWith("aws_sqs_queue_policy");
    addStatement(tf, "aws_sqs_queue_policy", anyRule("sqs:SendMessage"));
    expect(await messages("CKV_AWS_168", tf)).toEqual([
      expect.stringMatching(/^aws_sqs_queue_policy\.\S+: policy statement AnyEventRule is public$/),
    ]);
  });

  test("CKV_AWS_169 fails a topic policy admitting events.amazonaws.com for aws:SourceArn arn:aws:events:*:*:rule/*", async () => {
    const tf = stackWith("aws_sns_topic_policy");
    addStatement(tf, "aws_sns_topic_policy", anyRule("sns:Publish"));
    expect(await messages("CKV_AWS_169", tf)).toEqual([
      expect.stringMatching(/^aws_sns_topic_policy\.\S+: policy statement AnyEventRule is public$/),
    ]);
  });

  test('CKV_AWS_168 fails a statement whose principal is {"Federated": "*"} with no condition', async () => {
    const tf = stackWith("aws_sqs_queue_policy");
    addStatement(tf, "aws_sqs_queue_policy", {
      Sid: "AnyFederated",
      Effect: "Allow",
      Principal: { Federated: "*" },
      Action: "sqs:SendMessage",
      Resource: "*",
    });
    expect(await messages("CKV_AWS_168", tf)).toEqual([expect.stringContaining("statement AnyFederated is public")]);
  });

  test("CKV_AWS_168 passes events.amazonaws.com for one named rule of one account", async () => {
    const tf = stackWith("aws_sqs_queue_policy");
    addStatement(tf, "aws_sqs_queue_policy", {
      ...anyRule("sqs:SendMessage"),
      Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:us-east-1:111122223333:rule/orders" } },
    });
    expect(await messages("CKV_AWS_168", tf)).toEqual([]);
  });
});

describe("CKV_AWS_45 with Checkov's secret patterns (checkov/common/util/secrets.py, AWS and GENERAL)", () => {
  /** The function's environment with one more variable. */
  async function withVariable(name: string, value: string): Promise<string[]> {
    const tf = stackWith("aws_lambda_function");
    processOrderFunction(tf).environment.variables[name] = value;
    return messages("CKV_AWS_45", tf);
  }

  test.each([
    ["an access key ID inside a longer word", "XAKIAIOSFODNN7EXAMPLE"],
    ["an access key ID next to an interpolation", "AKIAIOSFODNN7EXAMPLE${var.suffix}"],
    ["a private key header", "-----BEGIN RSA PRIVATE KEY-----"],
  ])("catches %s", async (_, value) => {
    expect(await withVariable("UPSTREAM", value)).toEqual([
      expect.stringMatching(/^aws_lambda_function\.\S+: environment variable UPSTREAM holds a secret$/),
    ]);
  });

  test("passes a 40-character value that mixes no upper case, lower case and digits (Checkov's exemption)", async () => {
    expect(await withVariable("UPSTREAM", "abcdefghijabcdefghijabcdefghijabcdefghij")).toEqual([]);
  });
});

describe("our own key-policy split: a source condition counts only when it names a source", () => {
  test('ORD-KMS-KEY-POLICY-SPLIT fails a key use limited only by aws:SourceAccount StringLike "*"', async () => {
    const tf = bootstrapStack();
    for (const document of Object.values(tf.data.aws_iam_policy_document) as TfJson[]) {
      for (const statement of document.statement ?? []) {
        for (const condition of statement.condition ?? []) {
          if (condition.variable === "kms:ViaService")
            Object.assign(condition, { test: "StringLike", variable: "aws:SourceAccount", values: ["*"] });
        }
      }
    }
    expect(await messages("ORD-KMS-KEY-POLICY-SPLIT", tf)).toEqual([
      expect.stringContaining("lets principals use the key through any service, for any source"),
    ]);
  });
});

describe("our own key-policy account rule", () => {
  /** Another account's root added to every key-use statement, kms:CallerAccount dropped. */
  function keyUseByAnotherAccount(): TfJson {
    const tf = bootstrapStack();
    for (const document of Object.values(tf.data.aws_iam_policy_document) as TfJson[]) {
      for (const statement of document.statement ?? []) {
        if (!(statement.actions ?? []).includes("kms:Decrypt")) continue;
        for (const principal of statement.principals ?? []) {
          if (principal.type === "AWS") principal.identifiers.push("arn:aws:iam::444455556666:root");
        }
        statement.condition = (statement.condition ?? []).filter((c: TfJson) => c.variable !== "kms:CallerAccount");
      }
    }
    return tf;
  }

  test("ORD-KMS-KEY-POLICY-ACCOUNT fails a key-use statement naming another account's root", async () => {
    expect(await messages("ORD-KMS-KEY-POLICY-ACCOUNT", keyUseByAnotherAccount())).toEqual([
      expect.stringMatching(/names arn:aws:iam::444455556666:root, outside the stack's account$/),
      expect.stringMatching(/uses the key without kms:CallerAccount equal to the stack's account$/),
    ]);
  });
});

describe("our own TLS-only rules: the deny covers every action and every resource", () => {
  /** The bootstrap stack with its bucket's TLS deny changed by `change`. */
  function bucketTlsDeny(change: (statement: TfJson) => void): TfJson {
    const tf = bootstrapStack();
    for (const document of Object.values(tf.data.aws_iam_policy_document) as TfJson[]) {
      for (const statement of document.statement ?? [])
        if (statement.sid === "DenyInsecureTransport") change(statement);
    }
    return tf;
  }

  test("ORD-S3-TLS-ONLY passes the committed deny (s3:* on the bucket and its objects)", async () => {
    expect(
      await messages(
        "ORD-S3-TLS-ONLY",
        bucketTlsDeny(() => undefined),
      ),
    ).toEqual([]);
  });

  test.each([
    ["narrowed to one action", (s: TfJson) => (s.actions = ["s3:PutObject"])],
    ["narrowed to the objects only", (s: TfJson) => (s.resources = [s.resources[1]])],
    [
      "narrowed by a second condition",
      (s: TfJson) => s.condition.push({ test: "IpAddress", variable: "aws:SourceIp", values: ["10.0.0.0/8"] }),
    ],
  ])("ORD-S3-TLS-ONLY fails the bucket's deny %s", async (_, change) => {
    expect(await messages("ORD-S3-TLS-ONLY", bucketTlsDeny(change))).toEqual([
      expect.stringMatching(/^aws_s3_bucket\.\S+: accepts requests without TLS$/),
    ]);
  });

  test("ORD-SQS-TLS-ONLY fails a queue's deny narrowed to sqs:SendMessage", async () => {
    const tf = stackWith("aws_sqs_queue_policy");
    for (const document of Object.values(tf.data.aws_iam_policy_document) as TfJson[]) {
      for (const statement of document.statement ?? [])
        if (statement.sid === "DenyInsecureTransport" && statement.actions.includes("sqs:*"))
          statement.actions = ["sqs:SendMessage"];
    }
    expect((await messages("ORD-SQS-TLS-ONLY", tf)).length).toBeGreaterThan(0);
  });
});

describe("verdicts read from Checkov's checks", () => {
  test("CKV_AWS_50 fails tracing mode PassThrough, which LambdaXrayEnabled.py passes (so it is stricter)", async () => {
    const tf = stackWith("aws_lambda_function");
    processOrderFunction(tf).tracing_config = { mode: "PassThrough" };
    expect(await messages("CKV_AWS_50", tf)).toEqual([expect.stringContaining("is not traced")]);
  });

  test("CKV_AWS_7 passes an asymmetric key without rotation, as KMSRotation.py does (KMS rotates none)", async () => {
    const tf = bootstrapStack();
    Object.assign(onlyResource(tf, "aws_kms_key"), {
      customer_master_key_spec: "RSA_2048",
      enable_key_rotation: false,
    });
    expect(await messages("CKV_AWS_7", tf)).toEqual([]);
  });

  test("CKV_AWS_338 fails retention 0 (never expire), as CloudWatchLogGroupRetentionYear.py does", async () => {
    const tf = stackWith("aws_cloudwatch_log_group");
    for (const group of Object.values(tf.resource.aws_cloudwatch_log_group) as TfJson[]) group.retention_in_days = 0;
    expect((await messages("CKV_AWS_338", tf)).length).toBeGreaterThan(0);
  });
});

describe("verdicts read from Checkov's graph checks", () => {
  test("CKV2_AWS_73 fails a queue encrypted under the alias ARN of aws/sqs, as SQSEncryptionCMK.yaml (not_contains) does", async () => {
    const tf = stackWith("aws_sqs_queue");
    const queue = Object.values(tf.resource.aws_sqs_queue)[0] as TfJson;
    delete queue.sqs_managed_sse_enabled;
    queue.kms_master_key_id = "arn:aws:kms:eu-west-1:111122223333:alias/aws/sqs";
    expect(await messages("CKV2_AWS_73", tf)).toEqual([expect.stringContaining("uses alias/aws/sqs")]);
  });

  /** A stack whose table is provisioned (`billingMode`, or none) with an auto scaling target and policy. */
  function autoScaledTable(billingMode: string | undefined): TfJson {
    const tf = stackWith("aws_dynamodb_table");
    const [address] = Object.keys(tf.resource.aws_dynamodb_table);
    const table = tf.resource.aws_dynamodb_table[address] as TfJson;
    if (billingMode === undefined) delete table.billing_mode;
    else table.billing_mode = billingMode;
    tf.resource.aws_appautoscaling_target = {
      reads: {
        service_namespace: "dynamodb",
        resource_id: `table/\${aws_dynamodb_table.${address}.name}`,
        scalable_dimension: "dynamodb:table:ReadCapacityUnits",
        min_capacity: 1,
        max_capacity: 10,
      },
    };
    tf.resource.aws_appautoscaling_policy = {
      reads: {
        name: "reads",
        policy_type: "TargetTrackingScaling",
        resource_id: "${aws_appautoscaling_target.reads.resource_id}",
        scalable_dimension: "${aws_appautoscaling_target.reads.scalable_dimension}",
        service_namespace: "${aws_appautoscaling_target.reads.service_namespace}",
      },
    };
    return tf;
  }

  test("CKV2_AWS_16 passes a PROVISIONED table with an auto scaling target and policy", async () => {
    expect(await messages("CKV2_AWS_16", autoScaledTable("PROVISIONED"))).toEqual([]);
  });

  test("CKV2_AWS_16 fails an auto scaled table that does not say PROVISIONED, as AutoScalingEnableOnDynamoDBTables.yaml does", async () => {
    expect(await messages("CKV2_AWS_16", autoScaledTable(undefined))).toEqual([
      expect.stringContaining("is provisioned without auto scaling"),
    ]);
  });

  test("CKV2_AWS_67 fails a default encryption for a bucket outside the stack, as S3CMKRegularRotation.yaml (connection to aws_s3_bucket) does", async () => {
    const tf = bootstrapStack();
    expect(await messages("CKV2_AWS_67", tf)).toEqual([]);
    onlyResource(tf, "aws_s3_bucket_server_side_encryption_configuration").bucket = "someone-elses-bucket";
    expect(await messages("CKV2_AWS_67", tf)).toEqual([
      expect.stringContaining("does not encrypt a bucket of this stack with a rotating customer-managed key"),
    ]);
  });
});

describe("the identity policies Checkov's IAM checks read: an SSO permission set's inline policy too", () => {
  /** A stack with an SSO permission set whose inline policy (a JSON string) allows `statement`. */
  function withPermissionSet(statement: TfJson): TfJson {
    const tf = stackWith("aws_iam_role_policy");
    tf.resource.aws_ssoadmin_permission_set_inline_policy = {
      admins: {
        instance_arn: "arn:aws:sso:::instance/ssoins-0123456789abcdef",
        permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef",
        inline_policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
      },
    };
    return tf;
  }

  test('CKV2_AWS_40 fails a permission set allowing "iam:*", as IAMPolicyNotAllowFullIAMAccess.yaml does', async () => {
    const tf = withPermissionSet({ Effect: "Allow", Action: "iam:*", Resource: "*" });
    expect(await messages("CKV2_AWS_40", tf)).toEqual([
      "aws_ssoadmin_permission_set_inline_policy.admins: inline_policy statement (no sid) allows full IAM privileges",
    ]);
  });

  test("CKV_AWS_290 fails a permission set allowing dynamodb:DeleteItem on every resource, as IAMWriteAccess.py does", async () => {
    const tf = withPermissionSet({ Effect: "Allow", Action: "dynamodb:DeleteItem", Resource: "*" });
    expect(await messages("CKV_AWS_290", tf)).toEqual([
      "aws_ssoadmin_permission_set_inline_policy.admins: inline_policy allows dynamodb:DeleteItem on every resource",
    ]);
  });
});

describe("bucket settings Checkov judges on their own resource, whichever bucket they name", () => {
  test("CKV_AWS_55 fails a public access block for a bucket outside the stack that does not ignore public ACLs, as S3IgnorePublicACLs.py does", async () => {
    const tf = bootstrapStack();
    tf.resource.aws_s3_bucket_public_access_block.elsewhere = {
      bucket: "someone-elses-bucket",
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: false,
      restrict_public_buckets: true,
    };
    expect(await messages("CKV_AWS_55", tf)).toEqual([
      "aws_s3_bucket_public_access_block.elsewhere: does not set ignore_public_acls",
    ]);
  });

  test("CKV2_AWS_65 fails ownership controls for a bucket outside the stack that keep ACLs, as AWSdisableS3ACL.yaml does", async () => {
    const tf = bootstrapStack();
    tf.resource.aws_s3_bucket_ownership_controls.elsewhere = {
      bucket: "someone-elses-bucket",
      rule: { object_ownership: "ObjectWriter" },
    };
    expect(await messages("CKV2_AWS_65", tf)).toEqual([
      "aws_s3_bucket_ownership_controls.elsewhere: keeps ACLs enabled",
    ]);
  });
});

describe("CKV_AWS_287 with current cloudsplaining's ACTIONS_THAT_RETURN_CREDENTIALS (IAMCredentialsExposure.py)", () => {
  const allowing = (action: string): TfJson => {
    const tf = stackWith("aws_iam_role_policy");
    addStatement(tf, "aws_iam_role_policy", { Effect: "Allow", Action: action, Resource: "*" });
    return tf;
  };

  test.each(["appsync:CreateApiKey", "codeartifact:GetAuthorizationToken", "redshift-serverless:GetCredentials"])(
    "fails %s on every resource",
    async (action) => {
      expect(await messages("CKV_AWS_287", allowing(action))).toEqual([
        expect.stringContaining(`allows ${action.toLowerCase()} on every resource`),
      ]);
    },
  );

  test("fails sts:GetSessionToken allowed on a named resource, as cloudsplaining counts an action that takes no resource whatever the Resource", async () => {
    const tf = stackWith("aws_iam_role_policy");
    addStatement(tf, "aws_iam_role_policy", {
      Effect: "Allow",
      Action: "sts:Get*",
      Resource: "arn:aws:iam::111122223333:role/named",
    });
    expect(await messages("CKV_AWS_287", tf)).toEqual([
      expect.stringContaining("allows sts:getsessiontoken on every resource"),
    ]);
  });

  test("passes ecr-public:GetAuthorizationToken on every resource, which the check excludes", async () => {
    expect(await messages("CKV_AWS_287", allowing("ecr-public:GetAuthorizationToken"))).toEqual([]);
  });
});
