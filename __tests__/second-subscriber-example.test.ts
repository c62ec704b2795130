import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { settingsFromContext } from "../examples/second-subscriber/stack";
import { exampleContext, synthExample } from "./support/example";
import { TfJson, idWhere, onlyResource, resourcesOf, statementsOf, viaServiceCondition } from "./support/tf";

/**
 * examples/second-subscriber: a second subscriber of an existing order topic (by ARN) that takes only
 * USD orders, filtering on the message body, and writes them into an existing table (by name). The
 * expectations follow the example's own cdktf.json context, so editing it breaks no test.
 */
describe("the second-subscriber example", () => {
  const context = exampleContext();
  const prefix = context.prefix as string;
  let tf: TfJson;
  let queueId: string;
  beforeAll(() => {
    tf = synthExample().tf;
    queueId = idWhere(tf, "aws_sqs_queue", "name", `${prefix}-UsdQueue`);
  });

  test("subscribes a new queue to the existing topic, for orders whose currency is USD, filtering on the body", () => {
    expect(onlyResource(tf, "aws_sns_topic_subscription")).toMatchObject({
      topic_arn: context.ordersTopicArn,
      protocol: "sqs",
      endpoint: `\${aws_sqs_queue.${queueId}.arn}`,
      filter_policy: JSON.stringify({ currency: ["USD"] }),
      filter_policy_scope: "MessageBody",
    });
  });

  test("creates neither the topic it subscribes to nor the table it writes (only its own alarm topic)", () => {
    expect(Object.values(resourcesOf(tf, "aws_sns_topic")).map((t) => t.name)).toEqual([`${prefix}-UsdAlarms`]);
    expect(resourcesOf(tf, "aws_dynamodb_table")).toEqual({});
  });

  test("lets only the existing topic send to the new queue", () => {
    const policy = Object.values(resourcesOf(tf, "aws_sqs_queue_policy")).find(
      (p) => p.queue_url === `\${aws_sqs_queue.${queueId}.url}`,
    )!;
    expect(statementsOf(tf, policy.policy).filter((s) => s.effect === "Allow")).toEqual([
      {
        sid: "AllowSnsSendFromOrderTopic",
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["sns.amazonaws.com"] }],
        actions: ["sqs:SendMessage"],
        resources: [`\${aws_sqs_queue.${queueId}.arn}`],
        condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [context.ordersTopicArn] }],
      },
    ]);
  });

  test("moves a USD order that fails 3 receives to the new queue's own DLQ", () => {
    const dlqId = idWhere(tf, "aws_sqs_queue", "name", `${prefix}-UsdQueueDLQ`);
    expect(resourcesOf(tf, "aws_sqs_queue")[queueId].redrive_policy).toBe(
      `\${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.${dlqId}.arn, "maxReceiveCount" = 3})}`,
    );
  });

  test("grants the consumer its logs, traces, the new queue, and PutItem and GetItem on the existing table only", () => {
    const statements = statementsOf(tf, onlyResource(tf, "aws_iam_role_policy").policy);
    expect(statements.map((s) => [s.sid, s.actions, s.resources])).toEqual([
      ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [expect.stringMatching(/:\*$/)]],
      ["WriteTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]],
      [
        "ConsumeUsdQueue",
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        [`\${aws_sqs_queue.${queueId}.arn}`],
      ],
      [
        "WriteUsdOrders",
        ["dynamodb:PutItem", "dynamodb:GetItem"],
        [
          "arn:${data.aws_partition.Partition.partition}:dynamodb:${data.aws_region.Region.region}:" +
            `\${data.aws_caller_identity.CallerIdentity.account_id}:table/${context.usdOrdersTableName}`,
        ],
      ],
    ]);
  });

  test("tells the consumer the existing table's name", () => {
    expect(onlyResource(tf, "aws_lambda_function").environment.variables.ORDERS_TABLE_NAME).toBe(
      context.usdOrdersTableName,
    );
  });

  test("alarms when the DLQ holds an order, the queue's oldest order is too old, or the consumer errs or is throttled", () => {
    const alarms = Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm"));
    expect(alarms.map((a) => [a.metric_name, a.dimensions]).sort()).toEqual(
      [
        ["ApproximateAgeOfOldestMessage", { QueueName: `\${aws_sqs_queue.${queueId}.name}` }],
        [
          "ApproximateNumberOfMessagesVisible",
          { QueueName: `\${aws_sqs_queue.${idWhere(tf, "aws_sqs_queue", "name", `${prefix}-UsdQueueDLQ`)}.name}` },
        ],
        ["Errors", { FunctionName: expect.stringMatching(/^\$\{aws_lambda_function\./) }],
        ["Throttles", { FunctionName: expect.stringMatching(/^\$\{aws_lambda_function\./) }],
      ].sort(),
    );
  });

  test("grants the use of the table's customer key through DynamoDB when the context names it", () => {
    const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const withKey = synthExample({ usdOrdersTableKeyArn: keyArn }).tf;
    expect(statementsOf(withKey, onlyResource(withKey, "aws_iam_role_policy").policy).at(-1)).toEqual({
      sid: "UseUsdOrdersTableKey",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      resources: [keyArn],
      condition: [viaServiceCondition("dynamodb")],
    });
  });

  test("names every missing setting of its cdktf.json context in one error", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "orders-example-")), context: { prefix: "" } });
    expect(() => settingsFromContext(app.node)).toThrow(
      [
        "Invalid SecondSubscriberStack props at cdktf.json context:",
        '  - prefix must be a non-empty string (given "")',
        "  - region must be a non-empty string (given undefined)",
        "  - ordersTopicArn must be a non-empty string (given undefined)",
        "  - usdOrdersTableName must be a non-empty string (given undefined)",
      ].join("\n"),
    );
  });
});
