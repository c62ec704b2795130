import { EncryptionKey, FanoutTopic, QueueWithDlq } from "../constructs";
import { TfJson, idWhere, onlyResource, resourcesOf, statementsOf, synthConstructs, synthError } from "./support/tf";

const errorOf = synthError;

describe("FanoutTopic with a subscribed queue", () => {
  let tf: TfJson;
  let topicId: string;
  let queueId: string;
  beforeAll(() => {
    tf = synthConstructs((scope) => {
      const topic = new FanoutTopic(scope, "OrderTopic", { topicName: "p-OrderTopic" });
      const queue = new QueueWithDlq(scope, "OrderQueue", { queueName: "p-OrderQueue" });
      topic.subscribeQueue(queue);
    });
    topicId = idWhere(tf, "aws_sns_topic", "name", "p-OrderTopic");
    queueId = idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueue");
  });

  test("encrypts the topic with the AWS-managed SNS key by default", () => {
    expect(onlyResource(tf, "aws_sns_topic").kms_master_key_id).toBe("alias/aws/sns");
  });

  test("denies publishing without TLS in the topic policy", () => {
    const policy = onlyResource(tf, "aws_sns_topic_policy");
    expect(policy.arn).toBe(`\${aws_sns_topic.${topicId}.arn}`);
    expect(statementsOf(tf, policy.policy)).toEqual([
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["sns:Publish"],
        resources: [`\${aws_sns_topic.${topicId}.arn}`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
  });

  test("subscribes the queue with the SNS envelope by default", () => {
    const subscription = onlyResource(tf, "aws_sns_topic_subscription");
    expect(subscription).toMatchObject({
      topic_arn: `\${aws_sns_topic.${topicId}.arn}`,
      protocol: "sqs",
      endpoint: `\${aws_sqs_queue.${queueId}.arn}`,
      raw_message_delivery: false,
    });
  });

  test("lets only this topic send to the queue, in the queue's one policy", () => {
    const policy = Object.values(resourcesOf(tf, "aws_sqs_queue_policy")).find(
      (p) => p.queue_url === `\${aws_sqs_queue.${queueId}.url}`,
    )!;
    expect(statementsOf(tf, policy.policy)).toContainEqual({
      sid: "AllowSnsSendFromOrderTopic",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
      actions: ["sqs:SendMessage"],
      resources: [`\${aws_sqs_queue.${queueId}.arn}`],
      condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [`\${aws_sns_topic.${topicId}.arn}`] }],
    });
  });

  test("creates the subscription after the queue policy that admits the topic", () => {
    const policyId = Object.entries(resourcesOf(tf, "aws_sqs_queue_policy")).find(
      ([, p]) => p.queue_url === `\${aws_sqs_queue.${queueId}.url}`,
    )![0];
    expect(onlyResource(tf, "aws_sns_topic_subscription").depends_on).toEqual([`aws_sqs_queue_policy.${policyId}`]);
  });
});

describe("FanoutTopic overrides", () => {
  test("encrypts the topic with the given customer-managed key", () => {
    const tf = synthConstructs(
      (scope) =>
        new FanoutTopic(scope, "T", {
          topicName: "t",
          encryptionKey: new EncryptionKey(scope, "K", { alias: "t", description: "t" }),
        }),
    );
    expect(onlyResource(tf, "aws_sns_topic").kms_master_key_id).toBe(
      `\${aws_kms_key.${Object.keys(resourcesOf(tf, "aws_kms_key"))[0]}.arn}`,
    );
  });

  test("turns on raw message delivery when asked", () => {
    const tf = synthConstructs((scope) => {
      const topic = new FanoutTopic(scope, "T", { topicName: "t" });
      topic.subscribeQueue(new QueueWithDlq(scope, "Q", { queueName: "q" }), { rawMessageDelivery: true });
    });
    expect(onlyResource(tf, "aws_sns_topic_subscription").raw_message_delivery).toBe(true);
  });

  test("admits a queue subscribed twice (with another filter) with one statement", () => {
    const tf = synthConstructs((scope) => {
      const topic = new FanoutTopic(scope, "T", { topicName: "t" });
      const queue = new QueueWithDlq(scope, "Q", { queueName: "q" });
      topic.subscribeQueue(queue);
      topic.subscribeQueue(queue, { filterPolicy: '{"kind":["b"]}' });
    });
    const policy = Object.values(resourcesOf(tf, "aws_sqs_queue_policy")).find((p) => p.queue_url.includes("Q_Queue"))!;
    expect(statementsOf(tf, policy.policy).map((s) => s.sid)).toEqual(["DenyInsecureTransport", "AllowSnsSendFromT"]);
    expect(Object.keys(resourcesOf(tf, "aws_sns_topic_subscription"))).toHaveLength(2);
  });
});

describe("FanoutTopic subscribing a queue encrypted with a customer-managed key", () => {
  let tf: TfJson;
  let topicArn: string;
  let keyId: string;
  beforeAll(() => {
    tf = synthConstructs((scope) => {
      const topic = new FanoutTopic(scope, "OrderTopic", { topicName: "p-OrderTopic" });
      const encryptionKey = new EncryptionKey(scope, "QueueKey", { alias: "p-OrderQueue", description: "queues" });
      topic.subscribeQueue(new QueueWithDlq(scope, "OrderQueue", { queueName: "p-OrderQueue", encryptionKey }));
    });
    topicArn = `\${aws_sns_topic.${idWhere(tf, "aws_sns_topic", "name", "p-OrderTopic")}.arn}`;
    keyId = Object.keys(resourcesOf(tf, "aws_kms_key"))[0];
  });

  test("lets SNS generate data keys and decrypt with the queue's key for this topic only, or SNS drops every delivery", () => {
    expect(statementsOf(tf, resourcesOf(tf, "aws_kms_key")[keyId].policy)).toContainEqual({
      sid: "AllowSnsDeliveryFromOrderTopic",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: ["*"],
      condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [topicArn] }],
    });
  });

  test("creates the subscription after the key policy that admits SNS", () => {
    expect(onlyResource(tf, "aws_sns_topic_subscription").depends_on).toContain(`aws_kms_key.${keyId}`);
  });

  test("refuses a key shared by the topic and the queue (a dependency cycle)", () => {
    expect(
      errorOf((scope) => {
        const encryptionKey = new EncryptionKey(scope, "K", { alias: "k", description: "k" });
        const topic = new FanoutTopic(scope, "T", { topicName: "t", encryptionKey });
        topic.subscribeQueue(new QueueWithDlq(scope, "Q", { queueName: "q", encryptionKey }));
      }),
    ).toBe(
      "stack/T: the topic and the subscribed queue stack/Q must not share a customer key (given stack/K for both); give each its own EncryptionKey",
    );
  });
});

describe("FanoutTopic validation", () => {
  test("rejects a topic name with a dot", () => {
    expect(errorOf((scope) => new FanoutTopic(scope, "T", { topicName: "orders.dev" }))).toBe(
      'Invalid FanoutTopic props at stack/T:\n  - topicName must be 1-256 characters of letters, digits, - and _ (given "orders.dev", 10 characters)',
    );
  });

  test("rejects a display name over 100 characters", () => {
    const displayName = "d".repeat(101);
    expect(errorOf((scope) => new FanoutTopic(scope, "T", { topicName: "t", displayName }))).toContain(
      `displayName must be at most 100 characters (given "${displayName}", 101 characters)`,
    );
  });
});
