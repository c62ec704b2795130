import { TfJson } from "../support/tf";
import {
  Statement,
  conditionsLimitPrincipal,
  fromJson,
  isPublic,
  policySites,
  unconstrainedActions,
} from "../../policy/iam";
import { RULES } from "../../policy/rules";
import { loadStack } from "../../policy/stack";

/** One statement in IAM's JSON grammar, read the way the rules read it. */
function statement(json: TfJson): Statement {
  const policy = fromJson({ Statement: [json] });
  if (policy instanceof Error) throw policy;
  return policy.statements[0];
}

const rule = (id: string) => RULES.find((r) => r.id === id)!;

/** A queue policy in each form a stack can hold it. */
const publicStatement = { Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "arn:aws:sqs:::q" };
function queuePolicyStack(policy: unknown, data: TfJson = {}): TfJson {
  return {
    data,
    resource: {
      aws_sqs_queue: { q: { name: "q", sqs_managed_sse_enabled: true } },
      aws_sqs_queue_policy: { p: { queue_url: "${aws_sqs_queue.q.url}", policy } },
    },
  };
}

describe("reading policies in every form", () => {
  test.each([
    ["an aws_iam_policy_document data source", "${data.aws_iam_policy_document.d.json}"],
    ["inline JSON text", JSON.stringify({ Version: "2012-10-17", Statement: [publicStatement] })],
    [
      "jsonencode",
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", "Principal" = "*", "Action" = "sqs:SendMessage", "Resource" = aws_sqs_queue.q.arn}]})}',
    ],
  ])("finds a public queue statement written as %s", async (_, policy) => {
    const data = {
      aws_iam_policy_document: {
        d: {
          statement: [
            { effect: "Allow", principals: [{ type: "*", identifiers: ["*"] }], actions: ["sqs:SendMessage"] },
          ],
        },
      },
    };
    const stack = await loadStack(queuePolicyStack(policy, data));
    expect(rule("CKV_AWS_168").check(stack)).toEqual([
      { subject: "aws_sqs_queue_policy.p", message: "aws_sqs_queue_policy.p: policy statement (no sid) is public" },
    ]);
  });

  test("reads the statements of a document's source and override documents", async () => {
    const stack = await loadStack({
      data: {
        aws_iam_policy_document: {
          base: {
            statement: [
              { sid: "Open", effect: "Allow", actions: ["sqs:*"], principals: [{ type: "AWS", identifiers: ["*"] }] },
            ],
          },
          d: {
            source_policy_documents: ["${data.aws_iam_policy_document.base.json}"],
            statement: [
              { sid: "Own", effect: "Deny", actions: ["sqs:*"], principals: [{ type: "*", identifiers: ["*"] }] },
            ],
          },
        },
      },
      resource: queuePolicyStack("${data.aws_iam_policy_document.d.json}").resource,
    });
    const site = policySites(stack).find((s) => s.subject === "aws_sqs_queue_policy.p")!;
    expect(site.policy).toEqual({
      statements: [expect.objectContaining({ sid: "Open" }), expect.objectContaining({ sid: "Own" })],
    });
  });

  test("reports a policy it cannot read instead of passing it", async () => {
    const stack = await loadStack(queuePolicyStack("${var.queue_policy}"));
    expect(rule("CKV_AWS_168").check(stack)).toEqual([
      {
        subject: "aws_sqs_queue_policy.p",
        message: "aws_sqs_queue_policy.p: policy: a policy Terraform computes at plan time (${var.queue_policy})",
      },
    ]);
  });
});

