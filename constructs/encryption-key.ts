import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { IAM_PRINCIPAL_ARN, KEY_ADMIN_ACTIONS, KEY_DEFAULTS, KEY_GRANT_ACTIONS, KEY_USE_ACTIONS } from "./defaults";
import { Grant, IGrantable, PolicyDocument, PolicyStatement, principalGrant } from "./policy";
import { PropsValidator } from "./validation";

/** The account, partition and region of a stack, read once per stack (plan time, from the provider). */
export interface AccountContext {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
  /** `amazonaws.com`, or the partition's own suffix. */
  readonly dnsSuffix: string;
}

/** The stack's caller-identity, partition and region data sources, created on first use. */
export function accountContext(scope: Construct): AccountContext {
  const stack = TerraformStack.of(scope);
  const identity =
    (stack.node.tryFindChild("CallerIdentity") as DataAwsCallerIdentity | undefined) ??
    new DataAwsCallerIdentity(stack, "CallerIdentity");
  const partition =
    (stack.node.tryFindChild("Partition") as DataAwsPartition | undefined) ?? new DataAwsPartition(stack, "Partition");
  const region = (stack.node.tryFindChild("Region") as DataAwsRegion | undefined) ?? new DataAwsRegion(stack, "Region");
  return {
    accountId: identity.accountId,
    partition: partition.partition,
    region: region.region,
    dnsSuffix: partition.dnsSuffix,
  };
}

/** `kms:ViaService` for `service` in the stack's region, e.g. `sqs.eu-west-1.amazonaws.com`. */
export function viaService(scope: Construct, service: string): string {
  const account = accountContext(scope);
  return `${service}.${account.region}.${account.dnsSuffix}`;
}

/** A service through which this account's principals use the key. */
export interface KeyUse {
  /** Service prefix, e.g. `dynamodb`, `sqs`, `sns`, `s3`. */
  readonly service: string;
  /**
   * Let the service create grants on the key for its own resources (DynamoDB does, for a table's key).
   * @default false
   */
  readonly grants?: boolean;
}

/** An AWS service principal that uses the key itself, on behalf of one resource or of this account. */
export interface KeyServicePrincipal {
  /** Service principal, e.g. `sns.amazonaws.com`, `cloudwatch.amazonaws.com`. */
  readonly service: string;
  /** KMS actions, e.g. `kms:Decrypt`, `kms:GenerateDataKey`. */
  readonly actions: readonly string[];
  /**
   * The only resource the service may act for (`aws:SourceArn`), e.g. the topic that delivers.
   * @default this account (`aws:SourceAccount`)
   */
  readonly sourceArn?: string;
}

export interface EncryptionKeyProps {
  /** Alias without the `alias/` prefix: 1-250 characters of letters, digits, /, _ and -. */
  readonly alias: string;
  /** What the key protects. */
  readonly description: string;
  /**
   * Services through which principals of this account may use the key (`kms:ViaService`); their IAM
   * policies decide who (see `grantDecrypt` and `keyStatement`).
   * @default none
   */
  readonly usedThrough?: readonly KeyUse[];
  /**
   * AWS service principals that use the key themselves.
   * @default none
   */
  readonly servicePrincipals?: readonly KeyServicePrincipal[];
  /**
   * The IAM principals that administer the key (manage, rotate, schedule deletion; never encrypt or
   * decrypt): role, user or account-root ARNs, at least one. No use statement names them, so the
   * split between administration and use holds in the key policy itself, not only in IAM.
   * @default the account root: IAM policies of this account decide who administers
   */
  readonly administrators?: readonly string[];
  /**
   * Days before a deleted key is destroyed, 7-30.
   * @default 30
   */
  readonly deletionWindowInDays?: number;
}

/**
 * A customer-managed KMS key with yearly rotation and a key policy that separates
 * administration from use: the account administers the key (manage, rotate, delete,
 * never encrypt or decrypt), its principals use it only through the named services
 * (`kms:ViaService`), and named service principals use it only for one resource or
 * this account. No statement grants `kms:*`.
 */
