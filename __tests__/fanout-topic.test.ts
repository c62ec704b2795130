import { DefaultTokenResolver, StringConcat, TerraformVariable, Tokenization } from "cdktf";
import { Construct } from "constructs";
import {
  EncryptionKey,
  FanoutTopic,
  FilterPolicyScope,
  Grant,
  ITopic,
  QueueSubscriptionOptions,
  QueueWithDlq,
} from "../constructs";
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

  test("subscribes with a filter policy on the message body", () => {
    const tf = synthConstructs((scope) => {
      const topic = new FanoutTopic(scope, "T", { topicName: "t" });
      topic.subscribeQueue(new QueueWithDlq(scope, "Q", { queueName: "q" }), {
        filterPolicy: { currency: ["USD"] },
        filterPolicyScope: "MessageBody",
      });
    });
    expect(onlyResource(tf, "aws_sns_topic_subscription")).toMatchObject({
      filter_policy: '{"currency":["USD"]}',
      filter_policy_scope: "MessageBody",
    });
  });

  test("writes a filter policy that holds a Terraform reference through jsonencode, valid in the HCL output too", () => {
    const tf = synthConstructs((scope) => {
      const store = new TerraformVariable(scope, "store", { type: "string" });
      new FanoutTopic(scope, "T", { topicName: "t" }).subscribeQueue(new QueueWithDlq(scope, "Q", { queueName: "q" }), {
        filterPolicy: { store: [store.stringValue] },
      });
    });
    expect(onlyResource(tf, "aws_sns_topic_subscription").filter_policy).toBe('${jsonencode({"store" = [var.store]})}');
  });

  test("writes a filter policy given as JSON text around a Terraform reference as that text", () => {
    const tf = synthConstructs((scope) => {
      const store = new TerraformVariable(scope, "store", { type: "string" });
      new FanoutTopic(scope, "T", { topicName: "t" }).subscribeQueue(new QueueWithDlq(scope, "Q", { queueName: "q" }), {
        filterPolicy: `{"store":["${store.stringValue}"]}`,
      });
    });
    expect(onlyResource(tf, "aws_sns_topic_subscription").filter_policy).toBe('{"store":["${var.store}"]}');
  });

  test("takes a filter policy as JSON text, leaving the scope to SNS's default", () => {
    const tf = synthConstructs((scope) => {
      const topic = new FanoutTopic(scope, "T", { topicName: "t" });
      topic.subscribeQueue(new QueueWithDlq(scope, "Q", { queueName: "q" }), { filterPolicy: '{"kind":["b"]}' });
    });
    const subscription = onlyResource(tf, "aws_sns_topic_subscription");
    expect([subscription.filter_policy, subscription.filter_policy_scope]).toEqual(['{"kind":["b"]}', undefined]);
  });
});

