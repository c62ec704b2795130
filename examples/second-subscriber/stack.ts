import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct, Node } from "constructs";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import {
  ConstructPropsError,
  FanoutTopic,
  OrdersTable,
  PipelineAlarms,
  QueueWithDlq,
  SqsLambda,
  quoteCut,
  requireTerraformVersion,
} from "../../constructs";

/** What this example needs to know of the account it joins (cdktf.json's "context"). */
export interface SecondSubscriberSettings {
  /** Prefix of every physical name, and the stack's name (e.g. `finance-dev`). */
  readonly prefix: string;
  /** AWS region of the new resources (the topic's region). */
  readonly region: string;
  /** ARN of the existing order topic to subscribe to (e.g. the order pipeline's OrderTopic). */
  readonly ordersTopicArn: string;
  /** Name of the existing table the USD orders are written to. */
  readonly usdOrdersTableName: string;
  /**
   * ARN of that table's customer-managed KMS key.
   * @default none: the table uses an AWS-owned or AWS-managed key, which needs no permission
   */
  readonly usdOrdersTableKeyArn?: string;
}

export interface SecondSubscriberStackProps extends SecondSubscriberSettings {
  /** The built order function (app.mjs builds it beside main.js). */
  readonly functionBundlePath: string;
}

const REQUIRED = ["prefix", "region", "ordersTopicArn", "usdOrdersTableName"] as const;

/** The settings from cdktf.json's context; one error names every missing or empty one. */
export function settingsFromContext(node: Node): SecondSubscriberSettings {
  const value = (key: string): unknown => node.tryGetContext(key);
  const problems = REQUIRED.filter((key) => typeof value(key) !== "string" || value(key) === "").map(
    (key) => `${key} must be a non-empty string (given ${quoteCut(value(key))})`,
  );
  const key = value("usdOrdersTableKeyArn");
  if (key !== undefined && typeof key !== "string") {
    problems.push(`usdOrdersTableKeyArn must be a KMS key ARN when given (given ${quoteCut(key)})`);
  }
  if (problems.length > 0) throw new ConstructPropsError("SecondSubscriberStack", "cdktf.json context", problems);
  return {
    prefix: value("prefix") as string,
    region: value("region") as string,
    ordersTopicArn: value("ordersTopicArn") as string,
    usdOrdersTableName: value("usdOrdersTableName") as string,
    usdOrdersTableKeyArn: key as string | undefined,
  };
}

/**
 * A second subscriber of an existing order topic: a new queue (with its DLQ) that receives only
 * orders whose currency is USD, filtered on the message body; a consumer function that writes them
 * into an existing table; alarms on the queue, its DLQ and the consumer; least-privilege IAM. The
 * topic and the table are imported by ARN and name: this stack creates neither.
 */
export class SecondSubscriberStack extends TerraformStack {
  public readonly queue: QueueWithDlq;
  public readonly consumer: SqsLambda;
  public readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: SecondSubscriberStackProps) {
    super(scope, id);
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { Project: "order-pipeline", Stack: id } }],
    });
    new ArchiveProvider(this, "archive");
    requireTerraformVersion(this);
    const name = (seed: string): string => `${props.prefix}-${seed}`;

    const topic = FanoutTopic.fromTopicArn(this, "OrderTopic", props.ordersTopicArn);
    const table = OrdersTable.fromTableName(this, "UsdOrders", props.usdOrdersTableName, {
      encryptionKeyArn: props.usdOrdersTableKeyArn,
    });

    this.queue = new QueueWithDlq(this, "UsdQueue", {
      queueName: name("UsdQueue"),
      deadLetterQueue: { queueName: name("UsdQueueDLQ") },
    });
    // The currency is a field of the order itself, so the filter reads the message body.
    topic.subscribeQueue(this.queue, { filterPolicy: { currency: ["USD"] }, filterPolicyScope: "MessageBody" });

    this.consumer = new SqsLambda(this, "UsdConsumer", {
      functionName: name("UsdConsumer"),
      bundlePath: props.functionBundlePath,
      source: this.queue,
      environment: { ORDERS_TABLE_NAME: table.tableName, POWERTOOLS_SERVICE_NAME: "usd-orders" },
    });
    table.grantWriteOrders(this.consumer);

    this.alarms = new PipelineAlarms(this, "UsdAlarms", {
      topicName: name("UsdAlarms"),
      queues: [this.queue],
      consumers: [this.consumer],
    });

    const outputs: Record<string, [string, string]> = {
      queue_url: [this.queue.queueUrl, "URL of the USD orders queue."],
      dlq_url: [this.queue.deadLetterQueueUrl!, "URL of its DLQ: orders that failed 3 receives."],
      function_name: [this.consumer.functionName, "Name of the USD orders consumer."],
      alarm_topic_arn: [this.alarms.topic.topicArn, "ARN of the alarm topic: subscribe on-call tools here."],
    };
    for (const [outputId, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, outputId, { value, description });
    }
  }
}
