import { TerraformVariable } from "cdktf";
import { PipelineAlarms, QueueWithDlq, SqsLambda } from "../constructs";
import {
  BUNDLE_PATH,
  TfJson,
  idWhere,
  onlyResource,
  resourcesOf,
  statementsOf,
  synthConstructs,
  synthError,
} from "./support/tf";

describe("PipelineAlarms", () => {
  let tf: TfJson;
  let topicRef: string;
  let alarms: Record<string, TfJson>;
  beforeAll(() => {
    tf = synthConstructs((scope) => {
      const queue = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue" });
      const consumer = new SqsLambda(scope, "F", { functionName: "p-Fn", bundlePath: BUNDLE_PATH, source: queue });
      const emails = new TerraformVariable(scope, "alarm_emails", { type: "list(string)", default: [] });
      new PipelineAlarms(scope, "Alarms", {
        topicName: "p-Alarms",
        queues: [queue],
        consumers: [consumer],
        emails: emails.listValue,
      });
    });
    topicRef = `\${aws_sns_topic.${idWhere(tf, "aws_sns_topic", "name", "p-Alarms")}.arn}`;
    alarms = Object.fromEntries(
      Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name, a]),
    );
  });

  const queueName = (tf: TfJson, name: string): string =>
    `\${aws_sqs_queue.${idWhere(tf, "aws_sqs_queue", "name", name)}.name}`;

  test("creates two alarms per queue and two per consumer, named after the alarm topic and what they watch", () => {
    expect(Object.keys(alarms).sort()).toEqual([
      "p-Alarms-F-function-errors",
      "p-Alarms-F-function-throttles",
      "p-Alarms-Q-dlq-not-empty",
      "p-Alarms-Q-oldest-message-too-old",
    ]);
  });

  test("pages through the alarm topic and reports recovery on every alarm", () => {
    for (const alarm of Object.values(alarms)) {
      expect(alarm.alarm_actions).toEqual([topicRef]);
      expect(alarm.ok_actions).toEqual([topicRef]);
    }
  });

  test("alarms as soon as the DLQ holds a message, treating no data as an empty DLQ", () => {
    expect(alarms["p-Alarms-Q-dlq-not-empty"]).toMatchObject({
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

  test("tells the person paged what broke, what to run and where the runbook says more", () => {
    expect(Object.fromEntries(Object.entries(alarms).map(([name, a]) => [name, a.alarm_description]))).toEqual({
      "p-Alarms-Q-dlq-not-empty":
        "A message from Q failed processing and sits in its DLQ: a person needs to look (npm run dlq -- list). " +
        "Runbook: docs/runbook.md#dlq-not-empty",
      "p-Alarms-F-function-errors":
        "F failed invocations (unhandled errors, timeouts). Runbook: docs/runbook.md#function-errors",
      "p-Alarms-F-function-throttles":
        "F invocations were throttled: raise its concurrency or lower its mapping's. " +
        "Runbook: docs/runbook.md#function-throttles",
      "p-Alarms-Q-oldest-message-too-old":
        "The oldest message on Q waited over 600 s: its consumer is stuck or too slow. " +
        "Runbook: docs/runbook.md#oldest-message-too-old",
    });
  });

  test("alarms when OrderQueue's oldest message is older than 10 minutes for 5 minutes", () => {
    expect(alarms["p-Alarms-Q-oldest-message-too-old"]).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateAgeOfOldestMessage",
      statistic: "Maximum",
      dimensions: { QueueName: queueName(tf, "p-OrderQueue") },
      threshold: 600,
      evaluation_periods: 5,
      treat_missing_data: "notBreaching",
    });
  });

  test("alarms on any function error or throttle", () => {
    const fnName = `\${aws_lambda_function.${Object.keys(resourcesOf(tf, "aws_lambda_function"))[0]}.function_name}`;
    for (const [name, metric] of [
      ["p-Alarms-F-function-errors", "Errors"],
      ["p-Alarms-F-function-throttles", "Throttles"],
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
    expect([key.enable_key_rotation, key.description]).toEqual([
      true,
      "Encrypts the alarm topic p-Alarms; CloudWatch may use it to publish",
    ]);
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
    const statements = statementsOf(tf, policy.policy);
    expect(statements.map((s) => [s.sid, s.actions, s.resources])).toEqual([
      ["DenyInsecureTransport", ["sns:Publish"], [topicRef]],
      ["AllowCloudWatchAlarms", ["sns:Publish"], [topicRef]],
    ]);
    expect(statements.map((s) => [s.sid, s.effect, s.principals, s.condition])).toEqual([
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
        queues: [queue],
        consumers: [consumer],
        oldestMessageAgeSeconds: 120,
        functionErrorsThreshold: 5,
        functionThrottlesThreshold: 2,
      });
    });
    const byName = Object.fromEntries(
      Object.values(resourcesOf(custom, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name, a.threshold]),
    );
    expect(byName).toEqual({
      "a-Q-dlq-not-empty": 0,
      "a-Q-oldest-message-too-old": 120,
      "a-F-function-errors": 5,
      "a-F-function-throttles": 2,
    });
    expect(Object.values(resourcesOf(custom, "aws_sns_topic_subscription"))).toEqual([]);
  });
});

