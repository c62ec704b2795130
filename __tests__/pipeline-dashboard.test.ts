import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { PipelineDashboard, PipelineDashboardProps } from "../constructs/pipeline-dashboard";
import { FanoutTopic } from "../constructs/fanout-topic";
import { OrdersTable } from "../constructs/orders-table";
import { QueueWithDlq } from "../constructs/queue-with-dlq";
import { SEED_NAMES } from "../stacks/order-pipeline-stack";
import { projectPipelineStacks } from "./support/configuration";
import { parseJsonencode } from "./support/jsonencode";
import {
  TfJson,
  onlyResource,
  pipelineStacks,
  inConstruct,
  processOrderFunction,
  SynthesizedApp,
  resourcesOf,
  synthApp,
  synthConstructs,
  synthError,
} from "./support/tf";

/** What each dimension of an AWS metric names: the resource type and the attribute that holds the name. */
const DIMENSION_RESOURCES: Record<string, [string, string]> = {
  TopicName: ["aws_sns_topic", "name"],
  QueueName: ["aws_sqs_queue", "name"],
  FunctionName: ["aws_lambda_function", "function_name"],
  TableName: ["aws_dynamodb_table", "name"],
};

interface Metric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly stat: string;
}

function metricsOf(body: TfJson): Metric[] {
  return body.widgets.flatMap((widget: TfJson) =>
    widget.properties.metrics.map((row: unknown[]) => {
      const [namespace, name, ...rest] = row as string[];
      const options = rest.pop() as unknown as { stat: string };
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < rest.length; i += 2) dimensions[rest[i]] = rest[i + 1];
      return { namespace, name, dimensions, stat: options.stat };
    }),
  );
}

/** `${type.id.attribute}` resolved to the resource it names in `tf`, or undefined. */
function resourceOf(tf: TfJson, value: string, [type, attribute]: [string, string]): TfJson | undefined {
  const match = /^\$\{([a-z0-9_]+)\.([\w-]+)\.([a-z_]+)\}$/.exec(value);
  if (!match || match[1] !== type || match[3] !== attribute) return undefined;
  return resourcesOf(tf, type)[match[2]];
}

// Synthesized in a hook, not as the file loads: a construct that throws then fails these tests (`npm run mutate`
// counts that as a kill), and a run that selects none of them does not synthesize.
let app: SynthesizedApp;
beforeAll(() => {
  app = synthApp();
});

test("covers every pipeline stack the app synthesizes", () => {
  expect(Object.keys(pipelineStacks(app.stacks))).toEqual(projectPipelineStacks());
});

