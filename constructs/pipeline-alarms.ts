import { Fn, TerraformCount, Token } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { ALARM_DEFAULTS, ALARM_LIMITS, ORDER_METRIC_NAMES, SERVICE_SEND_KEY_ACTIONS, SNS_TOPIC_NAME } from "./defaults";
import { EncryptionKey, accountContext } from "./encryption-key";
import { FanoutTopic } from "./fanout-topic";
import { OutcomeMetricsSource } from "./pipeline-dashboard";
import { statementId } from "./policy";
import { IQueueWithDlq } from "./queue-with-dlq";
import { IFunction } from "./sqs-lambda";
import { PropsValidator } from "./validation";

export interface PipelineAlarmsProps {
  /** Physical name of the alarm topic: 1-256 characters of letters, digits, - and _. Alarm names start with it. */
  readonly topicName: string;
  /**
   * The queues to watch, created or imported: each one's DLQ (a message in it) and its oldest message's
   * age. Every queue needs a dead-letter queue (imported: its `deadLetterQueueArn`).
   * @default none
   */
  readonly queues?: readonly IQueueWithDlq[];
  /**
   * The consumer functions to watch: their errors and throttles.
   * @default none
   */
  readonly consumers?: readonly IFunction[];
  /**
   * E-mail addresses subscribed to the alarm topic. May be a Terraform variable
   * (`list(string)`, its validation block checks each address).
   * @default none
   */
  readonly emails?: string[];
  /**
   * Alarm when the oldest message on a queue is older than this, 60-1209600 seconds.
   * @default 600
   */
  readonly oldestMessageAgeSeconds?: number;
  /**
   * Alarm when a function reports more errors than this in one minute, 0 or more.
   * @default 0
   */
  readonly functionErrorsThreshold?: number;
  /**
   * Alarm when more invocations of a function than this are throttled in one minute, 0 or more.
   * @default 0
   */
  readonly functionThrottlesThreshold?: number;
  /**
   * The consumers' business metrics (`ORDER_METRIC_NAMES`): with it, alarms on rejected orders,
   * the failed-order rate and the OrderLatency p99.
   * @default none (no business alarms)
   */
  readonly outcomeMetrics?: OutcomeMetricsSource;
  /**
   * Alarm when more orders than this are rejected in one minute, 0 or more.
   * @default 0 (any rejection: bad data upstream needs a person)
   */
  readonly rejectedOrdersThreshold?: number;
  /**
   * Alarm when more orders than this fail (and are retried) per minute, three minutes in a row, 0 or more.
   * @default 5
   */
  readonly failedOrdersThreshold?: number;
  /**
   * Alarm when the p99 of OrderLatency (publish to stored) stays above this for five minutes, 1-1209600000 ms.
   * @default 60000
   */
  readonly orderLatencyP99Ms?: number;
  /**
   * Where the runbook is: each alarm's description ends with `Runbook: <runbookUrl>#<section>`.
   * @default "docs/runbook.md"
   */
  readonly runbookUrl?: string;
}

/** The runbook section (anchor) of each alarm kind: docs/runbook.md has one `## <anchor>` heading each. */
export const RUNBOOK_SECTIONS = {
  deadLetterQueueNotEmpty: "dlq-not-empty",
  oldestMessageTooOld: "oldest-message-too-old",
  functionErrors: "function-errors",
  functionThrottles: "function-throttles",
  ordersRejected: "orders-rejected",
  ordersFailed: "orders-failed",
  orderLatency: "order-latency-p99",
} as const;

/** The three alarms on the business metrics. */
export interface OutcomeAlarms {
  readonly ordersRejected: CloudwatchMetricAlarm;
  readonly ordersFailed: CloudwatchMetricAlarm;
  readonly orderLatency: CloudwatchMetricAlarm;
}

/** The two alarms on one queue. */
export interface QueueAlarms {
  readonly queue: IQueueWithDlq;
  readonly deadLetterQueueNotEmpty: CloudwatchMetricAlarm;
  readonly oldestMessageTooOld: CloudwatchMetricAlarm;
}

/** The two alarms on one function. */
export interface FunctionAlarms {
  readonly consumer: IFunction;
  readonly errors: CloudwatchMetricAlarm;
  readonly throttles: CloudwatchMetricAlarm;
}

