import { Fn, TerraformCount, Token } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { ALARM_DEFAULTS, ALARM_LIMITS, SERVICE_SEND_KEY_ACTIONS, SNS_TOPIC_NAME } from "./defaults";
import { EncryptionKey, accountContext } from "./encryption-key";
import { FanoutTopic } from "./fanout-topic";
import { QueueWithDlq } from "./queue-with-dlq";
import { SqsLambda } from "./sqs-lambda";
import { PropsValidator } from "./validation";

export interface PipelineAlarmsProps {
  /** Physical name of the alarm topic: 1-256 characters of letters, digits, - and _. */
  readonly topicName: string;
  /** The queue (and its DLQ) to watch. */
  readonly queue: QueueWithDlq;
  /** The consumer function to watch. */
  readonly consumer: SqsLambda;
  /**
   * E-mail addresses subscribed to the alarm topic. May be a Terraform variable
   * (`list(string)`, its validation block checks each address).
   * @default none
   */
  readonly emails?: string[];
  /**
   * Alarm when the oldest message on the queue is older than this, 60-1209600 seconds.
   * @default 600
   */
  readonly oldestMessageAgeSeconds?: number;
  /**
   * Alarm when the function reports more errors than this in one minute, 0 or more.
   * @default 0
   */
  readonly functionErrorsThreshold?: number;
  /**
   * Alarm when more invocations than this are throttled in one minute, 0 or more.
   * @default 0
   */
  readonly functionThrottlesThreshold?: number;
}

/**
 * CloudWatch alarms that page a person when the pipeline needs one: the DLQ holds a
 * message, the queue's oldest message is too old (consumer stuck or too slow), the
 * function errors or is throttled. All send to an SNS topic encrypted with a
 * customer key that CloudWatch may use: CloudWatch cannot publish to a topic
 * encrypted with the AWS-managed `alias/aws/sns` key, whose policy admits no service.
 */
export class PipelineAlarms extends Construct {
  public readonly topic: FanoutTopic;
  public readonly key: EncryptionKey;
  public readonly deadLetterQueueNotEmpty: CloudwatchMetricAlarm;
  public readonly oldestMessageTooOld: CloudwatchMetricAlarm;
  public readonly functionErrors: CloudwatchMetricAlarm;
  public readonly functionThrottles: CloudwatchMetricAlarm;
  /** One subscription per address (a counted resource), when `emails` is given. */
  public readonly emailSubscriptions?: SnsTopicSubscription;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const settings = {
      oldestMessageAgeSeconds: props.oldestMessageAgeSeconds ?? ALARM_DEFAULTS.oldestMessageAgeSeconds,
      functionErrorsThreshold: props.functionErrorsThreshold ?? ALARM_DEFAULTS.functionErrorsThreshold,
      functionThrottlesThreshold: props.functionThrottlesThreshold ?? ALARM_DEFAULTS.functionThrottlesThreshold,
    };
    const { oldestMessageAgeSeconds: age, threshold } = ALARM_LIMITS;
    new PropsValidator("PipelineAlarms", this.node.path)
      .name("topicName", props.topicName, SNS_TOPIC_NAME)
      .integerInRange("oldestMessageAgeSeconds", props.oldestMessageAgeSeconds, age.min, age.max)
      .integerInRange("functionErrorsThreshold", props.functionErrorsThreshold, threshold.min, threshold.max)
      .integerInRange("functionThrottlesThreshold", props.functionThrottlesThreshold, threshold.min, threshold.max)
      .expect(
        props.queue.deadLetterQueue !== undefined,
        "queue must have a dead-letter queue to watch (given a QueueWithDlq with deadLetterQueue false)",
      )
      .throwIfInvalid();

    this.key = new EncryptionKey(this, "Key", {
      alias: props.topicName,
      description: `Encrypts the alarm topic ${props.topicName}; CloudWatch may use it to publish`,
      servicePrincipals: [{ service: "cloudwatch.amazonaws.com", actions: SERVICE_SEND_KEY_ACTIONS }],
    });
    this.topic = new FanoutTopic(this, "Topic", { topicName: props.topicName, encryptionKey: this.key });
    const account = accountContext(this);
    this.topic.addToResourcePolicy({
      sid: "AllowCloudWatchAlarms",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
      actions: ["sns:Publish"],
      resources: [this.topic.topic.arn],
      condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
    });

    if (props.emails !== undefined) {
      const count = TerraformCount.of(Fn.lengthOf(props.emails));
      this.emailSubscriptions = new SnsTopicSubscription(this, "EmailSubscription", {
        count,
        topicArn: this.topic.topic.arn,
        protocol: "email",
        endpoint: Token.asString(Fn.element(props.emails, count.index)),
      });
    }

    const actions = [this.topic.topic.arn];
    // Every alarm fires above its threshold and treats missing data as not breaching, deliberately:
    // SQS sends no metrics for an idle queue (an idle DLQ is empty; an idle queue has no old message,
    // while a stuck consumer keeps the age metric flowing), and Lambda sends no Errors or Throttles
    // data points without invocations.
    const common = {
      alarmActions: actions,
      okActions: actions,
      period: ALARM_DEFAULTS.periodSeconds,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    };
    const dlq = props.queue.deadLetterQueue!;
    const functionName = props.consumer.fn.functionName;

    this.deadLetterQueueNotEmpty = new CloudwatchMetricAlarm(this, "DeadLetterQueueNotEmpty", {
      ...common,
      alarmName: `${props.topicName}-dlq-not-empty`,
      alarmDescription:
        "A message failed processing and sits in the DLQ: a person needs to look (see the README: dlq list).",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: dlq.name },
      statistic: "Maximum",
      threshold: 0,
      evaluationPeriods: 1,
    });
    this.oldestMessageTooOld = new CloudwatchMetricAlarm(this, "OldestMessageTooOld", {
      ...common,
      alarmName: `${props.topicName}-oldest-message-too-old`,
      alarmDescription: `The oldest order on the queue waited over ${settings.oldestMessageAgeSeconds} s: the consumer is stuck or too slow.`,
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: props.queue.queue.name },
      statistic: "Maximum",
      threshold: settings.oldestMessageAgeSeconds,
      evaluationPeriods: ALARM_DEFAULTS.oldestMessageAgeEvaluationPeriods,
    });
    this.functionErrors = new CloudwatchMetricAlarm(this, "FunctionErrors", {
      ...common,
      alarmName: `${props.topicName}-function-errors`,
      alarmDescription: "ProcessOrderLambda failed invocations (unhandled errors, timeouts).",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: functionName },
      statistic: "Sum",
      threshold: settings.functionErrorsThreshold,
      evaluationPeriods: 1,
    });
    this.functionThrottles = new CloudwatchMetricAlarm(this, "FunctionThrottles", {
      ...common,
      alarmName: `${props.topicName}-function-throttles`,
      alarmDescription: "ProcessOrderLambda invocations were throttled: raise concurrency or lower the mapping's.",
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: { FunctionName: functionName },
      statistic: "Sum",
      threshold: settings.functionThrottlesThreshold,
      evaluationPeriods: 1,
    });
  }
}