describe("FanoutTopic with several subscribers", () => {
  let tf: TfJson;
  let grants: Grant[];
  beforeAll(() => {
    grants = [];
    tf = synthConstructs((scope) => {
      const orders = new FanoutTopic(scope, "OrderTopic", { topicName: "p-OrderTopic" });
      const audit = new FanoutTopic(scope, "AuditTopic", { topicName: "p-AuditTopic" });
      const encryptionKey = new EncryptionKey(scope, "QueueKey", { alias: "p-queues", description: "queues" });
      const main = new QueueWithDlq(scope, "OrderQueue", { queueName: "p-OrderQueue", encryptionKey });
      const usd = new QueueWithDlq(scope, "UsdQueue", { queueName: "p-UsdQueue", encryptionKey });
      grants.push(orders.subscribeQueue(main).grant);
      grants.push(
        orders.subscribeQueue(usd, { filterPolicy: { currency: ["USD"] }, filterPolicyScope: "MessageBody" }).grant,
      );
      grants.push(audit.subscribeQueue(main).grant);
    });
  });

  const queuePolicyOf = (name: string): TfJson[] => {
    const queueId = idWhere(tf, "aws_sqs_queue", "name", name);
    const policy = Object.values(resourcesOf(tf, "aws_sqs_queue_policy")).find(
      (p) => p.queue_url === `\${aws_sqs_queue.${queueId}.url}`,
    )!;
    return statementsOf(tf, policy.policy);
  };

  test("admits each topic to each queue it delivers to with a statement id derived from the topic", () => {
    expect([queuePolicyOf("p-OrderQueue"), queuePolicyOf("p-UsdQueue")].map((s) => s.map((x) => x.sid))).toEqual([
      ["DenyInsecureTransport", "AllowSnsSendFromOrderTopic", "AllowSnsSendFromAuditTopic"],
      ["DenyInsecureTransport", "AllowSnsSendFromOrderTopic"],
    ]);
  });

  test("lets SNS use the key the two queues share once per topic", () => {
    const key = onlyResource(tf, "aws_kms_key");
    expect(
      statementsOf(tf, key.policy)
        .map((s) => s.sid)
        .filter((sid) => sid.startsWith("AllowSns")),
    ).toEqual(["AllowSnsDeliveryFromOrderTopic", "AllowSnsDeliveryFromAuditTopic"]);
  });

  test("returns what each subscription granted: the queue-policy and key-policy statements", () => {
    expect(
      grants.map((g) => [g.resourceStatements.map((s) => s.sid), g.principalStatements, g.pendingStatements]),
    ).toEqual([
      [["AllowSnsSendFromOrderTopic", "AllowSnsDeliveryFromOrderTopic"], [], []],
      [["AllowSnsSendFromOrderTopic", "AllowSnsDeliveryFromOrderTopic"], [], []],
      [["AllowSnsSendFromAuditTopic", "AllowSnsDeliveryFromAuditTopic"], [], []],
    ]);
  });

  test("creates one subscription per topic and queue, each named after its queue", () => {
    expect(
      Object.keys(resourcesOf(tf, "aws_sns_topic_subscription"))
        .map((id) => id.split("_").slice(0, 2).join("_"))
        .sort(),
    ).toEqual([
      "AuditTopic_SubscriptionOrderQueue",
      "OrderTopic_SubscriptionOrderQueue",
      "OrderTopic_SubscriptionUsdQueue",
    ]);
  });
});

describe("FanoutTopic.fromTopicArn", () => {
  const topicArn = "arn:aws:sns:us-east-1:111122223333:shared-orders";
  let tf: TfJson;
  let topic: ITopic;
  beforeAll(() => {
    tf = synthConstructs((scope) => {
      topic = FanoutTopic.fromTopicArn(scope, "SharedTopic", topicArn);
      topic.subscribeQueue(new QueueWithDlq(scope, "Q", { queueName: "q" }));
    });
  });

  test("subscribes a queue to the existing topic by its ARN, creating no topic and no topic policy", () => {
    expect(onlyResource(tf, "aws_sns_topic_subscription")).toMatchObject({ topic_arn: topicArn, protocol: "sqs" });
    expect([resourcesOf(tf, "aws_sns_topic"), resourcesOf(tf, "aws_sns_topic_policy")]).toEqual([{}, {}]);
  });

  test("lets only that topic send to the queue", () => {
    const queueId = idWhere(tf, "aws_sqs_queue", "name", "q");
    const policy = Object.values(resourcesOf(tf, "aws_sqs_queue_policy")).find(
      (p) => p.queue_url === `\${aws_sqs_queue.${queueId}.url}`,
    )!;
    expect(statementsOf(tf, policy.policy)[1]).toMatchObject({
      sid: "AllowSnsSendFromSharedTopic",
      condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [topicArn] }],
    });
  });

  test("lists the subscription it made, as a topic of ours does", () => {
    expect(topic.subscriptions).toHaveLength(1);
  });

  test("knows the topic's name from its ARN and adds nothing to a policy it does not own", () => {
    expect([topic.topicName, topic.addToResourcePolicy({ effect: "Allow", actions: ["sns:Publish"] })]).toEqual([
      "shared-orders",
      false,
    ]);
  });

  test("rejects a value that is not an SNS topic ARN, cut when long", () => {
    const arn = `arn:aws:sqs:us-east-1:111122223333:${"q".repeat(200)}`;
    expect(synthError((scope) => FanoutTopic.fromTopicArn(scope, "T", arn))).toBe(
      "Invalid FanoutTopic.fromTopicArn props at stack/T:\n" +
        "  - topicArn must be an ARN such as arn:aws:sns:us-east-1:111122223333:orders-dev-OrderTopic " +
        `(given ${JSON.stringify(arn).slice(0, 120)}... (${arn.length + 2} characters))`,
    );
  });
});

