import { Fn, Token } from "cdktf";

/**
 * ARNs of resources that exist outside the stack (imported by ARN), read the way aws-cdk's
 * `Arn.split` reads them: `arn:<partition>:<service>:<region>:<account>:<resource>`. A resolved
 * ARN is parsed here; an unresolved one (a variable, another resource's attribute) becomes
 * Terraform expressions that split it at plan time.
 */

/** The six parts of an ARN whose resource is one name (SNS topics, SQS queues). */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** What an imported ARN must look like, per service: pattern and an example for the error message. */
export interface ArnRule {
  readonly pattern: RegExp;
  readonly example: string;
}

/** An SNS topic: names of 1-256 letters, digits, - and _ (`.fifo` for FIFO topics). */
export const SNS_TOPIC_ARN: ArnRule = {
  pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
  example: "arn:aws:sns:us-east-1:111122223333:orders-dev-OrderTopic",
};

/** An SQS queue: names of 1-80 letters, digits, - and _ (`.fifo` for FIFO queues). */
export const SQS_QUEUE_ARN: ArnRule = {
  pattern: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/,
  example: "arn:aws:sqs:us-east-1:111122223333:orders-dev-OrderQueue",
};

/** A KMS key (not an alias: IAM policies that name an alias ARN authorize nothing on the key). */
export const KMS_KEY_ARN: ArnRule = {
  pattern: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
  example: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
};

/** The parts of `arn`: parsed when it is known, Terraform expressions when it is a token. */
export function splitArn(arn: string): ArnParts {
  if (Token.isUnresolved(arn)) {
    const part = (index: number): string => Token.asString(Fn.element(Fn.split(":", arn), index));
    return { partition: part(1), service: part(2), region: part(3), account: part(4), resource: part(5) };
  }
  const [, partition = "", service = "", region = "", account = "", ...resource] = arn.split(":");
  return { partition, service, region, account, resource: resource.join(":") };
}

/** The DNS suffix of a partition's endpoints (`amazonaws.com`, `amazonaws.com.cn` in China). */
export function dnsSuffixOf(partition: string): string {
  if (Token.isUnresolved(partition)) {
    return Token.asString(Fn.lookup({ "aws-cn": "amazonaws.com.cn" }, partition, "amazonaws.com"));
  }
  return partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}
