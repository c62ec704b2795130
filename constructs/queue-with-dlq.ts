import { ITerraformDependable } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { KMS_KEY_ARN, SQS_QUEUE_ARN, dnsSuffixOf, splitArn } from "./arns";
import { QUEUE_DEFAULTS, SQS_LIMITS, SQS_QUEUE_NAME, denyInsecureTransportCondition } from "./defaults";
import { EncryptionKey, keyStatement } from "./encryption-key";
import {
  Grant,
  IGrantable,
  PolicyDocument,
  PolicyStatement,
  combineGrants,
  jsonAttribute,
  principalGrant,
  statementId,
} from "./policy";
import { PropsValidator, isResolved, quote } from "./validation";

/**
 * A queue (with its dead-letter queue, when it has one) that a topic delivers to, a function
 * consumes and alarms watch: created by `QueueWithDlq`, or an existing one imported with
 * `QueueWithDlq.fromQueueArn`. Integrations take this interface, as aws-cdk's take `IQueue`.
 */
export interface IQueueWithDlq extends IConstruct {
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly queueName: string;
  /** The dead-letter queue, when the queue has one (and, imported, when it was named). */
  readonly deadLetterQueueArn?: string;
  readonly deadLetterQueueUrl?: string;
  readonly deadLetterQueueName?: string;
  /** Receives after which a message moves to the dead-letter queue, when known. */
  readonly maxReceiveCount?: number;
  /** The visibility timeout in seconds, when known (a consumer checks it against its timeout). */
  readonly visibilityTimeoutSeconds?: number;
  /** The customer key of this app that encrypts the queue: subscribing adds SNS's use to its policy. */
  readonly encryptionKey?: EncryptionKey;
  /** ARN of the customer key that encrypts the queue, when one does (a consumer needs kms:Decrypt on it). */
  readonly encryptionKeyArn?: string;
  /** What a sender's subscription must be created after: the queue policy and key that admit it. */
  readonly policyDependables: readonly ITerraformDependable[];
  /**
   * Adds a statement to the queue's one policy; false, adding nothing, when the queue is imported
   * (its policy belongs to whoever owns the queue: a second `aws_sqs_queue_policy` would replace it).
   */
  addToResourcePolicy(statement: PolicyStatement): boolean;
  /** Gives `grantee` what an event source mapping uses on the queue; returns the statements. */
  grantConsume(grantee: IGrantable): Grant;
}

/** What is known of an existing queue imported by ARN (`QueueWithDlq.fromQueueArn`). */
export interface ImportedQueueOptions {
  /**
   * ARN of the queue's dead-letter queue, so that alarms can watch it.
   * @default unknown: no alarm can watch the DLQ
   */
  readonly deadLetterQueueArn?: string;
  /**
   * The queue's maxReceiveCount, 1-1000, when `deadLetterQueueArn` is given.
   * @default unknown
   */
  readonly maxReceiveCount?: number;
  /**
   * The queue's visibility timeout, 0-43200 seconds: a consumer checks it against its own timeout.
   * @default unknown: the check is skipped
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * ARN of the customer-managed KMS key that encrypts the queue (a key ARN, not an alias). Consumers
   * get `kms:Decrypt` on it through SQS. Its key policy is not changed here: a topic that delivers
   * needs a statement there too (`subscribeQueue` returns it as pending).
   * @default SSE-SQS or no encryption: no key permission is needed
   */
  readonly encryptionKeyArn?: string;
}

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
export class QueueWithDlq extends Construct implements IQueueWithDlq {
  /**
   * An existing queue, by ARN: topics subscribe it and functions consume it like a created one, but
   * its policy is not written here (see `IQueueWithDlq.addToResourcePolicy`).
   */
  public static fromQueueArn(
    scope: Construct,
    id: string,
    queueArn: string,
    options: ImportedQueueOptions = {},
  ): IQueueWithDlq {
    return new ImportedQueue(scope, id, queueArn, options);
  }

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

  public get queueArn(): string {
    return this.queue.arn;
  }

  public get queueUrl(): string {
    return this.queue.url;
  }

  public get queueName(): string {
    return this.queue.name;
  }

  public get deadLetterQueueArn(): string | undefined {
    return this.deadLetterQueue?.arn;
  }

  public get deadLetterQueueUrl(): string | undefined {
    return this.deadLetterQueue?.url;
  }

  public get deadLetterQueueName(): string | undefined {
    return this.deadLetterQueue?.name;
  }

  public get encryptionKeyArn(): string | undefined {
    return this.encryptionKey?.arn;
  }

