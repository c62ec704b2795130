import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SERVICE_SEND_KEY_ACTIONS, SNS_TOPIC_NAME, TOPIC_DEFAULTS, denyInsecureTransportCondition } from "./defaults";
import { EncryptionKey } from "./encryption-key";
import { PolicyDocument, PolicyStatement } from "./policy";
import { QueueWithDlq } from "./queue-with-dlq";
import { PropsValidator, quote } from "./validation";

export interface FanoutTopicProps {
  /** Physical name of the topic: 1-256 characters of letters, digits, - and _. Derive it from the stack prefix. */
  readonly topicName: string;
  /**
   * A customer-managed key that encrypts messages at rest. A topic that CloudWatch alarms publish
   * to needs one whose policy admits `cloudwatch.amazonaws.com`; publishers need its use through SNS.
   * @default the AWS-managed SNS key (`alias/aws/sns`)
   */
  readonly encryptionKey?: EncryptionKey;
  /**
   * Human-readable name shown in SMS and e-mail deliveries, at most 100 characters.
   * @default none
   */
  readonly displayName?: string;
}

/** Options for `FanoutTopic.subscribeQueue`. */
export interface QueueSubscriptionOptions {
  /**
   * Deliver the message body as published, without SNS's JSON notification envelope.
   * The order function accepts both shapes, so either setting is safe.
   * @default false (the SNS envelope)
   */
  readonly rawMessageDelivery?: boolean;
  /**
   * SNS filter policy, as a JSON string.
   * @default none (every message)
   */
  readonly filterPolicy?: string;
}

/**
 * An SNS topic, KMS-encrypted, with a topic policy that denies publishing without
 * TLS. `subscribeQueue` subscribes a queue and writes the queue-policy statement
 * that lets this topic, and only this topic, send to it.
 */
export class FanoutTopic extends Construct {
  public readonly topic: SnsTopic;
  public readonly topicPolicy: SnsTopicPolicy;
  /** Subscriptions created by `subscribeQueue`, in order. */
  public readonly subscriptions: SnsTopicSubscription[] = [];
  /** The customer-managed key, when one encrypts the topic. */
  public readonly encryptionKey?: EncryptionKey;
  private readonly policyDocument: PolicyDocument;
  private readonly admittedQueues = new Set<QueueWithDlq>();

  constructor(scope: Construct, id: string, props: FanoutTopicProps) {
    super(scope, id);
    new PropsValidator("FanoutTopic", this.node.path)
      .name("topicName", props.topicName, SNS_TOPIC_NAME)
      .expect(
        props.displayName === undefined || props.displayName.length <= 100,
        `displayName must be at most 100 characters (given ${quote(props.displayName)}, ${props.displayName?.length} characters)`,
      )
      .throwIfInvalid();

    this.encryptionKey = props.encryptionKey;
    this.topic = new SnsTopic(this, "Topic", {
      name: props.topicName,
      displayName: props.displayName,
      kmsMasterKeyId: props.encryptionKey?.arn ?? TOPIC_DEFAULTS.kmsMasterKeyId,
    });
    this.policyDocument = new PolicyDocument(this, "TopicPolicyDocument", [
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["sns:Publish"],
        resources: [this.topic.arn],
        condition: [denyInsecureTransportCondition()],
      },
    ]);
    this.topicPolicy = new SnsTopicPolicy(this, "TopicPolicy", {
      arn: this.topic.arn,
      policy: this.policyDocument.json,
    });
  }

  /** Adds a statement to the topic's one policy document (e.g. letting CloudWatch publish alarms). */
  public addToResourcePolicy(statement: PolicyStatement): void {
    this.policyDocument.addStatements(statement);
  }

  /**
   * Subscribes `target`'s source queue to this topic and adds, to that queue's one
   * policy, the statement that lets `sns.amazonaws.com` send only on behalf of this topic.
   * When a customer key encrypts the queue, its key policy gets SNS's use of it for this
   * topic only (`aws:SourceArn`): without it SNS drops every delivery, silently.
   */
  public subscribeQueue(target: QueueWithDlq, options: QueueSubscriptionOptions = {}): SnsTopicSubscription {
    const index = this.subscriptions.length;
    if (target.encryptionKey !== undefined && target.encryptionKey === this.encryptionKey) {
      // The key policy would name the topic, which names the key: a dependency cycle.
      throw new Error(
        `${this.node.path}: the topic and the subscribed queue ${target.node.path} must not share a customer key ` +
          `(given ${target.encryptionKey.node.path} for both); give each its own EncryptionKey`,
      );
    }
    // One statement per queue: a second subscription of the same queue (another filter) needs no more access.
    if (!this.admittedQueues.has(target)) {
      this.admittedQueues.add(target);
      const name = this.node.id.replace(/[^A-Za-z0-9]/g, "");
      target.encryptionKey?.allowServicePrincipal(
        { service: "sns.amazonaws.com", actions: SERVICE_SEND_KEY_ACTIONS, sourceArn: this.topic.arn },
        `AllowSnsDeliveryFrom${name}`,
      );
      target.addToResourcePolicy({
        // IAM sids are alphanumeric.
        sid: `AllowSnsSendFrom${name}`,
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
        actions: ["sqs:SendMessage"],
        resources: [target.queue.arn],
        condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [this.topic.arn] }],
      });
    }
    const subscription = new SnsTopicSubscription(this, `Subscription${target.node.id}${index === 0 ? "" : index}`, {
      topicArn: this.topic.arn,
      protocol: "sqs",
      endpoint: target.queue.arn,
      rawMessageDelivery: options.rawMessageDelivery ?? TOPIC_DEFAULTS.rawMessageDelivery,
      filterPolicy: options.filterPolicy,
      // Deliveries fail until the queue policy (and the queue's key policy) admit this topic.
      dependsOn: [target.queuePolicy, ...(target.encryptionKey ? [target.encryptionKey.key] : [])],
    });
    this.subscriptions.push(subscription);
    return subscription;
  }
}
