import { Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SNS_TOPIC_ARN, splitArn } from "./arns";
import { SERVICE_SEND_KEY_ACTIONS, SNS_TOPIC_NAME, TOPIC_DEFAULTS, denyInsecureTransportCondition } from "./defaults";
import { EncryptionKey } from "./encryption-key";
import { Grant, PolicyDocument, PolicyStatement, jsonAttribute, statementId } from "./policy";
import { IQueueWithDlq } from "./queue-with-dlq";
import { PropsValidator, quote, quoteCut } from "./validation";

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

/** What an SNS filter policy matches: the message attributes (SNS's default) or the message body. */
export const FILTER_POLICY_SCOPES = ["MessageAttributes", "MessageBody"] as const;
export type FilterPolicyScope = (typeof FILTER_POLICY_SCOPES)[number];

/** An SNS filter policy: attribute (or body field) names mapped to the values that pass. */
export type FilterPolicy = Readonly<Record<string, unknown>>;

/** Options for `subscribeQueue`. */
export interface QueueSubscriptionOptions {
  /**
   * Deliver the message body as published, without SNS's JSON notification envelope.
   * The order function accepts both shapes, so either setting is safe.
   * @default false (the SNS envelope)
   */
  readonly rawMessageDelivery?: boolean;
  /**
   * SNS filter policy: a JSON object, given as an object (`{ currency: ["USD"] }`) or as its JSON text.
   * @default none (every message)
   */
  readonly filterPolicy?: FilterPolicy | string;
  /**
   * What `filterPolicy` matches: `MessageAttributes` or `MessageBody` (the published message's own
   * JSON fields, e.g. an order's `currency`). Only with a `filterPolicy`.
   * @default "MessageAttributes" (SNS's default)
   */
  readonly filterPolicyScope?: FilterPolicyScope;
}

/** One queue subscribed to a topic: the subscription, the queue, and what subscribing granted. */
export interface QueueSubscription {
  readonly subscription: SnsTopicSubscription;
  readonly queue: IQueueWithDlq;
  /**
   * The queue-policy statement that lets SNS send for this topic only, and, for a queue encrypted
   * with a customer key, the key-policy statement that lets SNS use the key for this topic only
   * (`resourceStatements`; `pendingStatements` for an imported queue, whose owner must add them).
   */
  readonly grant: Grant;
}

/**
 * A topic that queues subscribe to: created by `FanoutTopic`, or an existing one imported with
 * `FanoutTopic.fromTopicArn`. Integrations take this interface, as aws-cdk's take `ITopic`.
 */
export interface ITopic extends IConstruct {
  readonly topicArn: string;
  readonly topicName: string;
  /** The customer key of this app that encrypts the topic, when one does. */
  readonly encryptionKey?: EncryptionKey;
  /** Queue subscriptions made through `subscribeQueue`, in order. */
  readonly subscriptions: readonly QueueSubscription[];
  /**
   * Subscribes `queue` and adds, to that queue's one policy, the statement that lets
   * `sns.amazonaws.com` send only on behalf of this topic; for a queue encrypted with a customer key
   * of this app, its key policy gets SNS's use of the key for this topic only (without it SNS drops
   * every delivery, silently). Statement ids derive from the topic's path, so a second subscriber,
   * a second topic of the same queue and two queues on one key all compose. One queue is subscribed
   * to one topic once: SNS refuses a second subscription of it with other attributes (combine
   * filters with `$or`).
   */
  subscribeQueue(queue: IQueueWithDlq, options?: QueueSubscriptionOptions): QueueSubscription;
  /**
   * Adds a statement to the topic's one policy; false, adding nothing, when the topic is imported
   * (an `aws_sns_topic_policy` here would replace its owner's policy).
   */
  addToResourcePolicy(statement: PolicyStatement): boolean;
}

/**
 * An SNS topic, KMS-encrypted, with a topic policy that denies publishing without
 * TLS. `subscribeQueue` subscribes a queue and writes the queue-policy statement
 * that lets this topic, and only this topic, send to it.
 */
export class FanoutTopic extends Construct implements ITopic {
  /**
   * An existing topic, by ARN (e.g. an organisation's shared event topic): queues subscribe to it
   * as to a created one. Its policy is not written here: the topic's owner must let this account
   * subscribe (SNS allows the topic's own account by default).
   */
  public static fromTopicArn(scope: Construct, id: string, topicArn: string): ITopic {
    return new ImportedTopic(scope, id, topicArn);
  }

  public readonly topic: SnsTopic;
  public readonly topicPolicy: SnsTopicPolicy;
  public readonly subscriptions: QueueSubscription[] = [];
  /** The customer-managed key, when one encrypts the topic. */
  public readonly encryptionKey?: EncryptionKey;
  private readonly policyDocument: PolicyDocument;