  public get policyDependables(): readonly ITerraformDependable[] {
    return [this.queuePolicy, ...(this.encryptionKey ? [this.encryptionKey.key] : [])];
  }

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

  /** Adds a statement to the source queue's one policy document (an identical one is kept once). */
  public addToResourcePolicy(statement: PolicyStatement): boolean {
    this.policyDocument.addStatements(statement);
    return true;
  }

  /**
   * Gives `grantee` what a consumer (an event source mapping) uses on the source queue:
   * receive, delete and read attributes, and `kms:Decrypt` through SQS when a customer key
   * encrypts the queue. Statement ids derive from this construct's path, so one grantee may
   * consume several queues.
   */
  public grantConsume(grantee: IGrantable): Grant {
    return combineGrants(
      principalGrant(grantee, [consumeStatement(this)]),
      ...(this.encryptionKey ? [this.encryptionKey.grantDecrypt(grantee, "sqs", statementId("Decrypt", this))] : []),
    );
  }
}

/** Receive, delete and read attributes on `queue` only: what an event source mapping uses. */
function consumeStatement(queue: IQueueWithDlq): PolicyStatement {
  return {
    sid: statementId("Consume", queue),
    effect: "Allow",
    actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
    resources: [queue.queueArn],
  };
}

/** An existing queue (`QueueWithDlq.fromQueueArn`): name and URL follow from the ARN. */
class ImportedQueue extends Construct implements IQueueWithDlq {
  public readonly queueArn: string;
  public readonly queueUrl: string;
  public readonly queueName: string;
  public readonly deadLetterQueueArn?: string;
  public readonly deadLetterQueueUrl?: string;
  public readonly deadLetterQueueName?: string;
  public readonly maxReceiveCount?: number;
  public readonly visibilityTimeoutSeconds?: number;
  public readonly encryptionKeyArn?: string;
  public readonly encryptionKey?: EncryptionKey = undefined;
  public readonly policyDependables: readonly ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, queueArn: string, options: ImportedQueueOptions) {
    super(scope, id);
    const { visibilityTimeoutSeconds: vis, maxReceiveCount: receives } = SQS_LIMITS;
    const v = new PropsValidator("QueueWithDlq.fromQueueArn", this.node.path)
      .arn("queueArn", queueArn, SQS_QUEUE_ARN)
      .arn("deadLetterQueueArn", options.deadLetterQueueArn, SQS_QUEUE_ARN)
      .integerInRange("maxReceiveCount", options.maxReceiveCount, receives.min, receives.max)
      .integerInRange("visibilityTimeoutSeconds", options.visibilityTimeoutSeconds, vis.min, vis.max)
      .arn("encryptionKeyArn", options.encryptionKeyArn, KMS_KEY_ARN);
    v.expect(
      options.maxReceiveCount === undefined || options.deadLetterQueueArn !== undefined,
      `maxReceiveCount applies only with a deadLetterQueueArn (given maxReceiveCount ${quote(options.maxReceiveCount)} and no deadLetterQueueArn)`,
    ).throwIfInvalid();

    this.queueArn = queueArn;
    ({ name: this.queueName, url: this.queueUrl } = nameAndUrl(queueArn));
    if (options.deadLetterQueueArn !== undefined) {
      this.deadLetterQueueArn = options.deadLetterQueueArn;
      ({ name: this.deadLetterQueueName, url: this.deadLetterQueueUrl } = nameAndUrl(options.deadLetterQueueArn));
    }
    this.maxReceiveCount = options.maxReceiveCount;
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
    this.encryptionKeyArn = options.encryptionKeyArn;
  }

  public addToResourcePolicy(): boolean {
    return false;
  }

  public grantConsume(grantee: IGrantable): Grant {
    const statements = [consumeStatement(this)];
    if (this.encryptionKeyArn !== undefined) {
      statements.push(keyStatement(this, statementId("Decrypt", this), ["kms:Decrypt"], this.encryptionKeyArn, "sqs"));
    }
    return principalGrant(grantee, statements);
  }
}

/** A queue's name and URL (`https://sqs.<region>.<suffix>/<account>/<name>`) from its ARN. */
function nameAndUrl(arn: string): { name: string; url: string } {
  const parts = splitArn(arn);
  return {
    name: parts.resource,
    url: `https://sqs.${parts.region}.${dnsSuffixOf(parts.partition)}/${parts.account}/${parts.resource}`,
  };
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
    // Not only for resolved names: one reference given for both is one name, whatever it resolves to.
    v.expect(
      settings.deadLetterQueueName !== props.queueName,
      `deadLetterQueue.queueName must differ from queueName (given ${quote(props.queueName)} for both)`,
    );
  }
  v.throwIfInvalid();
}
