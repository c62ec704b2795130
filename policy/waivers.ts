import { Finding } from "./rules";

/**
 * Findings the suite accepts, each rule's for the named resource types only, with
 * the reason. A rule stays enforced on every other resource type. The suite fails
 * on a waiver whose findings are gone (drop it) or whose rule does not exist.
 */
export interface Waiver {
  readonly rule: string;
  /** The resource types whose findings are accepted. */
  readonly on: readonly string[];
  readonly reason: string;
}

/** Reason shared by the resource-"*" checks on key policies. */
const KEY_POLICY_RESOURCE =
  'Key policies only: in a key policy, Resource "*" means "this key" (a key policy cannot name any other resource), ' +
  "so Checkov's resource-constraint analysis (cloudsplaining) reports every key policy; this is its known " +
  "false-positive class. Our key policies are held to ORD-KMS-KEY-POLICY-SPLIT instead (no wildcard actions, " +
  "administration apart from use, use only through a named service or for a named source) and to CKV_AWS_33.";

export const WAIVERS: readonly Waiver[] = [
  ...["CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"].map((rule) => ({
    rule,
    on: ["aws_kms_key"],
    reason: KEY_POLICY_RESOURCE,
  })),
  {
    rule: "CKV_AWS_117",
    on: ["aws_lambda_function"],
    reason:
      "No VPC: the function talks only to AWS APIs (SQS, DynamoDB, CloudWatch Logs, X-Ray) over TLS; a VPC would add NAT or endpoints and cold-start time for no isolation gain.",
  },
  {
    rule: "CKV_AWS_116",
    on: ["aws_lambda_function"],
    reason:
      "A function DLQ applies to asynchronous invocations only; the event source mapping invokes synchronously and failed records move to OrderQueueDLQ through the queue's redrive policy.",
  },
  {
    rule: "CKV_AWS_173",
    on: ["aws_lambda_function"],
    reason:
      "The environment holds only the table name and the service name, no secrets (CKV_AWS_45 is enforced); Lambda encrypts it at rest with its service key.",
  },
  {
    rule: "CKV_AWS_272",
    on: ["aws_lambda_function"],
    reason:
      "The bundle is built, zipped and deployed by the same pipeline from a reviewed commit; code signing needs an AWS Signer profile outside this stack.",
  },
  {
    rule: "CKV_AWS_338",
    on: ["aws_cloudwatch_log_group"],
    reason:
      "Retention is chosen per environment in environments.json (14 days dev, 90 prod) and by the log_retention_days variable; orders live durably in DynamoDB with PITR, logs serve troubleshooting.",
  },
  {
    rule: "CKV_AWS_158",
    on: ["aws_cloudwatch_log_group"],
    reason:
      "CloudWatch Logs encrypts at rest with its service key; the log lines hold IDs and outcomes, not order contents, and a customer key would need a key policy for logs.<region>.amazonaws.com.",
  },
  {
    rule: "CKV_AWS_18",
    on: ["aws_s3_bucket"],
    reason:
      "Not done: access logging needs a second bucket per account, which the bootstrap does not create. Nothing here " +
      "records who read or wrote state: versioning keeps every state written (the last 10 versions always, older ones " +
      "90 days), not its writer. Where an audit trail of state access is required, turn on S3 data events in the " +
      "account's CloudTrail or add a log bucket.",
  },
  {
    rule: "CKV_AWS_144",
    on: ["aws_s3_bucket"],
    reason:
      "State is small, versioned and re-creatable from the deployed resources (terraform import); a replica bucket in a second region doubles the bootstrap for little recovery gain.",
  },
  {
    rule: "CKV_AWS_52",
    on: ["aws_s3_bucket"],
    reason:
      "MFA delete can only be turned on by the bucket owner's root user with a current MFA code, which no pipeline holds; versioning keeps replaced and deleted state (90 days, last 10 always) and prevent_destroy guards the bucket.",
  },
  {
    rule: "CKV2_AWS_62",
    on: ["aws_s3_bucket"],
    reason:
      "Only Terraform writes this bucket, and every write it makes is expected; no consumer of state-change events exists, so a notification would need a topic or queue nobody reads.",
  },
];

/** Whether `waiver` accepts `finding`. */
export function accepts(waiver: Waiver, finding: Finding): boolean {
  return waiver.on.some((type) => finding.subject.startsWith(`${type}.`));
}
