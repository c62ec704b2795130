import { StateBootstrapStack } from "../constructs";
import { TfJson, onlyResource, statementsOf, synthApp } from "./support/tf";
import { Testing } from "cdktf";

/** A resource without cdktf's "//" metadata (path and unique ID). */
function withoutMetadata(resource: TfJson): TfJson {
  const { "//": _metadata, ...rest } = resource;
  return rest;
}

describe("the state bootstrap stack", () => {
  let tf: TfJson;
  let bucketRef: string;
  beforeAll(() => {
    tf = synthApp().stacks["orders-state-bootstrap"];
    bucketRef = `\${aws_s3_bucket.${Object.keys(tf.resource.aws_s3_bucket)[0]}.id}`;
  });

  test("keeps its own state locally, in a file terraform init names (-backend-config=path=...)", () => {
    expect(tf.terraform.backend).toEqual({ local: { path: "" } });
  });

  test("creates the bucket the environments' backends name, and refuses to destroy it", () => {
    expect(withoutMetadata(onlyResource(tf, "aws_s3_bucket"))).toEqual({
      bucket: "order-pipeline-terraform-state",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    const dev = synthApp().stacks["orders-dev"];
    expect(dev.terraform.backend.s3.bucket).toBe(onlyResource(tf, "aws_s3_bucket").bucket);
  });

  test("versions every state file", () => {
    expect(withoutMetadata(onlyResource(tf, "aws_s3_bucket_versioning"))).toEqual({
      bucket: bucketRef,
      versioning_configuration: { status: "Enabled" },
    });
  });

  test("encrypts with KMS and a bucket key", () => {
    expect(onlyResource(tf, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" }, bucket_key_enabled: true },
    ]);
  });

  test("blocks every form of public access and disables ACLs", () => {
    expect(withoutMetadata(onlyResource(tf, "aws_s3_bucket_public_access_block"))).toEqual({
      bucket: bucketRef,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(tf, "aws_s3_bucket_ownership_controls").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
  });

  test("denies requests without TLS on the bucket and its objects", () => {
    const [statement] = statementsOf(tf, onlyResource(tf, "aws_s3_bucket_policy").policy);
    const arn = bucketRef.replace(/\.id\}$/, ".arn}");
    expect(statement).toMatchObject({
      effect: "Deny",
      actions: ["s3:*"],
      resources: [arn, `${arn}/*`],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
  });

  test("expires replaced state versions after 90 days, keeping the last 10, and stale uploads after 7", () => {
    expect(onlyResource(tf, "aws_s3_bucket_lifecycle_configuration").rule).toEqual([
      {
        id: "expire-old-state-versions",
        status: "Enabled",
        filter: [{}],
        noncurrent_version_expiration: [{ noncurrent_days: 90, newer_noncurrent_versions: 10 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
    ]);
  });

  test("outputs the bucket name and ARN", () => {
    expect(Object.keys(tf.output).sort()).toEqual(["state_bucket", "state_bucket_arn"]);
  });

  test("rejects a bucket name S3 would refuse", () => {
    expect(() => new StateBootstrapStack(Testing.app(), "s", { bucketName: "My_State", region: "us-east-1" })).toThrow(
      'Invalid StateBootstrapStack props at s:\n  - bucketName must be 3-63 characters of lower-case letters, digits, . and - (starting and ending with a letter or digit) (given "My_State", 8 characters)',
    );
  });
});
