import { TfJson, onlyResource, synthApp } from "../support/tf";
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