describe.each(projectPipelineStacks())("the dashboard of stack %s", (stack) => {
  let tf: TfJson;
  let body: TfJson;
  let metrics: Metric[];
  let env: Record<string, string>;
  beforeAll(() => {
    tf = app.stacks[stack];
    body = parseJsonencode(onlyResource(tf, "aws_cloudwatch_dashboard").dashboard_body);
    metrics = metricsOf(body);
    env = processOrderFunction(tf).environment.variables;
  });

  test("resolves every AWS metric's dimensions to a resource of the same stack", () => {
    const unresolved = metrics
      .filter((m) => m.namespace.startsWith("AWS/"))
      .flatMap((m) =>
        Object.entries(m.dimensions)
          .filter(([key]) => key !== "Operation")
          .filter(([key, value]) => !DIMENSION_RESOURCES[key] || !resourceOf(tf, value, DIMENSION_RESOURCES[key]))
          .map(([key, value]) => `${m.name} ${key}=${value}`),
      );
    expect(unresolved).toEqual([]);
  });

  test("reads the business metrics from the namespace and dimensions the function is given", () => {
    const custom = metrics.filter((m) => !m.namespace.startsWith("AWS/"));
    expect(custom.length).toBeGreaterThan(0);
    for (const m of custom) {
      expect(m.namespace).toBe(env.POWERTOOLS_METRICS_NAMESPACE);
      expect(m.dimensions).toEqual({ service: env.POWERTOOLS_SERVICE_NAME, environment: env.ORDERS_ENVIRONMENT });
    }
  });

  test("shows every hop the issue asks for, with its statistic", () => {
    const shown = new Set(
      metrics.map((m) => `${m.namespace.startsWith("AWS/") ? m.namespace : "custom"} ${m.name} ${m.stat}`),
    );
    expect([...shown].sort()).toEqual(
      [
        "AWS/SNS NumberOfMessagesPublished Sum",
        "AWS/SNS NumberOfNotificationsDelivered Sum",
        "AWS/SNS NumberOfNotificationsFailed Sum",
        "AWS/SQS ApproximateNumberOfMessagesVisible Maximum",
        "AWS/SQS ApproximateNumberOfMessagesNotVisible Maximum",
        "AWS/SQS ApproximateAgeOfOldestMessage Maximum",
        "AWS/Lambda Invocations Sum",
        "AWS/Lambda Errors Sum",
        "AWS/Lambda Throttles Sum",
        "AWS/Lambda ConcurrentExecutions Maximum",
        "AWS/Lambda Duration p50",
        "AWS/Lambda Duration p99",
        "custom OrdersStored Sum",
        "custom OrdersDuplicate Sum",
        "custom OrdersRejected Sum",
        "custom OrdersFailed Sum",
        "custom OrderLatency p50",
        "custom OrderLatency p99",
        "AWS/DynamoDB ConsumedWriteCapacityUnits Sum",
        "AWS/DynamoDB ThrottledRequests Sum",
        "AWS/DynamoDB SuccessfulRequestLatency Average",
      ].sort(),
    );
  });

  test("shows the DLQ's depth from the queue the pipeline's queue dead-letters to", () => {
    const targets = inConstruct(tf, "aws_sqs_queue", SEED_NAMES.queue)
      .filter((queue) => queue.redrive_policy)
      .map((queue) => parseJsonencode(queue.redrive_policy).deadLetterTargetArn.replace(/\.arn\}$/, ".name}"));
    const depths = metrics
      .filter((m) => m.name === "ApproximateNumberOfMessagesVisible")
      .map((m) => m.dimensions.QueueName);
    expect(targets.length).toBeGreaterThan(0);
    expect(depths).toEqual(expect.arrayContaining(targets));
  });

  test("places widgets on the 24-column grid without overlap", () => {
    const cells = body.widgets.map((w: TfJson) => `${w.x},${w.y}`);
    expect(new Set(cells).size).toBe(cells.length);
    expect(body.widgets.every((w: TfJson) => w.x + w.width <= 24)).toBe(true);
  });
});

/** The parsed body of the one dashboard `build` adds to a fresh stack. */
const bodyOf = (build: (scope: Construct) => void): TfJson =>
  parseJsonencode(onlyResource(synthConstructs(build), "aws_cloudwatch_dashboard").dashboard_body);

/** A function the dashboard watches, named f: any construct with a function name and ARN. */
const consumer = (scope: Construct, id: string) =>
  Object.assign(new Construct(scope, id), {
    functionName: "f",
    functionArn: "arn:aws:lambda:eu-west-1:111122223333:function:f",
  });

