import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { providerDefaultTags } from "./naming";
import { ENVIRONMENT_RULES, problemOf } from "../config/settings";
import { roleAccountProblem } from "../constructs/defaults";
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

/**
 * Checks an `AwsTarget` by the environment's rules (config/settings.ts), in the same words: the
 * region, the account, the role, and that the role is in the account when both are given. A stack
 * calls it once, with its other props, before `addAwsProvider`.
 */
export function validateTarget(validator: PropsValidator, prefix: string, target: AwsTarget): PropsValidator {
  const problems = [
    ...(["region", "account", "roleArn"] as const).map((field) =>
      problemOf(field, ENVIRONMENT_RULES[field], target[field]),
    ),
    target.roleArn !== undefined && target.account !== undefined
      ? roleAccountProblem(target.roleArn, target.account)
      : undefined,
  ];
  for (const problem of problems) validator.expect(problem === undefined, `${prefix}${problem}`);
  return validator;
}

/**
 * The AWS provider of `stack`: its region, the default tags every stack shares (one
 * place: `providerDefaultTags`), and, when given, the one account it may deploy into
 * and the role it assumes (session named after the stack, for CloudTrail). The stack
 * has checked `target` (`validateTarget`).
 */
export function addAwsProvider(stack: TerraformStack, environment: string, target: AwsTarget): AwsProvider {
  const stackName = stack.node.id;
  return new AwsProvider(stack, "aws", {
    region: target.region,
    allowedAccountIds: target.account !== undefined ? [target.account] : undefined,
    assumeRole: target.roleArn !== undefined ? [{ roleArn: target.roleArn, sessionName: stackName }] : undefined,
    defaultTags: [{ tags: providerDefaultTags(environment, stackName) }],
  });
}
