import { configurationFromEnv } from "../stacks/app";
import { StateBootstrapStack } from "../stacks/state-bootstrap-stack";
import { projectPipelineStacks } from "./support/configuration";
import { TfJson, onlyResource, statementsOf, synthApp, viaServiceCondition } from "./support/tf";
import { Testing } from "cdktf";

/** A resource without cdktf's "//" metadata (path and unique ID). */
function withoutMetadata(resource: TfJson): TfJson {
  const { "//": _metadata, ...rest } = resource;
  return rest;
}

describe("the state bootstrap stack", () => {
  let stacks: Record<string, TfJson>;
  let tf: TfJson;
  let bucketRef: string;
  beforeAll(() => {
    stacks = synthApp().stacks;
    tf = stacks["orders-state-bootstrap"];
    bucketRef = `\${aws_s3_bucket.${Object.keys(tf.resource.aws_s3_bucket)[0]}.id}`;
  });

  test("keeps its own state locally, in a file terraform init names (-backend-config=path=...)", () => {
    expect(tf.terraform.backend).toEqual({ local: { path: "" } });
  });

  test("creates the bucket the environments' backends name, and refuses to destroy it", () => {
    const { stateAccount, stateRegion } = configurationFromEnv({}).settings;
    expect(withoutMetadata(onlyResource(tf, "aws_s3_bucket"))).toEqual({
      bucket: `order-pipeline-terraform-state-${stateAccount}-${stateRegion}`,
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    for (const name of projectPipelineStacks()) {
      expect({ name, bucket: stacks[name].terraform.backend.s3.bucket }).toEqual({
        name,
        bucket: onlyResource(tf, "aws_s3_bucket").bucket,
      });
    }
  });

  test("versions every state file", () => {
    expect(withoutMetadata(onlyResource(tf, "aws_s3_bucket_versioning"))).toEqual({
      bucket: bucketRef,
      versioning_configuration: { status: "Enabled" },
    });
  });

  test("creates the state key: rotating, aliased after the name prefix, used only through S3", () => {
    expect(withoutMetadata(onlyResource(tf, "aws_kms_key"))).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    expect(onlyResource(tf, "aws_kms_alias").name).toBe("alias/orders-state");
    const use = statementsOf(tf, onlyResource(tf, "aws_kms_key").policy).find(
      (s) => s.sid === "AccountUsesKeyThroughS3",
    );
    expect(use?.condition).toContainEqual(viaServiceCondition("s3"));
  });

  test("encrypts every object by default with the state key and a bucket key", () => {
    const keyId = Object.keys(tf.resource.aws_kms_key)[0];
    expect(onlyResource(tf, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: `\${aws_kms_key.${keyId}.arn}`,
        },
        bucket_key_enabled: true,
      },
    ]);
  });

  test("is the key every pipeline stack's backend names for its state and lock objects", () => {
    for (const name of projectPipelineStacks()) {
      expect({ name, ...stacks[name].terraform.backend.s3 }).toMatchObject({
        name,
        encrypt: true,
        kms_key_id: "alias/orders-state",
      });
    }
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

  test("denies object writes that are not SSE-KMS, and writes that do not say how they are encrypted", () => {
    const [, wrongAlgorithm, noHeader] = statementsOf(tf, onlyResource(tf, "aws_s3_bucket_policy").policy);
    const objects = `${bucketRef.replace(/\.id\}$/, ".arn}")}/*`;
    const deny = { effect: "Deny", principals: [{ type: "*", identifiers: ["*"] }], actions: ["s3:PutObject"] };
    expect(wrongAlgorithm).toEqual({
      ...deny,
      sid: "DenyObjectWritesNotSseKms",
      resources: [objects],
      condition: [{ test: "StringNotEquals", variable: "s3:x-amz-server-side-encryption", values: ["aws:kms"] }],
    });
    expect(noHeader).toEqual({
      ...deny,
      sid: "DenyObjectWritesWithoutEncryptionHeader",
      resources: [objects],
      condition: [{ test: "Null", variable: "s3:x-amz-server-side-encryption", values: ["true"] }],
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

  test("outputs the bucket's name and ARN and the state key's ARN and alias", () => {
    expect(Object.keys(tf.output).sort()).toEqual([
      "state_bucket",
      "state_bucket_arn",
      "state_key_alias",
      "state_key_arn",
    ]);
  });

  test("may deploy only into the state account, and tags every resource as shared, managed from this repository's bootstrap stack", () => {
    expect(tf.provider.aws).toEqual([
      {
        region: "us-east-1",
        allowed_account_ids: [configurationFromEnv({}).settings.stateAccount],
        default_tags: [
          {
            tags: {
              project: "order-pipeline",
              environment: "shared",
              "managed-by": "terraform",
              source: "order-pipeline/orders-state-bootstrap",
            },
          },
        ],
      },
    ]);
  });

  test("rejects a bucket name S3 would refuse", () => {
    const props = { bucketName: "My_State", region: "us-east-1", keyAlias: "s-state" };
    expect(() => new StateBootstrapStack(Testing.app(), "s", props)).toThrow(
      'Invalid StateBootstrapStack props at s:\n  - bucketName must be 3-63 characters of lower-case letters, digits, . and - (starting and ending with a letter or digit) (given "My_State", 8 characters)',
    );
  });
});