  constructor(scope: Construct, id: string, props: FanoutTopicProps) {
    super(scope, id);
    new PropsValidator("FanoutTopic", this.node.path)
      .name("topicName", props.topicName, SNS_TOPIC_NAME)
      .expect(
        props.displayName === undefined || props.displayName.length <= 100,
        `displayName must be at most 100 characters (given ${quoteCut(props.displayName)}, ${props.displayName?.length} characters)`,
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

  public get topicArn(): string {
    return this.topic.arn;
  }

  public get topicName(): string {
    return this.topic.name;
  }

  /** Adds a statement to the topic's one policy document (e.g. letting CloudWatch publish alarms). */
  public addToResourcePolicy(statement: PolicyStatement): boolean {
    this.policyDocument.addStatements(statement);
    return true;
  }

  public subscribeQueue(queue: IQueueWithDlq, options: QueueSubscriptionOptions = {}): QueueSubscription {
    const subscription = subscribe(this, queue, options);
    this.subscriptions.push(subscription);
    return subscription;
  }
}

/** An existing topic (`FanoutTopic.fromTopicArn`): its name follows from the ARN. */
class ImportedTopic extends Construct implements ITopic {
  public readonly topicName: string;
  public readonly encryptionKey?: EncryptionKey = undefined;
  public readonly subscriptions: QueueSubscription[] = [];

  constructor(
    scope: Construct,
    id: string,
    public readonly topicArn: string,
  ) {
    super(scope, id);
    new PropsValidator("FanoutTopic.fromTopicArn", this.node.path)
      .arn("topicArn", topicArn, SNS_TOPIC_ARN)
      .throwIfInvalid();
    this.topicName = splitArn(topicArn).resource;
  }

  public addToResourcePolicy(): boolean {
    return false;
  }

  public subscribeQueue(queue: IQueueWithDlq, options: QueueSubscriptionOptions = {}): QueueSubscription {
    const subscription = subscribe(this, queue, options);
    this.subscriptions.push(subscription);
    return subscription;
  }
}

/** The one implementation of `ITopic.subscribeQueue`, for created and imported topics alike. */
function subscribe(topic: ITopic, queue: IQueueWithDlq, options: QueueSubscriptionOptions): QueueSubscription {
  const filterPolicy = filterPolicyText(topic, options);
  if (topic.subscriptions.some((s) => s.queue === queue)) {
    // AWS answers a second Subscribe of one endpoint to one topic with other attributes with
    // "Subscription already exists with different attributes"; with the same ones, it returns the
    // first subscription, which two Terraform resources would then both manage.
    throw new Error(
      `${topic.node.path}: the queue ${queue.node.path} is already subscribed to this topic, and SNS keeps one ` +
        `subscription per topic and queue; give the one subscription a filter policy that combines both with "$or"`,
    );
  }
  if (queue.encryptionKey !== undefined && queue.encryptionKey === topic.encryptionKey) {
    // The key policy would name the topic, which names the key: a dependency cycle.
    throw new Error(
      `${topic.node.path}: the topic and the subscribed queue ${queue.node.path} must not share a customer key ` +
        `(given ${queue.encryptionKey.node.path} for both); give each its own EncryptionKey`,
    );
  }

  const sendStatement: PolicyStatement = {
    sid: statementId("AllowSnsSendFrom", topic),
    effect: "Allow",
    principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
    actions: ["sqs:SendMessage"],
    resources: [queue.queueArn],
    condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [topic.topicArn] }],
  };
  const resourceStatements: PolicyStatement[] = [];
  const pendingStatements: PolicyStatement[] = [];
  (queue.addToResourcePolicy(sendStatement) ? resourceStatements : pendingStatements).push(sendStatement);
  const keyUse = { service: "sns.amazonaws.com", actions: SERVICE_SEND_KEY_ACTIONS, sourceArn: topic.topicArn };
  const keySid = statementId("AllowSnsDeliveryFrom", topic);
  if (queue.encryptionKey !== undefined) {
    resourceStatements.push(queue.encryptionKey.allowServicePrincipal(keyUse, keySid));
  } else if (queue.encryptionKeyArn !== undefined) {
    // An imported key: its owner must let SNS use it for this topic.
    pendingStatements.push({
      sid: keySid,
      effect: "Allow",
      principals: [{ type: "Service", identifiers: [keyUse.service] }],
      actions: [...keyUse.actions],
      resources: ["*"],
      condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [keyUse.sourceArn] }],
    });
  }

  const id = `Subscription${statementId("", queue)}`;
  const subscription = new SnsTopicSubscription(topic, id, {
    topicArn: topic.topicArn,
    protocol: "sqs",
    endpoint: queue.queueArn,
    rawMessageDelivery: options.rawMessageDelivery ?? TOPIC_DEFAULTS.rawMessageDelivery,
    filterPolicy,
    filterPolicyScope: options.filterPolicyScope,
    // Deliveries fail until the queue policy (and the queue's key policy) admit this topic.
    dependsOn: queue.policyDependables.length > 0 ? [...queue.policyDependables] : undefined,
  });
  return { subscription, queue, grant: { principalStatements: [], resourceStatements, pendingStatements } };
}

/** The filter policy as JSON text, after checking it is a JSON object and its scope one SNS knows. */
function filterPolicyText(topic: ITopic, options: QueueSubscriptionOptions): string | undefined {
  const { filterPolicy, filterPolicyScope } = options;
  const v = new PropsValidator("subscribeQueue", topic.node.path).oneOf(
    "filterPolicyScope",
    filterPolicyScope,
    FILTER_POLICY_SCOPES,
  );
  v.expect(
    filterPolicyScope === undefined || filterPolicy !== undefined,
    `filterPolicyScope applies only with a filterPolicy (given filterPolicyScope ${quote(filterPolicyScope)} and no filterPolicy)`,
  );
  let text = typeof filterPolicy === "string" ? filterPolicy : JSON.stringify(filterPolicy);
  if (typeof filterPolicy === "object" && filterPolicy !== null && Token.isUnresolved(text)) {
    // References inside: JSON text around them would break `cdktf synth --hcl`.
    text = jsonAttribute(filterPolicy);
  }
  if (filterPolicy !== undefined && !Token.isUnresolved(text)) {
    const value = parsed(text);
    const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
    v.expect(
      isObject && Object.keys(value).length > 0,
      `filterPolicy must be a JSON object naming at least one attribute, such as {"currency":["USD"]} ` +
        `(given ${quoteCut(text)})`,
    );
  }
  v.throwIfInvalid();
  return filterPolicy === undefined ? undefined : text;
}

/** The JSON value of `text`, or undefined when it is not JSON. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