export class EncryptionKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;
  /** The key policy; `addToResourcePolicy` adds to it. */
  public readonly policy: PolicyDocument;
  private readonly account: AccountContext;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const validator = new PropsValidator("EncryptionKey", this.node.path)
      .name("alias", props.alias, {
        minLength: 1,
        maxLength: 250,
        pattern: /^(?!aws\/)[A-Za-z0-9/_-]+$/,
        characters: "letters, digits, /, _ and - (not starting aws/)",
      })
      .integerInRange("deletionWindowInDays", props.deletionWindowInDays, 7, 30)
      .expect(
        props.administrators === undefined || props.administrators.length > 0,
        "administrators must list at least one IAM principal ARN (given [])",
      );
    for (const [i, arn] of (props.administrators ?? []).entries()) {
      validator.arn(`administrators[${i}]`, arn, {
        pattern: IAM_PRINCIPAL_ARN,
        example: "arn:aws:iam::111122223333:role/key-admin",
      });
    }
    validator.throwIfInvalid();

    this.account = accountContext(this);
    const root = [{ type: "AWS", identifiers: [`arn:${this.account.partition}:iam::${this.account.accountId}:root`] }];
    const callerAccount = { test: "StringEquals", variable: "kms:CallerAccount", values: [this.account.accountId] };
    const statements: PolicyStatement[] = [
      {
        // Without this nobody could administer the key. The account root by default: IAM decides who.
        sid: "AccountAdministersKey",
        effect: "Allow",
        principals:
          props.administrators !== undefined ? [{ type: "AWS", identifiers: [...props.administrators] }] : root,
        actions: [...KEY_ADMIN_ACTIONS],
        resources: ["*"],
      },
    ];
    for (const use of props.usedThrough ?? []) {
      const service = { test: "StringEquals", variable: "kms:ViaService", values: [viaService(this, use.service)] };
      statements.push({
        sid: `AccountUsesKeyThrough${pascal(use.service)}`,
        effect: "Allow",
        principals: root,
        actions: [...KEY_USE_ACTIONS],
        resources: ["*"],
        condition: [service, callerAccount],
      });
      if (use.grants) {
        statements.push({
          sid: `${pascal(use.service)}GrantsForItsResources`,
          effect: "Allow",
          principals: root,
          actions: [...KEY_GRANT_ACTIONS],
          resources: ["*"],
          condition: [
            service,
            callerAccount,
            { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] },
          ],
        });
      }
    }
    this.policy = new PolicyDocument(this, "KeyPolicyDocument", statements);
    for (const principal of props.servicePrincipals ?? []) this.allowServicePrincipal(principal);

    this.key = new KmsKey(this, "Key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? KEY_DEFAULTS.deletionWindowInDays,
      policy: this.policy.json,
    });
    this.alias = new KmsAlias(this, "Alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
  }

  /** ARN of the key. */
  public get arn(): string {
    return this.key.arn;
  }

  /**
   * Lets an AWS service principal use the key, only for `sourceArn` (or this account when none is
   * given); returns the key-policy statement (added once, however often it is asked for).
   */
  public allowServicePrincipal(principal: KeyServicePrincipal, sid?: string): PolicyStatement {
    const statement: PolicyStatement = {
      sid: sid ?? `Allow${pascal(principal.service.split(".")[0])}`,
      effect: "Allow",
      principals: [{ type: "Service", identifiers: [principal.service] }],
      actions: [...principal.actions],
      resources: ["*"],
      condition: [
        principal.sourceArn !== undefined
          ? { test: "ArnEquals", variable: "aws:SourceArn", values: [principal.sourceArn] }
          : { test: "StringEquals", variable: "aws:SourceAccount", values: [this.account.accountId] },
      ],
    };
    this.policy.addStatements(statement);
    return statement;
  }

  /** Gives `grantee` `kms:Decrypt` on this key through `service` only (what a queue consumer needs). */
  public grantDecrypt(grantee: IGrantable, service: string, sid: string): Grant {
    return principalGrant(grantee, [keyStatement(this, sid, ["kms:Decrypt"], this.arn, service)]);
  }
}

/** An identity-policy statement on a key, limited to requests `service` makes on the caller's behalf. */
export function keyStatement(
  scope: Construct,
  sid: string,
  actions: readonly string[],
  keyArn: string,
  service: string,
): PolicyStatement {
  return {
    sid,
    effect: "Allow",
    actions: [...actions],
    resources: [keyArn],
    condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [viaService(scope, service)] }],
  };
}

/** `sqs` -> `Sqs`, `cloudwatch` -> `Cloudwatch`: IAM sids are alphanumeric. */
function pascal(word: string): string {
  const clean = word.replace(/[^A-Za-z0-9]/g, "");
  return clean.charAt(0).toUpperCase() + clean.slice(1);
}
