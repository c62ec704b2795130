import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { STATE_BUCKET_DEFAULTS, S3_BUCKET_NAME, denyInsecureTransportCondition } from "./defaults";
import { PolicyDocument } from "./policy";
import { requireTerraformVersion } from "./terraform-version";
import { PropsValidator } from "./validation";

export interface StateBootstrapStackProps {
  /** Name of the state bucket: 3-63 lower-case letters, digits, `.` and `-`. */
  readonly bucketName: string;
  /** Region of the bucket. */
  readonly region: string;
  /**
   * A state file path to write into the stack folder, relative to it.
   * @default none: `terraform init -backend-config=path=<file>` names it (`npm run bootstrap` does), so a
   * copy of the stack folder never points at a wrong state file, and init refuses to run without it
   */
  readonly localStatePath?: string;
  /**
   * Days a replaced state version is kept before it expires, 1-3650.
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * The S3 bucket that holds every environment's Terraform state, created once per
 * account before the environments. It keeps its own state locally (it cannot keep it
 * in the bucket it creates): versioned, KMS-encrypted, never public, TLS-only, old
 * state versions expire, and Terraform refuses to destroy it.
 */
export class StateBootstrapStack extends TerraformStack {
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);
    new PropsValidator("StateBootstrapStack", this.node.path)
      .name("bucketName", props.bucketName, S3_BUCKET_NAME)
      .integerInRange("noncurrentVersionDays", props.noncurrentVersionDays, 1, 3650)
      .throwIfInvalid();

    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { project: "order-pipeline", environment: "shared", "managed-by": "cdktf" } }],
    });
    new LocalBackend(this, props.localStatePath ? { path: props.localStatePath } : {});
    // Given no path, LocalBackend writes an absolute path of the build machine; terraform init
    // refuses an empty one until -backend-config=path=... names the state file.
    if (!props.localStatePath) this.addOverride("terraform.backend.local.path", "");
    requireTerraformVersion(this, ">= 1.11.0");

    this.bucket = new S3Bucket(this, "StateBucket", {
      bucket: props.bucketName,
      forceDestroy: false,
      // Losing this bucket loses every environment's state.
      lifecycle: { preventDestroy: true },
    });
    const bucket = this.bucket.id;
    new S3BucketOwnershipControls(this, "Ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPublicAccessBlock(this, "PublicAccessBlock", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "Versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "Encryption", {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    });
    new S3BucketLifecycleConfiguration(this, "Lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          // An empty filter covers every object (cdktf drops an empty prefix "" from the HCL export).
          filter: [{}],
          noncurrentVersionExpiration: [
            {
              noncurrentDays: props.noncurrentVersionDays ?? STATE_BUCKET_DEFAULTS.noncurrentVersionDays,
              newerNoncurrentVersions: STATE_BUCKET_DEFAULTS.newerNoncurrentVersions,
            },
          ],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const policy = new PolicyDocument(this, "BucketPolicyDocument", [
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: [this.bucket.arn, `${this.bucket.arn}/*`],
        condition: [denyInsecureTransportCondition()],
      },
    ]);
    new S3BucketPolicy(this, "BucketPolicy", { bucket, policy: policy.json });

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket, description: "Name of the state bucket." });
    new TerraformOutput(this, "state_bucket_arn", { value: this.bucket.arn, description: "ARN of the state bucket." });
  }
}
