import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { providerDefaultTags } from "./naming";
import { PropsValidator } from "../constructs/validation";

/** Where a stack deploys, and as whom. */
export interface AwsTarget {
  /** AWS region of the resources. */
  readonly region: string;
  /**
   * The only account the provider may act in (`allowed_account_ids`): 12 digits. Terraform stops
   * before any change when the credentials (after `roleArn`) belong to another account.
   * @default any account the credentials reach
   */
  readonly account?: string;
  /**
   * ARN of an IAM role the provider assumes (`assume_role`), e.g. a deploy role in `account`.
   * @default the caller's own credentials
   */
  readonly roleArn?: string;
}

/** An IAM role ARN; the account is the second group. */
export const ROLE_ARN_PATTERN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** Checks an `AwsTarget`'s account and role (for any construct that takes one). */
export function validateTarget(validator: PropsValidator, prefix: string, target: Partial<AwsTarget>): PropsValidator {
  return validator
    .expect(
      target.account === undefined || /^\d{12}$/.test(target.account),
      `${prefix}account must be an AWS account ID of 12 digits (given ${JSON.stringify(target.account)})`,
    )
    .expect(
      target.roleArn === undefined || ROLE_ARN_PATTERN.test(target.roleArn),
      `${prefix}roleArn must be an IAM role ARN such as arn:aws:iam::111122223333:role/deploy (given ${JSON.stringify(target.roleArn)})`,
    );
}

/**
 * The AWS provider of `stack`: its region, the default tags every stack shares (one
 * place: `providerDefaultTags`), and, when given, the one account it may deploy into
 * and the role it assumes (session named after the stack, for CloudTrail).
 */
export function addAwsProvider(stack: TerraformStack, environment: string, target: AwsTarget): AwsProvider {
  const stackName = stack.node.id;
  validateTarget(new PropsValidator("AwsProvider", stackName), "", target).throwIfInvalid();
  return new AwsProvider(stack, "aws", {
    region: target.region,
    allowedAccountIds: target.account !== undefined ? [target.account] : undefined,
    assumeRole: target.roleArn !== undefined ? [{ roleArn: target.roleArn, sessionName: stackName }] : undefined,
    defaultTags: [{ tags: providerDefaultTags(environment, stackName) }],
  });
}
