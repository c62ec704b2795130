import { App, TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { KMS_KEY_ARN, SNS_TOPIC_ARN, SQS_QUEUE_ARN, dnsSuffixOf, splitArn } from "../constructs/arns";

// The rules an imported ARN must follow (constructs/arns.ts), and how an ARN is read: the constructs
// that import a topic, a queue or a key by ARN check it against these rules and split it for its
// region, account and name.

describe("the ARN rules", () => {
  const rules = { SNS_TOPIC_ARN, SQS_QUEUE_ARN, KMS_KEY_ARN };
  const valid: Record<keyof typeof rules, string[]> = {
    SNS_TOPIC_ARN: [
      "arn:aws:sns:us-east-1:111122223333:orders-dev-OrderTopic",
      "arn:aws-cn:sns:cn-north-1:111122223333:orders",
      "arn:aws-us-gov:sns:us-gov-west-1:111122223333:orders.fifo",
      `arn:aws:sns:eu-west-1:111122223333:${"t".repeat(256)}`,
    ],
    SQS_QUEUE_ARN: [
      "arn:aws:sqs:us-east-1:111122223333:orders-dev-OrderQueue",
      "arn:aws-cn:sqs:cn-north-1:111122223333:orders",
      "arn:aws-us-gov:sqs:us-gov-west-1:111122223333:orders.fifo",
      `arn:aws:sqs:eu-west-1:111122223333:${"q".repeat(80)}`,
    ],
    KMS_KEY_ARN: [
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd",
      "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd",
    ],
  };
  const invalid: Record<keyof typeof rules, string[]> = {
    SNS_TOPIC_ARN: [
      " arn:aws:sns:us-east-1:111122223333:orders",
      "arn:aws:sns:us-east-1:111122223333:orders ",
      "xarn:aws:sns:us-east-1:111122223333:orders",
      "arn:aws:sns:us-east-1:111122223333:orders/x",
      "arn:aws:sns:us-east-1:11112222333:orders",
      "arn:aws:sqs:us-east-1:111122223333:orders",
      "arn:aws1:sns:us-east-1:111122223333:orders",
      `arn:aws:sns:eu-west-1:111122223333:${"t".repeat(257)}`,
    ],
    SQS_QUEUE_ARN: [
      " arn:aws:sqs:us-east-1:111122223333:orders",
      "arn:aws:sqs:us-east-1:111122223333:orders ",
      "arn:aws:sqs:us-east-1:111122223333:orders:extra",
      "arn:aws:sns:us-east-1:111122223333:orders",
      "arn:aws1:sqs:us-east-1:111122223333:orders",
      `arn:aws:sqs:eu-west-1:111122223333:${"q".repeat(81)}`,
    ],
    KMS_KEY_ARN: [
      " arn:aws:kms:us-east-1:111122223333:key/1234abcd",
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd ",
      "arn:aws:kms:us-east-1:111122223333:alias/orders",
      "arn:aws1:kms:us-east-1:111122223333:key/1234abcd",
      "arn:aws:kms:us-east-1:111122223333:key/",
    ],
  };

  test.each(Object.keys(rules) as (keyof typeof rules)[])(
    "%s accepts every partition's ARN and its longest name",
    (name) => {
      expect(valid[name].filter((arn) => !rules[name].pattern.test(arn))).toEqual([]);
    },
  );

  test.each(Object.keys(rules) as (keyof typeof rules)[])(
    "%s refuses text around the ARN, another service, a bad partition and a name too long",
    (name) => {
      expect(invalid[name].filter((arn) => rules[name].pattern.test(arn))).toEqual([]);
    },
  );

  test.each(Object.keys(rules) as (keyof typeof rules)[])("%s's example follows the rule it illustrates", (name) => {
    expect(rules[name].pattern.test(rules[name].example)).toBe(true);
  });
});

describe("splitArn", () => {
  test("reads the six parts of a known ARN, a resource with colons kept whole", () => {
    expect(splitArn("arn:aws-cn:sqs:cn-north-1:111122223333:a:b")).toEqual({
      partition: "aws-cn",
      service: "sqs",
      region: "cn-north-1",
      account: "111122223333",
      resource: "a:b",
    });
  });

  test("gives empty parts for the parts a short text lacks", () => {
    expect([splitArn("arn:aws"), splitArn("arn")]).toEqual([
      { partition: "aws", service: "", region: "", account: "", resource: "" },
      { partition: "", service: "", region: "", account: "", resource: "" },
    ]);
  });

  test("turns an ARN known only at plan time into Terraform expressions that split it", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "arns");
    const arn = new TerraformVariable(stack, "topic_arn", { type: "string" }).stringValue;
    const parts = splitArn(arn);
    for (const [name, value] of Object.entries(parts)) new TerraformOutput(stack, name, { value });
    const outputs = JSON.parse(Testing.synth(stack)).output;
    expect(
      Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, (o as { value: string }).value])),
    ).toEqual({
      partition: '${element(split(":", var.topic_arn), 1)}',
      service: '${element(split(":", var.topic_arn), 2)}',
      region: '${element(split(":", var.topic_arn), 3)}',
      account: '${element(split(":", var.topic_arn), 4)}',
      resource: '${element(split(":", var.topic_arn), 5)}',
    });
  });
});

describe("dnsSuffixOf", () => {
  test("gives amazonaws.com.cn in the China partition and amazonaws.com elsewhere", () => {
    expect(["aws-cn", "aws", "aws-us-gov"].map(dnsSuffixOf)).toEqual([
      "amazonaws.com.cn",
      "amazonaws.com",
      "amazonaws.com",
    ]);
  });

  test("looks a partition known only at plan time up in Terraform, amazonaws.com by default", () => {
    const app = new App({ stackTraces: false });
    const stack = new TerraformStack(app, "suffix");
    const partition = new TerraformVariable(stack, "partition", { type: "string" }).stringValue;
    new TerraformOutput(stack, "suffix", { value: dnsSuffixOf(partition) });
    expect(JSON.parse(Testing.synth(stack)).output.suffix.value).toBe(
      '${lookup({"aws-cn" = "amazonaws.com.cn"}, var.partition, "amazonaws.com")}',
    );
  });
});
