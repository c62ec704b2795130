import { Construct } from "constructs";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { QUEUE_DEFAULTS, SQS_LIMITS, SQS_QUEUE_NAME, denyInsecureTransportCondition } from "./defaults";
import { EncryptionKey } from "./encryption-key";
import { IGrantable, PolicyDocument, PolicyStatement, jsonAttribute } from "./policy";
import { PropsValidator, isResolved, quote } from "./validation";

/** The dead-letter queue's settings. */
export interface DeadLetterQueueOptions {
  /**
   * Physical name of the DLQ: 1-80 characters of letters, digits, - and _.
   * @default `${queueName}DLQ`
   */
  readonly queueName?: string;
  /**
   * How long the DLQ keeps a message, 60-1209600 seconds. Must be longer than the
   * source queue's retention: a standard queue keeps a message's original enqueue
   * time when it moves, so a shorter DLQ retention silently deletes failures.
   * @default 1209600 (14 days)
   */
  readonly messageRetentionSeconds?: number;
}

export interface QueueWithDlqProps {
  /** Physical name of the queue: 1-80 characters of letters, digits, - and _. Derive it from the stack prefix. */
  readonly queueName: string;
  /**
   * Visibility timeout, 0-43200 seconds. A queue that feeds Lambda needs at least
   * 6 x the function timeout plus the batching window (`SqsLambda` checks it).
   * @default 180
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * How long the queue keeps a message, 60-1209600 seconds.
   * @default 345600 (4 days)
   */
  readonly messageRetentionSeconds?: number;
  /**
   * Long-polling wait, 0-20 seconds.
   * @default 20
   */
  readonly receiveWaitTimeSeconds?: number;
  /**
   * Receives after which a message moves to the DLQ, 1-1000. Only meaningful with a DLQ.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * The dead-letter queue, or `false` for none (then `maxReceiveCount` must not be given).
   * @default a DLQ named `${queueName}DLQ` keeping messages 14 days
   */
  readonly deadLetterQueue?: DeadLetterQueueOptions | false;
  /**
   * A customer-managed key for both queues. Subscribing the queue to a topic
   * (`FanoutTopic.subscribeQueue`) adds SNS's use of it to its key policy, for that topic only;
   * consumers get `kms:Decrypt` through SQS (`grantConsume`). (Never the AWS-managed
   * `alias/aws/sqs`: its policy cannot admit SNS, which then drops every delivery.)
   * @default SQS-managed server-side encryption (SSE-SQS)
   */
  readonly encryptionKey?: EncryptionKey;
}

/**
 * A standard SQS queue with a dead-letter queue: redrive after `maxReceiveCount`
 * receives, a redrive-allow policy on the DLQ that admits only this queue,
 * encryption SNS can deliver into, and a TLS-only policy on both queues.
 * Integrations add statements with `addToResourcePolicy`: one policy per queue.
 */
export class QueueWithDlq extends Construct {
  /** The source queue. */
  public readonly queue: SqsQueue;
  /** The dead-letter queue, unless it was turned off. */
  public readonly deadLetterQueue?: SqsQueue;
  /** The source queue's only `aws_sqs_queue_policy`. */
  public readonly queuePolicy: SqsQueuePolicy;
  /** The DLQ's only `aws_sqs_queue_policy`. */
  public readonly deadLetterQueuePolicy?: SqsQueuePolicy;
  /** The DLQ's redrive-allow policy (a separate resource: inline it would make the two queues reference each other). */
  public readonly redriveAllowPolicy?: SqsQueueRedriveAllowPolicy;
  /** The resolved settings, for consumers that check against them (`SqsLambda`). */
  public readonly visibilityTimeoutSeconds: number;
  public readonly maxReceiveCount?: number;
  /** The customer-managed key, when one encrypts the queues. */
  public readonly encryptionKey?: EncryptionKey;

  private readonly policyDocument: PolicyDocument;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    const dlqOptions = props.deadLetterQueue === false ? undefined : (props.deadLetterQueue ?? {});
    const settings = {
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds ?? QUEUE_DEFAULTS.visibilityTimeoutSeconds,
      messageRetentionSeconds: props.messageRetentionSeconds ?? QUEUE_DEFAULTS.messageRetentionSeconds,
      receiveWaitTimeSeconds: props.receiveWaitTimeSeconds ?? QUEUE_DEFAULTS.receiveWaitTimeSeconds,
      maxReceiveCount: props.maxReceiveCount ?? QUEUE_DEFAULTS.maxReceiveCount,
      deadLetterQueueName: dlqOptions?.queueName ?? `${props.queueName}${QUEUE_DEFAULTS.deadLetterNameSuffix}`,
      deadLetterRetentionSeconds: dlqOptions?.messageRetentionSeconds ?? QUEUE_DEFAULTS.deadLetterRetentionSeconds,
    };
    validate(this.node.path, props, dlqOptions, settings);

    this.visibilityTimeoutSeconds = settings.visibilityTimeoutSeconds;
    this.encryptionKey = props.encryptionKey;
    const encryption = props.encryptionKey
      ? { kmsMasterKeyId: props.encryptionKey.arn }
      : { sqsManagedSseEnabled: true };

    if (dlqOptions) {
      this.maxReceiveCount = settings.maxReceiveCount;
      this.deadLetterQueue = new SqsQueue(this, "DeadLetterQueue", {
        name: settings.deadLetterQueueName,
        messageRetentionSeconds: settings.deadLetterRetentionSeconds,
        ...encryption,
      });
    }