describe("PipelineAlarms over several queues and consumers", () => {
  let tf: TfJson;
  beforeAll(() => {
    tf = synthConstructs((scope) => {
      const orders = new QueueWithDlq(scope, "OrderQueue", { queueName: "p-OrderQueue" });
      const usd = new QueueWithDlq(scope, "UsdQueue", { queueName: "p-UsdQueue" });
      const existing = QueueWithDlq.fromQueueArn(scope, "SharedQueue", "arn:aws:sqs:us-east-1:111122223333:shared", {
        deadLetterQueueArn: "arn:aws:sqs:us-east-1:111122223333:shared-dlq",
      });
      const consumers = [orders, usd].map(
        (source) =>
          new SqsLambda(scope, `${source.node.id}Consumer`, {
            functionName: `p-${source.node.id}Consumer`,
            bundlePath: BUNDLE_PATH,
            source,
          }),
      );
      new PipelineAlarms(scope, "Alarms", { topicName: "p-Alarms", queues: [orders, usd, existing], consumers });
    });
  });

  test("watches the DLQ of every queue given, created or imported, each under its own name", () => {
    const dlqAlarms = Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm")).filter(
      (a) => a.metric_name === "ApproximateNumberOfMessagesVisible",
    );
    expect(dlqAlarms.map((a) => [a.alarm_name, a.dimensions.QueueName]).sort()).toEqual(
      [
        [
          "p-Alarms-OrderQueue-dlq-not-empty",
          `\${aws_sqs_queue.${idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueueDLQ")}.name}`,
        ],
        [
          "p-Alarms-UsdQueue-dlq-not-empty",
          `\${aws_sqs_queue.${idWhere(tf, "aws_sqs_queue", "name", "p-UsdQueueDLQ")}.name}`,
        ],
        ["p-Alarms-SharedQueue-dlq-not-empty", "shared-dlq"],
      ].sort(),
    );
  });

  test("watches the age of every queue and the errors and throttles of every consumer", () => {
    const names = Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm")).map((a) => a.alarm_name);
    expect(names.filter((n) => n.endsWith("-oldest-message-too-old"))).toHaveLength(3);
    expect(names.filter((n) => /-function-(errors|throttles)$/.test(n)).sort()).toEqual([
      "p-Alarms-OrderQueueConsumer-function-errors",
      "p-Alarms-OrderQueueConsumer-function-throttles",
      "p-Alarms-UsdQueueConsumer-function-errors",
      "p-Alarms-UsdQueueConsumer-function-throttles",
    ]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("PipelineAlarms validation", () => {
  test("rejects an imported queue whose DLQ was not given, naming its place in the list", () => {
    expect(
      synthError((scope) => {
        const queue = QueueWithDlq.fromQueueArn(scope, "Shared", "arn:aws:sqs:us-east-1:111122223333:shared");
        new PipelineAlarms(scope, "A", { topicName: "a", queues: [queue] });
      }),
    ).toBe(
      "Invalid PipelineAlarms props at stack/A:\n  - queues[0] must have a dead-letter queue to watch (given stack/Shared, which has none)",
    );
  });

  test("ends every alarm's description with its runbook section, docs/runbook.md unless a runbook URL is given", () => {
    const descriptions = (runbookUrl?: string): string[] => {
      const tf = synthConstructs((scope) => {
        const queue = new QueueWithDlq(scope, "Q", { queueName: "q" });
        const consumer = new SqsLambda(scope, "F", { functionName: "f", bundlePath: BUNDLE_PATH, source: queue });
        new PipelineAlarms(scope, "A", { topicName: "a", queues: [queue], consumers: [consumer], runbookUrl });
      });
      return Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm")).map((a) => a.alarm_description as string);
    };
    const runbookOf = (text: string): string => / Runbook: (\S+)$/.exec(text)?.[1] ?? `none in ${JSON.stringify(text)}`;
    const own = descriptions().map(runbookOf);
    const given = descriptions("https://wiki.example.com/orders").map(runbookOf);
    expect(own.length).toBeGreaterThan(0);
    expect([own.filter((r) => !/^docs\/runbook\.md#[a-z0-9-]+$/.test(r)), given]).toEqual([
      [],
      own.map((r) => r.replace("docs/runbook.md", "https://wiki.example.com/orders")),
    ]);
  });

  test("names every setting out of range in one error, each with its range", () => {
    expect(
      synthError((scope) => {
        const queue = new QueueWithDlq(scope, "Q", { queueName: "q" });
        new PipelineAlarms(scope, "A", {
          topicName: "a.b",
          queues: [queue],
          oldestMessageAgeSeconds: 59,
          functionErrorsThreshold: -1,
          functionThrottlesThreshold: 1_000_001,
          rejectedOrdersThreshold: 0.5,
          failedOrdersThreshold: -2,
          orderLatencyP99Ms: 0,
        });
      }),
    ).toBe(
      [
        "Invalid PipelineAlarms props at stack/A:",
        '  - topicName must be 1-256 characters of letters, digits, - and _ (given "a.b", 3 characters)',
        "  - oldestMessageAgeSeconds must be an integer between 60 and 1209600 (given 59)",
        "  - functionErrorsThreshold must be an integer between 0 and 1000000 (given -1)",
        "  - functionThrottlesThreshold must be an integer between 0 and 1000000 (given 1000001)",
        "  - rejectedOrdersThreshold must be an integer between 0 and 1000000 (given 0.5)",
        "  - failedOrdersThreshold must be an integer between 0 and 1000000 (given -2)",
        "  - orderLatencyP99Ms must be an integer between 1 and 1209600000 (given 0)",
      ].join("\n"),
    );
  });

  test("rejects alarms with nothing to watch", () => {
    expect(synthError((scope) => new PipelineAlarms(scope, "A", { topicName: "a" }))).toBe(
      "Invalid PipelineAlarms props at stack/A:\n  - queues and consumers must not both be empty (given none): the alarms would watch nothing",
    );
  });
});

describe("PipelineAlarms on the order outcome metrics", () => {
  let alarms: Record<string, TfJson>;
  beforeAll(() => {
    const tf = synthConstructs((scope) => {
      const queue = new QueueWithDlq(scope, "Q", { queueName: "q" });
      new PipelineAlarms(scope, "A", {
        topicName: "p-Alarms",
        queues: [queue],
        outcomeMetrics: { namespace: "Orders", dimensions: { service: "orders", environment: "dev" } },
      });
    });
    alarms = Object.fromEntries(
      Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm"))
        .filter((a) => a.namespace === "Orders")
        .map((a) => [a.alarm_name, a]),
    );
  });

  const common = {
    namespace: "Orders",
    dimensions: { service: "orders", environment: "dev" },
    period: 60,
    comparison_operator: "GreaterThanThreshold",
    treat_missing_data: "notBreaching",
  };

  test("pages on any rejected order in a minute, saying it is bad data upstream", () => {
    expect(alarms["p-Alarms-orders-rejected"]).toMatchObject({
      ...common,
      metric_name: "OrdersRejected",
      statistic: "Sum",
      threshold: 0,
      evaluation_periods: 1,
      alarm_description:
        "More than 0 orders a minute were rejected (invalid, malformed or conflicting): bad data upstream, a person " +
        "is needed; they reach the DLQ after 3 receives. Runbook: docs/runbook.md#orders-rejected",
    });
  });

  test("pages on more than 5 failed orders a minute for 3 minutes, which SQS retries", () => {
    expect(alarms["p-Alarms-orders-failed"]).toMatchObject({
      ...common,
      metric_name: "OrdersFailed",
      statistic: "Sum",
      threshold: 5,
      evaluation_periods: 3,
      alarm_description:
        "More than 5 orders a minute failed for 3 minutes (DynamoDB errors, throttling, deadline): SQS retries them. " +
        "Runbook: docs/runbook.md#orders-failed",
    });
  });

  test("pages when the p99 publish-to-stored latency stays above 60 s for 5 minutes", () => {
    expect(alarms["p-Alarms-order-latency-p99"]).toMatchObject({
      ...common,
      metric_name: "OrderLatency",
      extended_statistic: "p99",
      threshold: 60000,
      evaluation_periods: 5,
      alarm_description:
        "The p99 of publish-to-stored latency stayed above 60000 ms for 5 minutes: orders wait in the queue or the " +
        "table is slow. Runbook: docs/runbook.md#order-latency-p99",
    });
  });
});
