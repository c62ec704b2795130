import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KEY_DEFAULTS } from "./defaults";
import { PolicyDocument, PolicyStatement } from "./policy";
import { PropsValidator } from "./validation";

/** The account and partition of a stack, read once per stack (plan time, from the caller's credentials). */
export interface AccountContext {
  readonly accountId: string;
  readonly partition: string;
}

/** The stack's caller-identity and partition data sources, created on first use. */
export function accountContext(scope: Construct): AccountContext {
  const stack = TerraformStack.of(scope);
  const identity =
    (stack.node.tryFindChild("CallerIdentity") as DataAwsCallerIdentity | undefined) ??
    new DataAwsCallerIdentity(stack, "CallerIdentity");
  const partition =
    (stack.node.tryFindChild("Partition") as DataAwsPartition | undefined) ?? new DataAwsPartition(stack, "Partition");
  return { accountId: identity.accountId, partition: partition.partition };
}

/** A service that may use the key, and the actions it needs. */
export interface KeyServiceGrant {
  /** Service principal, e.g. `cloudwatch.amazonaws.com`. */
  readonly service: string;
  /** KMS actions, e.g. `kms:Decrypt`, `kms:GenerateDataKey`. */
  readonly actions: readonly string[];
}

export interface EncryptionKeyProps {
  /** Alias without the `alias/` prefix: 1-250 characters of letters, digits, /, _ and -. */
  readonly alias: string;
  /** What the key protects. */
  readonly description: string;
  /**
   * AWS services that use the key on this account's behalf (conditioned on `aws:SourceAccount`).
   * @default none
   */
  readonly services?: readonly KeyServiceGrant[];
  /**
   * Days before a deleted key is destroyed, 7-30.
   * @default 30
   */
  readonly deletionWindowInDays?: number;
}

/**
 * A customer-managed KMS key with yearly rotation and an explicit key policy: the
 * account administers it (so IAM policies can grant its use) and the named services
 * may use it for this account only.
 */
export class EncryptionKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    new PropsValidator("EncryptionKey", this.node.path)
      .name("alias", props.alias, {
        minLength: 1,
        maxLength: 250,
        pattern: /^(?!aws\/)[A-Za-z0-9/_-]+$/,
        characters: "letters, digits, /, _ and - (not starting aws/)",
      })
      .integerInRange("deletionWindowInDays", props.deletionWindowInDays, 7, 30)
      .throwIfInvalid();

    const account = accountContext(this);
    const statements: PolicyStatement[] = [
      {
        // Without this, IAM policies cannot grant use of the key and nobody can administer it.
        sid: "AccountAdministersKey",
        effect: "Allow",
        principals: [{ type: "AWS", identifiers: [`arn:${account.partition}:iam::${account.accountId}:root`] }],
        actions: ["kms:*"],
        resources: ["*"],
      },
      ...(props.services ?? []).map((grant): PolicyStatement => ({
        sid: `Allow${grant.service.split(".")[0].replace(/[^A-Za-z0-9]/g, "")}`,
        effect: "Allow",
        principals: [{ type: "Service", identifiers: [grant.service] }],
        actions: [...grant.actions],
        resources: ["*"],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
      })),
    ];
    const policy = new PolicyDocument(this, "KeyPolicyDocument", statements);
    this.key = new KmsKey(this, "Key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? KEY_DEFAULTS.deletionWindowInDays,
      policy: policy.json,
    });
    this.alias = new KmsAlias(this, "Alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
  }
}