    this.queue = new SqsQueue(this, "Queue", {
      name: props.queueName,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      messageRetentionSeconds: settings.messageRetentionSeconds,
      receiveWaitTimeSeconds: settings.receiveWaitTimeSeconds,
      redrivePolicy: this.deadLetterQueue
        ? jsonAttribute({
            deadLetterTargetArn: this.deadLetterQueue.arn,
            maxReceiveCount: settings.maxReceiveCount,
          })
        : undefined,
      ...encryption,
    });

    this.policyDocument = new PolicyDocument(this, "QueuePolicyDocument", [denyInsecureTransport(this.queue)]);
    this.queuePolicy = new SqsQueuePolicy(this, "QueuePolicy", {
      queueUrl: this.queue.url,
      policy: this.policyDocument.json,
    });

    if (this.deadLetterQueue) {
      // Only the source queue may move messages into this DLQ (and redrive them back).
      this.redriveAllowPolicy = new SqsQueueRedriveAllowPolicy(this, "RedriveAllowPolicy", {
        queueUrl: this.deadLetterQueue.url,
        redriveAllowPolicy: jsonAttribute({
          redrivePermission: "byQueue",
          sourceQueueArns: [this.queue.arn],
        }),
      });
      const dlqDocument = new PolicyDocument(this, "DeadLetterQueuePolicyDocument", [
        denyInsecureTransport(this.deadLetterQueue),
      ]);
      this.deadLetterQueuePolicy = new SqsQueuePolicy(this, "DeadLetterQueuePolicy", {
        queueUrl: this.deadLetterQueue.url,
        policy: dlqDocument.json,
      });
    }
  }

  /** Adds a statement to the source queue's one policy document. */
  public addToResourcePolicy(statement: PolicyStatement): void {
    this.policyDocument.addStatements(statement);
  }

  /**
   * Gives `grantee` what a consumer (an event source mapping) uses on the source queue:
   * receive, delete and read attributes, and `kms:Decrypt` through SQS when a customer key
   * encrypts the queue.
   */
  public grantConsume(grantee: IGrantable): void {
    const name = this.node.id.replace(/[^A-Za-z0-9]/g, "");
    grantee.addToRolePolicy({
      sid: `Consume${name}`,
      effect: "Allow",
      actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      resources: [this.queue.arn],
    });
    this.encryptionKey?.grantDecrypt(grantee, "sqs", `Decrypt${name}`);
  }
}

/** Rejects any request that does not use TLS. */
function denyInsecureTransport(queue: SqsQueue): PolicyStatement {
  return {
    sid: "DenyInsecureTransport",
    effect: "Deny",
    principals: [{ type: "*", identifiers: ["*"] }],
    actions: ["sqs:*"],
    resources: [queue.arn],
    condition: [denyInsecureTransportCondition()],
  };
}

function validate(
  path: string,
  props: QueueWithDlqProps,
  dlqOptions: DeadLetterQueueOptions | undefined,
  settings: {
    visibilityTimeoutSeconds: number;
    messageRetentionSeconds: number;
    receiveWaitTimeSeconds: number;
    maxReceiveCount: number;
    deadLetterQueueName: string;
    deadLetterRetentionSeconds: number;
  },
): void {
  const v = new PropsValidator("QueueWithDlq", path);
  const { visibilityTimeoutSeconds: vis, messageRetentionSeconds: ret, receiveWaitTimeSeconds: wait } = SQS_LIMITS;
  v.name("queueName", props.queueName, SQS_QUEUE_NAME)
    .integerInRange("visibilityTimeoutSeconds", props.visibilityTimeoutSeconds, vis.min, vis.max)
    .integerInRange("messageRetentionSeconds", props.messageRetentionSeconds, ret.min, ret.max)
    .integerInRange("receiveWaitTimeSeconds", props.receiveWaitTimeSeconds, wait.min, wait.max);
  if (!dlqOptions) {
    v.expect(
      props.maxReceiveCount === undefined,
      `maxReceiveCount applies only with a dead-letter queue, but deadLetterQueue is false (given maxReceiveCount ${quote(props.maxReceiveCount)})`,
    );
  } else {
    v.integerInRange(
      "maxReceiveCount",
      props.maxReceiveCount,
      SQS_LIMITS.maxReceiveCount.min,
      SQS_LIMITS.maxReceiveCount.max,
    )
      .name("deadLetterQueue.queueName", settings.deadLetterQueueName, SQS_QUEUE_NAME)
      .integerInRange("deadLetterQueue.messageRetentionSeconds", dlqOptions.messageRetentionSeconds, ret.min, ret.max);
    if (isResolved(settings.deadLetterRetentionSeconds) && isResolved(settings.messageRetentionSeconds)) {
      v.expect(
        settings.deadLetterRetentionSeconds > settings.messageRetentionSeconds,
        `deadLetterQueue.messageRetentionSeconds must be longer than messageRetentionSeconds, because a message ` +
          `keeps its original enqueue time in the DLQ (given ${settings.deadLetterRetentionSeconds} and ${settings.messageRetentionSeconds})`,
      );
    }
    if (isResolved(props.queueName) && isResolved(settings.deadLetterQueueName)) {
      v.expect(
        settings.deadLetterQueueName !== props.queueName,
        `deadLetterQueue.queueName must differ from queueName (given ${quote(props.queueName)} for both)`,
      );
    }
  }
  v.throwIfInvalid();
}