describe("a wildcard principal and the conditions that limit it (policyuniverse's test, as Checkov runs it)", () => {
  test('is public with no condition, as {"AWS": "*"}, {"Service": "*"} or an ARN in any account', () => {
    for (const principal of ["*", { AWS: "*" }, { Service: "*" }, { AWS: "arn:aws:iam::*:root" }]) {
      expect(isPublic(statement({ ...publicStatement, Principal: principal }))).toBe(true);
    }
  });

  test("is not public when aws:SourceArn names one topic", () => {
    const limited = statement({
      ...publicStatement,
      Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t" } },
    });
    expect(conditionsLimitPrincipal(limited)).toBe(true);
    expect(isPublic(limited)).toBe(false);
  });

  test("is not public when aws:SourceAccount or aws:PrincipalOrgID names an account or organization", () => {
    for (const condition of [
      { StringEquals: { "aws:SourceAccount": "111122223333" } },
      { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } },
    ]) {
      expect(isPublic(statement({ ...publicStatement, Condition: condition }))).toBe(false);
    }
  });

  test("stays public under a negated operator, a wildcard value or a key that limits nobody", () => {
    for (const condition of [
      { StringNotEquals: { "aws:SourceAccount": "111122223333" } },
      { ArnLike: { "aws:SourceArn": "arn:aws:sns:us-east-1:*:t" } },
      { Bool: { "aws:SecureTransport": "true" } },
      { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } },
    ]) {
      expect(isPublic(statement({ ...publicStatement, Condition: condition }))).toBe(true);
    }
  });

  test("a Deny is never public, and a named service principal is not a wildcard", () => {
    expect(isPublic(statement({ ...publicStatement, Effect: "Deny" }))).toBe(false);
    expect(isPublic(statement({ ...publicStatement, Principal: { Service: "sns.amazonaws.com" } }))).toBe(false);
  });

  test("NotPrincipal is public unless a condition limits it", () => {
    const { Principal: _principal, ...rest } = publicStatement;
    expect(isPublic(statement({ ...rest, NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } }))).toBe(true);
  });
});

describe("a public bucket policy (CKV_AWS_70 credits fewer conditions than policyuniverse)", () => {
  const bucketStack = (condition: TfJson): TfJson => ({
    resource: {
      aws_s3_bucket: { b: { bucket: "b" } },
      aws_s3_bucket_policy: {
        p: {
          bucket: "${aws_s3_bucket.b.id}",
          policy: JSON.stringify({ Statement: [{ ...publicStatement, Action: "s3:GetObject", Condition: condition }] }),
        },
      },
    },
  });

  test("fails a wildcard principal limited only by aws:SourceAccount, which Checkov's CKV_AWS_70 does not credit", async () => {
    const stack = await loadStack(bucketStack({ StringEquals: { "aws:SourceAccount": "111122223333" } }));
    expect(rule("CKV_AWS_70").check(stack)).toHaveLength(1);
  });

  test("passes a wildcard principal limited to one source ARN or one VPC endpoint", async () => {
    for (const condition of [
      { ArnEquals: { "aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1" } },
      { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } },
    ]) {
      expect(rule("CKV_AWS_70").check(await loadStack(bucketStack(condition)))).toEqual([]);
    }
  });
});

describe("actions on every resource", () => {
  test('counts every action on Resource "*" but X-Ray\'s trace APIs, and NotAction', () => {
    expect(
      unconstrainedActions(
        statement({ Effect: "Allow", Action: ["xray:PutTraceSegments", "sqs:SendMessage"], Resource: "*" }),
      ),
    ).toEqual(["sqs:SendMessage"]);
    expect(unconstrainedActions(statement({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }))).toEqual([
      "NotAction iam:*",
    ]);
  });

  test("counts nothing on named resources, or without a Resource (a trust policy)", () => {
    expect(unconstrainedActions(statement({ Effect: "Allow", Action: "sqs:*", Resource: "arn:aws:sqs:::q" }))).toEqual(
      [],
    );
    expect(unconstrainedActions(statement({ Effect: "Allow", Action: "sts:AssumeRole" }))).toEqual([]);
  });
});

describe("AWS-managed policies attached in any way (CKV_AWS_274)", () => {
  const admin = "arn:aws:iam::aws:policy/AdministratorAccess";
  test.each([
    ["aws_iam_policy_attachment", { name: "a", roles: ["r"], policy_arn: admin }],
    ["aws_iam_role_policy_attachment", { role: "r", policy_arn: admin }],
    ["aws_iam_user_policy_attachment", { user: "u", policy_arn: admin }],
    ["aws_iam_group_policy_attachment", { group: "g", policy_arn: admin }],
    ["aws_iam_role", { name: "r", assume_role_policy: "{}", managed_policy_arns: [admin] }],
  ])("fails %s", async (type, body) => {
    const stack = await loadStack({ resource: { [type]: { x: body } } });
    expect(rule("CKV_AWS_274").check(stack)).toHaveLength(1);
  });

  test("passes a customer-managed policy", async () => {
    const stack = await loadStack({
      resource: {
        aws_iam_role_policy_attachment: { x: { role: "r", policy_arn: "arn:aws:iam::111122223333:policy/orders" } },
      },
    });
    expect(rule("CKV_AWS_274").check(stack)).toEqual([]);
  });
});
