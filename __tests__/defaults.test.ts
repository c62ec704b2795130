import {
  AWS_ACCOUNT_ID,
  AWS_REGION,
  DASHBOARD_NAME,
  DYNAMODB_TABLE_NAME,
  EMAIL_ADDRESS,
  IAM_PRINCIPAL_ARN,
  IAM_ROLE_ARN,
  KMS_KEY_REFERENCE,
  LAMBDA_FUNCTION_NAME,
  S3_BUCKET_NAME,
  S3_KEY_PREFIX,
  SNS_TOPIC_NAME,
  SQS_QUEUE_NAME,
  roleAccountProblem,
} from "../constructs/defaults";
import { configurationFromEnv } from "../stacks/app";

// The patterns constructs/defaults.ts defines once for every layer (the constructs' props, the
// environments file, the backend settings): what each accepts and what it refuses, text around a
// valid value included (a pattern that lost an anchor accepts that).

const patterns: Record<string, { pattern: RegExp; accepts: string[]; refuses: string[] }> = {
  AWS_ACCOUNT_ID: {
    pattern: AWS_ACCOUNT_ID,
    accepts: ["111122223333", "000000000000"],
    refuses: ["11112222333", "1111222233334", "x111122223333", "111122223333x", "1111-2222-3333"],
  },
  AWS_REGION: {
    pattern: AWS_REGION,
    accepts: ["eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-4"],
    refuses: ["eu-west", "EU-WEST-1", "xeu-west-1", "eu-west-1x", "eu-west-12", "euwest-1"],
  },
  IAM_ROLE_ARN: {
    pattern: IAM_ROLE_ARN,
    accepts: [
      "arn:aws:iam::111122223333:role/deploy",
      "arn:aws-cn:iam::111122223333:role/ci/deploy",
      "arn:aws-us-gov:iam::111122223333:role/a+b=c,d.e@f-g_h",
    ],
    refuses: [
      " arn:aws:iam::111122223333:role/deploy",
      "arn:aws:iam::111122223333:role/deploy ",
      "arn:aws:iam::111122223333:user/deploy",
      "arn:aws:iam::11112222333:role/deploy",
      "arn:aws-x:iam::111122223333:role/deploy",
      "arn:aws:iam::111122223333:role/",
      `arn:aws:iam::111122223333:role/${"r".repeat(513)}`,
    ],
  },
  IAM_PRINCIPAL_ARN: {
    pattern: IAM_PRINCIPAL_ARN,
    accepts: [
      "arn:aws:iam::111122223333:root",
      "arn:aws:iam::111122223333:user/alice",
      "arn:aws-cn:iam::111122223333:role/admins/key-admin",
    ],
    refuses: [
      " arn:aws:iam::111122223333:root",
      "arn:aws:iam::111122223333:root ",
      "arn:aws:iam::111122223333:group/admins",
      "arn:aws:iam::111122223333:rootx",
      "arn:aws:sts::111122223333:assumed-role/admin/alice",
    ],
  },
  KMS_KEY_REFERENCE: {
    pattern: KMS_KEY_REFERENCE,
    accepts: [
      "alias/orders-state",
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab",
      "arn:aws-cn:kms:cn-north-1:111122223333:alias/orders/state",
    ],
    refuses: [
      " alias/orders-state",
      "alias/orders state",
      "alias/",
      "1234abcd-12ab",
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd ",
      "xarn:aws:kms:us-east-1:111122223333:key/1234abcd",
      "arn:aws:kms:us-east-1:111122223333:grant/1234abcd",
    ],
  },
  EMAIL_ADDRESS: {
    pattern: EMAIL_ADDRESS,
    accepts: ["oncall@example.com", "a.b+orders@mail.example.co.uk"],
    refuses: ["oncall@example", "on call@example.com", "oncall@@example.com", "@example.com", "oncall@example.com "],
  },
  SQS_QUEUE_NAME: {
    pattern: SQS_QUEUE_NAME.pattern,
    accepts: ["orders-dev_OrderQueue"],
    refuses: ["orders.dev", " orders", "orders "],
  },
  SNS_TOPIC_NAME: {
    pattern: SNS_TOPIC_NAME.pattern,
    accepts: ["orders-dev_OrderTopic"],
    refuses: ["orders.dev", " a", "a "],
  },
  DYNAMODB_TABLE_NAME: {
    pattern: DYNAMODB_TABLE_NAME.pattern,
    accepts: ["orders-dev_Orders.v2"],
    refuses: ["orders dev", " abc", "abc ", "orders/dev"],
  },
  DASHBOARD_NAME: {
    pattern: DASHBOARD_NAME.pattern,
    accepts: ["orders-dev_Pipeline"],
    refuses: ["orders.dev", " a", "a "],
  },
  LAMBDA_FUNCTION_NAME: {
    pattern: LAMBDA_FUNCTION_NAME.pattern,
    accepts: ["orders-dev_ProcessOrderLambda"],
    refuses: ["orders.dev", " a", "a "],
  },
  S3_BUCKET_NAME: {
    pattern: S3_BUCKET_NAME.pattern,
    accepts: ["orders-state.111122223333", "abc"],
    refuses: ["Orders-state", "-orders", "orders-", ".orders", "orders.", "orders_state", " abc", "abc "],
  },
  S3_KEY_PREFIX: {
    pattern: S3_KEY_PREFIX.pattern,
    accepts: ["orders", "orders/dev", "team!_.*'()-/state"],
    refuses: ["/orders", "orders/", "orders//dev", "orders dev", "orders/dev "],
  },
};

describe("the patterns defined once in constructs/defaults.ts", () => {
  test.each(Object.keys(patterns))("%s accepts its valid values", (name) => {
    const { pattern, accepts } = patterns[name];
    expect(accepts.filter((value) => !pattern.test(value))).toEqual([]);
  });

  test.each(Object.keys(patterns))(
    "%s refuses text around a valid value and the characters it does not allow",
    (name) => {
      const { pattern, refuses } = patterns[name];
      expect(refuses.filter((value) => pattern.test(value))).toEqual([]);
    },
  );
});

describe("roleAccountProblem", () => {
  test("accepts a role in the pinned account, and leaves a text that is no role ARN to that rule's own message", () => {
    expect([
      roleAccountProblem("arn:aws:iam::111122223333:role/deploy", "111122223333"),
      roleAccountProblem("not-an-arn", "111122223333"),
    ]).toEqual([undefined, undefined]);
  });

  test("names the pinned account and quotes the role of another account", () => {
    expect(roleAccountProblem("arn:aws-cn:iam::444455556666:role/ci/deploy", "111122223333")).toBe(
      "roleArn must name a role in account 111122223333, the account the provider is pinned to " +
        '(given "arn:aws-cn:iam::444455556666:role/ci/deploy")',
    );
  });
});

describe("a setting held to a name rule", () => {
  test("is refused in the rule's own words: ORDERS_STATE_KEY_PREFIX starting with /", () => {
    expect(() => configurationFromEnv({ ORDERS_STATE_KEY_PREFIX: "/orders" })).toThrow(
      "Invalid configuration:\n  - ORDERS_STATE_KEY_PREFIX must be an S3 key prefix: 1-512 characters of letters, digits " +
        `and ! - _ . * ' ( ) /, not starting or ending with / and without // (given "/orders")`,
    );
  });
});
