import { TerraformVariable } from "cdktf";
import { PipelineAlarms, QueueWithDlq, SqsLambda } from "../constructs";
import { BUNDLE_PATH, TfJson, idWhere, onlyResource, resourcesOf, statementsOf, synthConstructs } from "./support/tf";

describe("PipelineAlarms", () => {
  let tf: TfJson;
  let topicRef: string;
  let alarms: Record<string, TfJson>;
  beforeAll(() => {
    tf = synthConstructs((scope) => {
      const queue = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue" });
      const consumer = new SqsLambda(scope, "F", { functionName: "p-Fn", bundlePath: BUNDLE_PATH, source: queue });
      const emails = new TerraformVariable(scope, "alarm_emails", { type: "list(string)", default: [] });
      new PipelineAlarms(scope, "Alarms", { topicName: "p-Alarms", queue, consumer, emails: emails.listValue });
    });
    topicRef = `\${aws_sns_topic.${idWhere(tf, "aws_sns_topic", "name", "p-Alarms")}.arn}`;
    alarms = Object.fromEntries(
      Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name, a]),
    );
  });

  const queueName = (tf: TfJson, name: string): string =>
    `\${aws_sqs_queue.${idWhere(tf, "aws_sqs_queue", "name", name)}.name}`;

  test("creates the four alarms, each paging through the alarm topic and reporting recovery", () => {
    expect(Object.keys(alarms).sort()).toEqual([
      "p-Alarms-dlq-not-empty",
      "p-Alarms-function-errors",
      "p-Alarms-function-throttles",
      "p-Alarms-oldest-message-too-old",
    ]);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.alarm_actions).toEqual([topicRef]);
      expect(alarm.ok_actions).toEqual([topicRef]);
    }
  });

  test("alarms as soon as the DLQ holds a message, treating no data as an empty DLQ", () => {
    expect(alarms["p-Alarms-dlq-not-empty"]).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queueName(tf, "p-OrderQueueDLQ") },
      statistic: "Maximum",
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      evaluation_periods: 1,
      period: 60,
      treat_missing_data: "notBreaching",
    });
  });

  test("alarms when OrderQueue's oldest message is older than 10 minutes for 5 minutes", () => {
    expect(alarms["p-Alarms-oldest-message-too-old"]).toMatchObject({
      metric_name: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: queueName(tf, "p-OrderQueue") },
      threshold: 600,
      evaluation_periods: 5,
      treat_missing_data: "notBreaching",
    });
  });

  test("alarms on any function error or throttle", () => {
    const fnName = `\${aws_lambda_function.${Object.keys(resourcesOf(tf, "aws_lambda_function"))[0]}.function_name}`;
    for (const [name, metric] of [
      ["p-Alarms-function-errors", "Errors"],
      ["p-Alarms-function-throttles", "Throttles"],
    ]) {
      expect(alarms[name]).toMatchObject({
        namespace: "AWS/Lambda",
        metric_name: metric,
        dimensions: { FunctionName: fnName },
        statistic: "Sum",
        threshold: 0,
        treat_missing_data: "notBreaching",
      });
    }
  });

  test("encrypts the alarm topic with a rotating customer key that CloudWatch may use for this account only", () => {
    const keyId = Object.keys(resourcesOf(tf, "aws_kms_key"))[0];
    const topic = resourcesOf(tf, "aws_sns_topic")[idWhere(tf, "aws_sns_topic", "name", "p-Alarms")];
    expect(topic.kms_master_key_id).toBe(`\${aws_kms_key.${keyId}.arn}`);
    const key = onlyResource(tf, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    expect(statementsOf(tf, key.policy)[1]).toEqual({
      sid: "AllowCloudwatch",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: ["*"],
      condition: [
        {
          test: "StringEquals",
          variable: "aws:SourceAccount",
          values: ["${data.aws_caller_identity.CallerIdentity.account_id}"],
        },
      ],
    });
  });

  test("lets CloudWatch publish to the alarm topic for this account only, over TLS", () => {
    const policy = onlyResource(tf, "aws_sns_topic_policy");
    expect(statementsOf(tf, policy.policy).map((s) => [s.sid, s.effect, s.principals, s.condition])).toEqual([
      ["DenyInsecureTransport", "Deny", [{ type: "*", identifiers: ["*"] }], expect.any(Array)],
      [
        "AllowCloudWatchAlarms",
        "Allow",
        [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
        [
          {
            test: "StringEquals",
            variable: "aws:SourceAccount",
            values: ["${data.aws_caller_identity.CallerIdentity.account_id}"],
          },
        ],
      ],
    ]);
  });

  test("subscribes one e-mail address per entry of the variable, none when it is empty", () => {
    const subscription = Object.values(resourcesOf(tf, "aws_sns_topic_subscription")).find(
      (s) => s.protocol === "email",
    );
    expect(subscription).toEqual({
      count: "${length(var.alarm_emails)}",
      endpoint: "${element(var.alarm_emails, count.index)}",
      protocol: "email",
      topic_arn: topicRef,
    });
  });

  test("uses the given thresholds", () => {
    const custom = synthConstructs((scope) => {
      const queue = new QueueWithDlq(scope, "Q", { queueName: "q" });
      const consumer = new SqsLambda(scope, "F", { functionName: "f", bundlePath: BUNDLE_PATH, source: queue });
      new PipelineAlarms(scope, "A", {
        topicName: "a",
        queue,
        consumer,
        oldestMessageAgeSeconds: 120,
        functionErrorsThreshold: 5,
        functionThrottlesThreshold: 2,
      });
    });
    const byName = Object.fromEntries(
      Object.values(resourcesOf(custom, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name, a.threshold]),
    );
    expect(byName).toEqual({
      "a-dlq-not-empty": 0,
      "a-oldest-message-too-old": 120,
      "a-function-errors": 5,
      "a-function-throttles": 2,
    });
    expect(Object.values(resourcesOf(custom, "aws_sns_topic_subscription"))).toEqual([]);
  });
});