describe("FanoutTopic subscribing an imported queue", () => {
  test("returns the queue-policy and key-policy statements the queue's owner must add, and writes no queue policy", () => {
    let grant: Grant | undefined;
    const tf = synthConstructs((scope) => {
      const queue = QueueWithDlq.fromQueueArn(scope, "Shared", "arn:aws:sqs:us-east-1:111122223333:shared", {
        encryptionKeyArn: "arn:aws:kms:us-east-1:111122223333:key/abc",
      });
      // Resolved as Terraform will read them: each read of the topic's ARN is a token of its own.
      grant = Tokenization.resolve(new FanoutTopic(scope, "T", { topicName: "t" }).subscribeQueue(queue).grant, {
        scope,
        resolver: new DefaultTokenResolver(new StringConcat()),
        preparing: false,
      });
    });
    expect(resourcesOf(tf, "aws_sqs_queue_policy")).toEqual({});
    expect(onlyResource(tf, "aws_sns_topic_subscription").endpoint).toBe("arn:aws:sqs:us-east-1:111122223333:shared");
    const fromTopic = [
      {
        test: "ArnEquals",
        variable: "aws:SourceArn",
        values: [expect.stringMatching(/^\$\{aws_sns_topic\.T_Topic_\w+\.arn\}$/)],
      },
    ];
    expect([grant!.resourceStatements, grant!.pendingStatements]).toEqual([
      [],
      [
        {
          sid: "AllowSnsSendFromT",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
          actions: ["sqs:SendMessage"],
          resources: ["arn:aws:sqs:us-east-1:111122223333:shared"],
          condition: fromTopic,
        },
        {
          sid: "AllowSnsDeliveryFromT",
          effect: "Allow",
          principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: ["*"],
          condition: fromTopic,
        },
      ],
    ]);
  });

  test("makes the subscription wait on nothing, as the queue's policy is its owner's", () => {
    const tf = synthConstructs((scope) => {
      const queue = QueueWithDlq.fromQueueArn(scope, "Shared", "arn:aws:sqs:us-east-1:111122223333:shared");
      new FanoutTopic(scope, "T", { topicName: "t" }).subscribeQueue(queue);
    });
    expect(Object.keys(onlyResource(tf, "aws_sns_topic_subscription"))).not.toContain("depends_on");
  });

  test("returns only the send statement for a queue without a customer key", () => {
    let grant: Grant | undefined;
    synthConstructs((scope) => {
      const queue = QueueWithDlq.fromQueueArn(scope, "Shared", "arn:aws:sqs:us-east-1:111122223333:shared");
      grant = new FanoutTopic(scope, "T", { topicName: "t" }).subscribeQueue(queue).grant;
    });
    expect(grant!.pendingStatements.map((s) => s.sid)).toEqual(["AllowSnsSendFromT"]);
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
  const subscribeWith = (options: QueueSubscriptionOptions) => (scope: Construct) =>
    new FanoutTopic(scope, "T", { topicName: "t" }).subscribeQueue(
      new QueueWithDlq(scope, "Q", { queueName: "q" }),
      options,
    );

  test("rejects a second subscription of one queue to one topic, which SNS refuses at deploy", () => {
    expect(
      errorOf((scope) => {
        const topic = new FanoutTopic(scope, "T", { topicName: "t" });
        const queue = new QueueWithDlq(scope, "Q", { queueName: "q" });
        topic.subscribeQueue(queue, { filterPolicy: { kind: ["a"] } });
        topic.subscribeQueue(queue, { filterPolicy: { kind: ["b"] } });
      }),
    ).toBe(
      'stack/T: the queue stack/Q is already subscribed to this topic, and SNS keeps one subscription per topic and queue; give the one subscription a filter policy that combines both with "$or"',
    );
  });

  test("rejects a filter policy that is not JSON", () => {
    expect(errorOf(subscribeWith({ filterPolicy: "currency=USD" }))).toBe(
      "Invalid subscribeQueue props at stack/T:\n" +
        '  - filterPolicy must be a JSON object naming at least one attribute, such as {"currency":["USD"]} (given "currency=USD")',
    );
  });

  test("rejects a filter policy that is a JSON array, an empty object or a JSON string", () => {
    for (const filterPolicy of ['["USD"]', "{}", '"USD"']) {
      expect(errorOf(subscribeWith({ filterPolicy }))).toContain(
        `filterPolicy must be a JSON object naming at least one attribute, such as {"currency":["USD"]} (given ${JSON.stringify(filterPolicy)})`,
      );
    }
  });

  test("rejects a filter policy scope SNS does not know", () => {
    expect(
      errorOf(subscribeWith({ filterPolicy: { currency: ["USD"] }, filterPolicyScope: "Body" as FilterPolicyScope })),
    ).toBe(
      'Invalid subscribeQueue props at stack/T:\n  - filterPolicyScope must be one of "MessageAttributes", "MessageBody" (given "Body")',
    );
  });

  test("rejects a filter policy scope without a filter policy", () => {
    expect(errorOf(subscribeWith({ filterPolicyScope: "MessageBody" }))).toBe(
      'Invalid subscribeQueue props at stack/T:\n  - filterPolicyScope applies only with a filterPolicy (given filterPolicyScope "MessageBody" and no filterPolicy)',
    );
  });

  test("rejects a topic name with a dot", () => {
    expect(errorOf((scope) => new FanoutTopic(scope, "T", { topicName: "orders.dev" }))).toBe(
      'Invalid FanoutTopic props at stack/T:\n  - topicName must be 1-256 characters of letters, digits, - and _ (given "orders.dev", 10 characters)',
    );
  });

  test("adds a statement to its own topic policy and reports that it did", () => {
    let added: boolean | undefined;
    const tf = synthConstructs((scope) => {
      const topic = new FanoutTopic(scope, "T", { topicName: "t" });
      added = topic.addToResourcePolicy({ sid: "A", effect: "Allow", actions: ["sns:Publish"], resources: ["*"] });
    });
    const policy = onlyResource(tf, "aws_sns_topic_policy");
    expect([added, statementsOf(tf, policy.policy).map((s) => s.sid)]).toEqual([true, ["DenyInsecureTransport", "A"]]);
  });

  test("accepts a display name of 100 characters and writes it on the topic", () => {
    const displayName = "d".repeat(100);
    const tf = synthConstructs((scope) => new FanoutTopic(scope, "T", { topicName: "t", displayName }));
    expect(onlyResource(tf, "aws_sns_topic").display_name).toBe(displayName);
  });

  test("rejects a display name over 100 characters", () => {
    const displayName = "d".repeat(101);
    expect(errorOf((scope) => new FanoutTopic(scope, "T", { topicName: "t", displayName }))).toContain(
      `displayName must be at most 100 characters (given "${displayName}", 101 characters)`,
    );
  });
});
