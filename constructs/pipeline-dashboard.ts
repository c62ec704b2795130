import { Fn } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { DASHBOARD_DEFAULTS, DASHBOARD_NAME, ORDER_METRIC_NAMES } from "./defaults";
import { ITopic } from "./fanout-topic";
import { ITable } from "./orders-table";
import { statementId } from "./policy";
import { IQueueWithDlq } from "./queue-with-dlq";
import { IFunction } from "./sqs-lambda";
import { PropsValidator, isResolved } from "./validation";

/** Where a consumer's business metrics are (CloudWatch EMF): the namespace and the dimensions of every metric. */
export interface OutcomeMetricsSource {
  /** The CloudWatch namespace, 1-255 characters. */
  readonly namespace: string;
  /** The dimensions every metric carries (name to value), at most 30: `{ service, environment }`. */
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface PipelineDashboardProps {
  /** The dashboard's name: 1-255 letters, digits, - and _. */
  readonly dashboardName: string;
  /** The region of the watched resources (every metric widget names one). */
  readonly region: string;
  /**
   * Topics to show: messages published, notifications delivered and failed.
   * @default none
   */
  readonly topics?: readonly ITopic[];
  /**
   * Queues to show: visible, in flight, oldest message age, and their DLQ's depth.
   * @default none
   */
  readonly queues?: readonly IQueueWithDlq[];
  /**
   * Functions to show: invocations, errors, throttles, concurrent executions, duration p50/p99.
   * @default none
   */
  readonly consumers?: readonly IFunction[];
  /**
   * Tables to show: consumed write capacity, throttled writes, PutItem latency.
   * @default none
   */
  readonly tables?: readonly ITable[];
  /**
   * The consumers' business metrics (`ORDER_METRIC_NAMES`): outcome counts and OrderLatency p50/p99.
   * @default none (no business widgets)
   */
  readonly outcomeMetrics?: OutcomeMetricsSource;
}

/** One metric row of a widget, as CloudWatch reads it: namespace, name, dimension pairs, then options. */
export type MetricRow = (string | { readonly stat: string; readonly label: string })[];

/** A metric widget of a dashboard body. */
export interface MetricWidget {
  readonly type: "metric";
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title: string;
    readonly region: string;
    readonly view: "timeSeries";
    readonly stacked: false;
    readonly period: number;
    readonly metrics: readonly MetricRow[];
  };
}

/** A dashboard body (CloudWatch's dashboard body structure), kept as data. */
export interface DashboardBody {
  readonly widgets: readonly MetricWidget[];
}

/**
 * A CloudWatch dashboard of every hop of a pipeline, built from the resources given (created or
 * imported, through their interfaces): every metric names a resource of the same stack, so
 * two stacks' dashboards never mix. The body is data (`body`), encoded with `jsonencode` so it
 * stays valid in the JSON and in the HCL export.
 */
export class PipelineDashboard extends Construct {
  /** The dashboard body, as data (names may be Terraform references). */
  public readonly body: DashboardBody;
  public readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const topics = props.topics ?? [];
    const queues = props.queues ?? [];
    const consumers = props.consumers ?? [];
    const tables = props.tables ?? [];
    const outcome = props.outcomeMetrics;
    const v = new PropsValidator("PipelineDashboard", this.node.path)
      .name("dashboardName", props.dashboardName, DASHBOARD_NAME)
      .expect(
        topics.length + queues.length + consumers.length + tables.length > 0 || outcome !== undefined,
        "topics, queues, consumers, tables and outcomeMetrics must not all be empty (given none): the dashboard would show nothing",
      );
    if (outcome !== undefined) {
      v.expect(
        !isResolved(outcome.namespace) || (outcome.namespace.length >= 1 && outcome.namespace.length <= 255),
        `outcomeMetrics.namespace must be 1-255 characters (given ${outcome.namespace.length})`,
      ).expect(
        Object.keys(outcome.dimensions).length <= 30,
        `outcomeMetrics.dimensions must be at most 30 (given ${Object.keys(outcome.dimensions).length})`,
      );
    }
    queues.forEach((queue, index) =>
      v.expect(
        queue.deadLetterQueueName !== undefined,
        `queues[${index}] must have a dead-letter queue to show (given ${queue.node.path}, which has none)`,
      ),
    );
    v.throwIfInvalid();