/**
 * CloudWatch alarms that page a person when a pipeline needs one, for every queue and consumer
 * given: a DLQ holds a message, a queue's oldest message is too old (its consumer stuck or too
 * slow), a function errors or is throttled. All send to an SNS topic encrypted with a
 * customer key that CloudWatch may use: CloudWatch cannot publish to a topic
 * encrypted with the AWS-managed `alias/aws/sns` key, whose policy admits no service.
 */
export class PipelineAlarms extends Construct {
  public readonly topic: FanoutTopic;
  public readonly key: EncryptionKey;
  /** The alarms of each queue, in the order given. */
  public readonly queueAlarms: readonly QueueAlarms[];
  /** The alarms of each consumer, in the order given. */
  public readonly functionAlarms: readonly FunctionAlarms[];
  /** The alarms on the business metrics, when `outcomeMetrics` is given. */
  public readonly outcomeAlarms?: OutcomeAlarms;
  /** One subscription per address (a counted resource), when `emails` is given. */
  public readonly emailSubscriptions?: SnsTopicSubscription;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const settings = {
      oldestMessageAgeSeconds: props.oldestMessageAgeSeconds ?? ALARM_DEFAULTS.oldestMessageAgeSeconds,
      functionErrorsThreshold: props.functionErrorsThreshold ?? ALARM_DEFAULTS.functionErrorsThreshold,
      functionThrottlesThreshold: props.functionThrottlesThreshold ?? ALARM_DEFAULTS.functionThrottlesThreshold,
      rejectedOrdersThreshold: props.rejectedOrdersThreshold ?? ALARM_DEFAULTS.rejectedOrdersThreshold,
      failedOrdersThreshold: props.failedOrdersThreshold ?? ALARM_DEFAULTS.failedOrdersThreshold,
      orderLatencyP99Ms: props.orderLatencyP99Ms ?? ALARM_DEFAULTS.orderLatencyP99Ms,
    };
    const runbook = (section: string): string => ` Runbook: ${props.runbookUrl ?? "docs/runbook.md"}#${section}`;
    const queues = props.queues ?? [];
    const consumers = props.consumers ?? [];
    const { oldestMessageAgeSeconds: age, threshold } = ALARM_LIMITS;
    const v = new PropsValidator("PipelineAlarms", this.node.path)
      .name("topicName", props.topicName, SNS_TOPIC_NAME)
      .integerInRange("oldestMessageAgeSeconds", props.oldestMessageAgeSeconds, age.min, age.max)
      .integerInRange("functionErrorsThreshold", props.functionErrorsThreshold, threshold.min, threshold.max)
      .integerInRange("functionThrottlesThreshold", props.functionThrottlesThreshold, threshold.min, threshold.max)
      .integerInRange("rejectedOrdersThreshold", props.rejectedOrdersThreshold, threshold.min, threshold.max)
      .integerInRange("failedOrdersThreshold", props.failedOrdersThreshold, threshold.min, threshold.max)
      .integerInRange(
        "orderLatencyP99Ms",
        props.orderLatencyP99Ms,
        ALARM_LIMITS.orderLatencyP99Ms.min,
        ALARM_LIMITS.orderLatencyP99Ms.max,
      )
      .expect(
        queues.length + consumers.length > 0,
        "queues and consumers must not both be empty (given none): the alarms would watch nothing",
      );
    queues.forEach((queue, index) =>
      v.expect(
        queue.deadLetterQueueName !== undefined,
        `queues[${index}] must have a dead-letter queue to watch (given ${queue.node.path}, which has none)`,
      ),
    );
    v.throwIfInvalid();

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
    // Names and logical IDs carry the watched construct's path in its stack (unique), so every
    // queue and consumer gets its own alarms: `<topicName>-OrderQueue-dlq-not-empty`.
    this.queueAlarms = queues.map((queue) => {
      const label = statementId("", queue);
      return {
        queue,
        deadLetterQueueNotEmpty: new CloudwatchMetricAlarm(this, `DeadLetterQueueNotEmpty${label}`, {
          ...common,
          alarmName: `${props.topicName}-${label}-dlq-not-empty`,
          alarmDescription:
            `A message from ${label} failed processing and sits in its DLQ: a person needs to look ` +
            "(npm run dlq -- list)." +
            runbook(RUNBOOK_SECTIONS.deadLetterQueueNotEmpty),
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: queue.deadLetterQueueName! },
          statistic: "Maximum",
          threshold: 0,
          evaluationPeriods: 1,
        }),
        oldestMessageTooOld: new CloudwatchMetricAlarm(this, `OldestMessageTooOld${label}`, {
          ...common,
          alarmName: `${props.topicName}-${label}-oldest-message-too-old`,
          alarmDescription:
            `The oldest message on ${label} waited over ${settings.oldestMessageAgeSeconds} s: its consumer is stuck or too slow.` +
            runbook(RUNBOOK_SECTIONS.oldestMessageTooOld),
          namespace: "AWS/SQS",
          metricName: "ApproximateAgeOfOldestMessage",
          dimensions: { QueueName: queue.queueName },
          statistic: "Maximum",
          threshold: settings.oldestMessageAgeSeconds,
          evaluationPeriods: ALARM_DEFAULTS.oldestMessageAgeEvaluationPeriods,
        }),
      };
    });
    this.functionAlarms = consumers.map((consumer) => {
      const label = statementId("", consumer);
      const lambda = { namespace: "AWS/Lambda", dimensions: { FunctionName: consumer.functionName }, statistic: "Sum" };
      return {
        consumer,
        errors: new CloudwatchMetricAlarm(this, `FunctionErrors${label}`, {
          ...common,
          ...lambda,
          alarmName: `${props.topicName}-${label}-function-errors`,
          alarmDescription:
            `${label} failed invocations (unhandled errors, timeouts).` + runbook(RUNBOOK_SECTIONS.functionErrors),
          metricName: "Errors",
          threshold: settings.functionErrorsThreshold,
          evaluationPeriods: 1,
        }),
        throttles: new CloudwatchMetricAlarm(this, `FunctionThrottles${label}`, {
          ...common,
          ...lambda,
          alarmName: `${props.topicName}-${label}-function-throttles`,
          alarmDescription:
            `${label} invocations were throttled: raise its concurrency or lower its mapping's.` +
            runbook(RUNBOOK_SECTIONS.functionThrottles),
          metricName: "Throttles",
          threshold: settings.functionThrottlesThreshold,
          evaluationPeriods: 1,
        }),
      };
    });
    const outcome = props.outcomeMetrics;
    if (outcome !== undefined) {
      const business = { ...common, namespace: outcome.namespace, dimensions: { ...outcome.dimensions } };
      this.outcomeAlarms = {
        ordersRejected: new CloudwatchMetricAlarm(this, "OrdersRejected", {
          ...business,
          alarmName: `${props.topicName}-orders-rejected`,
          alarmDescription:
            `More than ${settings.rejectedOrdersThreshold} orders a minute were rejected (invalid, malformed or ` +
            "conflicting): bad data upstream, a person is needed; they reach the DLQ after 3 receives." +
            runbook(RUNBOOK_SECTIONS.ordersRejected),
          metricName: ORDER_METRIC_NAMES.rejected,
          statistic: "Sum",
          threshold: settings.rejectedOrdersThreshold,
          evaluationPeriods: 1,
        }),
        ordersFailed: new CloudwatchMetricAlarm(this, "OrdersFailed", {
          ...business,
          alarmName: `${props.topicName}-orders-failed`,
          alarmDescription:
            `More than ${settings.failedOrdersThreshold} orders a minute failed for ` +
            `${ALARM_DEFAULTS.failedOrdersEvaluationPeriods} minutes (DynamoDB errors, throttling, deadline): SQS retries them.` +
            runbook(RUNBOOK_SECTIONS.ordersFailed),
          metricName: ORDER_METRIC_NAMES.failed,
          statistic: "Sum",
          threshold: settings.failedOrdersThreshold,
          evaluationPeriods: ALARM_DEFAULTS.failedOrdersEvaluationPeriods,
        }),
        orderLatency: new CloudwatchMetricAlarm(this, "OrderLatencyP99", {
          ...business,
          alarmName: `${props.topicName}-order-latency-p99`,
          alarmDescription:
            `The p99 of publish-to-stored latency stayed above ${settings.orderLatencyP99Ms} ms for ` +
            `${ALARM_DEFAULTS.orderLatencyEvaluationPeriods} minutes: orders wait in the queue or the table is slow.` +
            runbook(RUNBOOK_SECTIONS.orderLatency),
          metricName: ORDER_METRIC_NAMES.latency,
          extendedStatistic: "p99",
          threshold: settings.orderLatencyP99Ms,
          evaluationPeriods: ALARM_DEFAULTS.orderLatencyEvaluationPeriods,
        }),
      };
    }
  }
}
