import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { AwsTarget, addAwsProvider, validateTarget } from "./aws-provider";
import {
  STATE_BUCKET_DEFAULTS,
  STATE_BUCKET_LIMITS,
  S3_BUCKET_NAME,
  denyInsecureTransportCondition,
} from "../constructs/defaults";
import { EncryptionKey } from "../constructs/encryption-key";
import { PolicyDocument } from "../constructs/policy";
import { requireTerraformVersion } from "../constructs/terraform-version";
import { PropsValidator } from "../constructs/validation";

export interface StateBootstrapStackProps extends AwsTarget {
  /** Name of the state bucket: 3-63 lower-case letters, digits, `.` and `-`. */
  readonly bucketName: string;
  /**
   * Alias of the state key, without `alias/`: every pipeline stack's backend names `alias/<keyAlias>`
   * as its `kms_key_id`.
   */
  readonly keyAlias: string;
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
 * The S3 bucket that holds every environment's Terraform state and the customer-managed
 * key that encrypts it, created once per account before the environments. It keeps its
 * own state locally (it cannot keep it in the bucket it creates): versioned, encrypted
 * by default with the state key (bucket key on), never public, TLS-only, writes that are
 * not SSE-KMS refused, old state versions expire, and Terraform refuses to destroy it.
 */
export class StateBootstrapStack extends TerraformStack {
  public readonly bucket: S3Bucket;
  /** The key every state and lock object is encrypted with; principals of this account use it through S3 only. */
  public readonly stateKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);
    validateTarget(new PropsValidator("StateBootstrapStack", this.node.path), "", props)
      .name("bucketName", props.bucketName, S3_BUCKET_NAME)
      .integerInRange(
        "noncurrentVersionDays",
        props.noncurrentVersionDays,
        STATE_BUCKET_LIMITS.noncurrentVersionDays.min,
        STATE_BUCKET_LIMITS.noncurrentVersionDays.max,
      )
      .throwIfInvalid();

    addAwsProvider(this, "shared", props);
    new LocalBackend(this, props.localStatePath ? { path: props.localStatePath } : {});
    // Given no path, LocalBackend writes an absolute path of the build machine; terraform init
    // refuses an empty one until -backend-config=path=... names the state file.
    if (!props.localStatePath) this.addOverride("terraform.backend.local.path", "");
    requireTerraformVersion(this);

    this.stateKey = new EncryptionKey(this, "StateKey", {
      alias: props.keyAlias,
      description: `Encrypts the Terraform state in ${props.bucketName}`,
      usedThrough: [{ service: "s3" }],
    });

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
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.stateKey.arn },
          bucketKeyEnabled: true,
        },
      ],
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
      // Terraform 1.11's S3 backend sends SSE-KMS headers (and kms_key_id) on every PutObject it makes,
      // the state and the use_lockfile lock alike: these two statements refuse any other write.
      {
        sid: "DenyObjectWritesNotSseKms",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:PutObject"],
        resources: [`${this.bucket.arn}/*`],
        condition: [{ test: "StringNotEquals", variable: "s3:x-amz-server-side-encryption", values: ["aws:kms"] }],
      },
      {
        sid: "DenyObjectWritesWithoutEncryptionHeader",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:PutObject"],
        resources: [`${this.bucket.arn}/*`],
        condition: [{ test: "Null", variable: "s3:x-amz-server-side-encryption", values: ["true"] }],
      },
      // SSE-KMS under aws/s3 or another account's key would pass the two above: only the state key may
      // encrypt. The backend names the key by alias (kms_key_id), so its alias forms are the same key;
      // a write that names no key gets the bucket's default, the state key (hence IfExists).
      {
        sid: "DenyObjectWritesUnderAnotherKey",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:PutObject"],
        resources: [`${this.bucket.arn}/*`],
        condition: [
          {
            test: "StringNotEqualsIfExists",
            variable: "s3:x-amz-server-side-encryption-aws-kms-key-id",
            values: [this.stateKey.arn, this.stateKey.alias.arn, `alias/${props.keyAlias}`],
          },
        ],
      },
    ]);
    new S3BucketPolicy(this, "BucketPolicy", { bucket, policy: policy.json });

    const outputs: Record<string, [string, string]> = {
      state_bucket: [this.bucket.bucket, "Name of the state bucket."],
      state_bucket_arn: [this.bucket.arn, "ARN of the state bucket."],
      state_key_arn: [this.stateKey.arn, "ARN of the KMS key that encrypts the state."],
      state_key_alias: [this.stateKey.alias.name, "Alias of the state key: every pipeline stack's backend kms_key_id."],
    };
    for (const [outputId, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, outputId, { value, description });
    }
  }
}