describe("PipelineDashboard validation", () => {
  test("rejects a bad name and an empty dashboard in one error quoting the name", () => {
    expect(
      synthError((scope) => new PipelineDashboard(scope, "D", { dashboardName: "bad name!", region: "eu-west-1" })),
    ).toBe(
      [
        "Invalid PipelineDashboard props at stack/D:",
        '  - dashboardName must be 1-255 characters of letters, digits, - and _ (given "bad name!", 9 characters)',
        "  - topics, queues, consumers, tables and outcomeMetrics must not all be empty (given none): the dashboard would show nothing",
      ].join("\n"),
    );
  });

  type Watched = Omit<PipelineDashboardProps, "dashboardName" | "region">;
  test.each<[string, (scope: Construct) => Watched, string]>([
    ["a queue", (scope) => ({ queues: [new QueueWithDlq(scope, "Q", { queueName: "q" })] }), "AWS/SQS"],
    [
      "a function",
      (scope) => ({
        consumers: [consumer(scope, "F")],
      }),
      "AWS/Lambda",
    ],
    ["a table", (scope) => ({ tables: [OrdersTable.fromTableName(scope, "T", "orders")] }), "AWS/DynamoDB"],
    ["outcome metrics", () => ({ outcomeMetrics: { namespace: "Orders", dimensions: { service: "s" } } }), "Orders"],
  ])("builds a dashboard for %s alone, with only that one's metrics", (_, watched, namespace) => {
    const body = bodyOf((scope) => {
      new PipelineDashboard(scope, "D", { dashboardName: "d", region: "eu-west-1", ...watched(scope) });
    });
    expect([...new Set(metricsOf(body).map((m) => m.namespace))]).toEqual([namespace]);
  });

  const withOutcome = (scope: Construct, namespace: string, dimensionCount: number) =>
    new PipelineDashboard(scope, "D", {
      dashboardName: "d",
      region: "eu-west-1",
      outcomeMetrics: {
        namespace,
        dimensions: Object.fromEntries(Array.from({ length: dimensionCount }, (_, i) => [`d${i}`, "v"])),
      },
    });

  test("rejects an empty outcome namespace and 31 dimensions in one error", () => {
    expect(synthError((scope) => withOutcome(scope, "", 31))).toBe(
      [
        "Invalid PipelineDashboard props at stack/D:",
        "  - outcomeMetrics.namespace must be 1-255 characters (given 0)",
        "  - outcomeMetrics.dimensions must be at most 30 (given 31)",
      ].join("\n"),
    );
  });

  test("rejects an outcome namespace of 256 characters", () => {
    expect(synthError((scope) => withOutcome(scope, "n".repeat(256), 1))).toBe(
      [
        "Invalid PipelineDashboard props at stack/D:",
        "  - outcomeMetrics.namespace must be 1-255 characters (given 256)",
      ].join("\n"),
    );
  });

  test.each([
    ["1 character and 30 dimensions", "n", 30],
    ["255 characters", "n".repeat(255), 1],
  ])("accepts an outcome namespace of %s", (_, namespace, dimensionCount) => {
    const body = bodyOf((scope) => withOutcome(scope, namespace, dimensionCount));
    expect(new Set(metricsOf(body).map((m) => m.namespace))).toEqual(new Set([namespace]));
  });

  test("leaves an outcome namespace that is a Terraform reference to plan time", () => {
    const tf = synthConstructs((scope) =>
      withOutcome(scope, new TerraformVariable(scope, "namespace", { type: "string" }).stringValue, 1),
    );
    expect(onlyResource(tf, "aws_cloudwatch_dashboard").dashboard_body).toContain('[[var.namespace, "OrdersStored"');
  });

  test("refuses a queue without a dead-letter queue, naming it", () => {
    expect(
      synthError((scope) => {
        const queue = new QueueWithDlq(scope, "Q", { queueName: "q", deadLetterQueue: false });
        new PipelineDashboard(scope, "D", { dashboardName: "d", region: "eu-west-1", queues: [queue] });
      }),
    ).toBe(
      [
        "Invalid PipelineDashboard props at stack/D:",
        "  - queues[0] must have a dead-letter queue to show (given stack/Q, which has none)",
      ].join("\n"),
    );
  });

  test("lays out two 12x6 time-series widgets a row, each over one minute in the given region", () => {
    const body = bodyOf((scope) => {
      const queues = ["A", "B"].map((id) => new QueueWithDlq(scope, id, { queueName: id }));
      new PipelineDashboard(scope, "D", { dashboardName: "d", region: "eu-west-2", queues });
    });
    expect(
      body.widgets.map(({ type, x, y, width, height, properties }: TfJson) => ({
        type,
        x,
        y,
        width,
        height,
        region: properties.region,
        view: properties.view,
        stacked: properties.stacked,
        period: properties.period,
      })),
    ).toEqual(
      [
        [0, 0],
        [12, 0],
        [0, 6],
        [12, 6],
      ].map(([x, y]) => ({
        type: "metric",
        x,
        y,
        width: 12,
        height: 6,
        region: "eu-west-2",
        view: "timeSeries",
        stacked: false,
        period: 60,
      })),
    );
  });

  test("titles each widget after its resource and labels each metric, one resource of each kind", () => {
    const body = bodyOf((scope) => {
      new PipelineDashboard(scope, "D", {
        dashboardName: "d",
        region: "eu-west-1",
        topics: [FanoutTopic.fromTopicArn(scope, "Topic", "arn:aws:sns:eu-west-1:111122223333:t")],
        queues: [new QueueWithDlq(scope, "Queue", { queueName: "q" })],
        consumers: [consumer(scope, "Fn")],
        tables: [OrdersTable.fromTableName(scope, "Table", "orders")],
        outcomeMetrics: { namespace: "Orders", dimensions: { service: "s", environment: "e" } },
      });
    });
    const shown = body.widgets.map((widget: TfJson) => [
      widget.properties.title,
      ...widget.properties.metrics.map((row: unknown[]) => {
        const { stat, label } = row.pop() as { stat: string; label: string };
        return `${row.join(" ")} ${stat} as ${label}`;
      }),
    ]);
    const queueName = "${aws_sqs_queue.Queue_172EC9BB.name}";
    const dlqName = "${aws_sqs_queue.Queue_DeadLetterQueue_6A2D7F83.name}";
    expect(shown).toEqual([
      [
        "Topic: published, delivered, failed",
        "AWS/SNS NumberOfMessagesPublished TopicName t Sum as published",
        "AWS/SNS NumberOfNotificationsDelivered TopicName t Sum as delivered",
        "AWS/SNS NumberOfNotificationsFailed TopicName t Sum as failed deliveries",
      ],
      [
        "Queue: backlog",
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${queueName} Maximum as visible`,
        `AWS/SQS ApproximateNumberOfMessagesNotVisible QueueName ${queueName} Maximum as in flight`,
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName ${dlqName} Maximum as DLQ depth`,
      ],
      [
        "Queue: oldest message age (s)",
        `AWS/SQS ApproximateAgeOfOldestMessage QueueName ${queueName} Maximum as oldest age`,
      ],
      [
        "Fn: invocations, errors, throttles, concurrency",
        "AWS/Lambda Invocations FunctionName f Sum as invocations",
        "AWS/Lambda Errors FunctionName f Sum as errors",
        "AWS/Lambda Throttles FunctionName f Sum as throttles",
        "AWS/Lambda ConcurrentExecutions FunctionName f Maximum as concurrent executions",
      ],
      [
        "Fn: duration (ms)",
        "AWS/Lambda Duration FunctionName f p50 as duration p50",
        "AWS/Lambda Duration FunctionName f p99 as duration p99",
      ],
      [
        "Orders per minute: stored, duplicate, rejected, failed",
        "Orders OrdersStored service s environment e Sum as stored",
        "Orders OrdersDuplicate service s environment e Sum as duplicate",
        "Orders OrdersRejected service s environment e Sum as rejected",
        "Orders OrdersFailed service s environment e Sum as failed",
      ],
      [
        "Order latency, publish to stored (ms)",
        "Orders OrderLatency service s environment e p50 as latency p50",
        "Orders OrderLatency service s environment e p99 as latency p99",
      ],
      [
        "Table: writes and throttles",
        "AWS/DynamoDB ConsumedWriteCapacityUnits TableName orders Sum as consumed write capacity",
        "AWS/DynamoDB ThrottledRequests TableName orders Operation PutItem Sum as throttled PutItem",
      ],
      [
        "Table: PutItem latency (ms)",
        "AWS/DynamoDB SuccessfulRequestLatency TableName orders Operation PutItem Average as PutItem latency",
      ],
    ]);
  });

  test("builds a dashboard for a topic alone: a reusable construct needs no whole pipeline", () => {
    const body = bodyOf((scope) => {
      const topic = new FanoutTopic(scope, "T", { topicName: "t" });
      new PipelineDashboard(scope, "D", { dashboardName: "d", region: "eu-west-1", topics: [topic] });
    });
    expect(metricsOf(body).map((m) => m.name)).toEqual([
      "NumberOfMessagesPublished",
      "NumberOfNotificationsDelivered",
      "NumberOfNotificationsFailed",
    ]);
  });
});