    const row = (
      namespace: string,
      metric: string,
      dimensions: Record<string, string>,
      stat: string,
      label: string,
    ) => [namespace, metric, ...Object.entries(dimensions).flat(), { stat, label }];
    const panels: { title: string; metrics: MetricRow[] }[] = [];
    for (const topic of topics) {
      const d = { TopicName: topic.topicName };
      panels.push({
        title: `${statementId("", topic)}: published, delivered, failed`,
        metrics: [
          row("AWS/SNS", "NumberOfMessagesPublished", d, "Sum", "published"),
          row("AWS/SNS", "NumberOfNotificationsDelivered", d, "Sum", "delivered"),
          row("AWS/SNS", "NumberOfNotificationsFailed", d, "Sum", "failed deliveries"),
        ],
      });
    }
    for (const queue of queues) {
      const d = { QueueName: queue.queueName };
      const label = statementId("", queue);
      panels.push({
        title: `${label}: backlog`,
        metrics: [
          row("AWS/SQS", "ApproximateNumberOfMessagesVisible", d, "Maximum", "visible"),
          row("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", d, "Maximum", "in flight"),
          row(
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            { QueueName: queue.deadLetterQueueName! },
            "Maximum",
            "DLQ depth",
          ),
        ],
      });
      panels.push({
        title: `${label}: oldest message age (s)`,
        metrics: [row("AWS/SQS", "ApproximateAgeOfOldestMessage", d, "Maximum", "oldest age")],
      });
    }
    for (const consumer of consumers) {
      const d = { FunctionName: consumer.functionName };
      const label = statementId("", consumer);
      panels.push({
        title: `${label}: invocations, errors, throttles, concurrency`,
        metrics: [
          row("AWS/Lambda", "Invocations", d, "Sum", "invocations"),
          row("AWS/Lambda", "Errors", d, "Sum", "errors"),
          row("AWS/Lambda", "Throttles", d, "Sum", "throttles"),
          row("AWS/Lambda", "ConcurrentExecutions", d, "Maximum", "concurrent executions"),
        ],
      });
      panels.push({
        title: `${label}: duration (ms)`,
        metrics: [
          row("AWS/Lambda", "Duration", d, "p50", "duration p50"),
          row("AWS/Lambda", "Duration", d, "p99", "duration p99"),
        ],
      });
    }
    if (outcome !== undefined) {
      const d = { ...outcome.dimensions };
      const n = ORDER_METRIC_NAMES;
      panels.push({
        title: "Orders per minute: stored, duplicate, rejected, failed",
        metrics: [
          row(outcome.namespace, n.stored, d, "Sum", "stored"),
          row(outcome.namespace, n.duplicate, d, "Sum", "duplicate"),
          row(outcome.namespace, n.rejected, d, "Sum", "rejected"),
          row(outcome.namespace, n.failed, d, "Sum", "failed"),
        ],
      });
      panels.push({
        title: "Order latency, publish to stored (ms)",
        metrics: [
          row(outcome.namespace, n.latency, d, "p50", "latency p50"),
          row(outcome.namespace, n.latency, d, "p99", "latency p99"),
        ],
      });
    }
    for (const table of tables) {
      const d = { TableName: table.tableName };
      const put = { TableName: table.tableName, Operation: "PutItem" };
      const label = statementId("", table);
      panels.push({
        title: `${label}: writes and throttles`,
        metrics: [
          row("AWS/DynamoDB", "ConsumedWriteCapacityUnits", d, "Sum", "consumed write capacity"),
          row("AWS/DynamoDB", "ThrottledRequests", put, "Sum", "throttled PutItem"),
        ],
      });
      panels.push({
        title: `${label}: PutItem latency (ms)`,
        metrics: [row("AWS/DynamoDB", "SuccessfulRequestLatency", put, "Average", "PutItem latency")],
      });
    }

    const { widgetWidth: width, widgetHeight: height, periodSeconds: period } = DASHBOARD_DEFAULTS;
    const perRow = Math.floor(24 / width);
    this.body = {
      widgets: panels.map(({ title, metrics }, index) => ({
        type: "metric",
        x: (index % perRow) * width,
        y: Math.floor(index / perRow) * height,
        width,
        height,
        properties: { title, region: props.region, view: "timeSeries", stacked: false, period, metrics },
      })),
    };
    this.dashboard = new CloudwatchDashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      // jsonencode, not JSON.stringify: names are Terraform references, and the HCL export must stay valid.
      dashboardBody: Fn.jsonencode(this.body),
    });
  }
}
