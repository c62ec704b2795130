import { TfJson, onlyResource, synthApp } from "../support/tf";
import { RULES } from "./rules";
import { loadStack } from "./stack";

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
