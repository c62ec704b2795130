import { randomUUID } from "crypto";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { sampleOrder } from "../local/sns-delivery";
import {
  CommandIo,
  EXIT,
  parseCommandLine,
  defaultOutputsFile,
  describeAwsError,
  guarded,
  numberOption,
  projectRoot,
  regionOf,
  requireOutput,
  runAsProcess,
} from "./cli-support";
import { publishOrders } from "./publish";

export const SMOKE_HELP = `Usage: npm run smoke -- [options]

After a deploy: publishes one uniquely identified test order to OrderTopic and polls the
Orders table until the item appears. Prints the latency; exits non-zero when it does not
appear in time, so a pipeline can gate on it.

Options:
  --stack <name>          stack whose outputs name the topic and table (default orders-dev)
  --outputs <file>        stack outputs written by "npm run deploy" (default outputs.json)
  --topic-arn <arn>       the topic, instead of the stack output topic_arn
  --table-name <name>     the table, instead of the stack output table_name
  --timeout <s>           how long to wait, 1-900 s (default 60)
  --interval <ms>         between two reads of the table, 50-10000 ms (default 500)

Exit codes: 0 stored, 1 not stored in time (or AWS unreachable), 2 bad input.
`;

const OPTIONS = {
  stack: { type: "string" },
  outputs: { type: "string" },
  "topic-arn": { type: "string" },
  "table-name": { type: "string" },
  timeout: { type: "string" },
  interval: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function smokeMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return guarded(io, SMOKE_HELP, async () => {
    const { values } = parseCommandLine(argv, OPTIONS);
    if (values.help) {
      io.stdout.write(SMOKE_HELP);
      return EXIT.ok;
    }
    const stack = (values.stack as string | undefined) ?? "orders-dev";
    const outputs = (values.outputs as string | undefined) ?? defaultOutputsFile(root);
    const timeoutMs = numberOption(values, "timeout", 60, 1, 900)! * 1000;
    const intervalMs = numberOption(values, "interval", 500, 50, 10_000)!;
    const topicArn = requireOutput(values["topic-arn"] as string | undefined, outputs, stack, "topic_arn", "topic-arn");
    const tableName = requireOutput(
      values["table-name"] as string | undefined,
      outputs,
      stack,
      "table_name",
      "table-name",
    );

    const order = sampleOrder({
      orderId: `smoke-${Date.now()}-${randomUUID().slice(0, 8)}`,
      customerId: "smoke-test",
      smoke: true,
    });
    const region = regionOf(topicArn);
    const sns = new SNSClient({ region, maxAttempts: 3 });
    const dynamodb = new DynamoDBClient({ region, maxAttempts: 3 });
    try {
      const started = Date.now();
      let messageId: string;
      try {
        [messageId] = await publishOrders(sns, topicArn, [order]);
      } catch (error) {
        io.stderr.write(`${describeAwsError("SNS", error)}\n`);
        return EXIT.failed;
      }
      io.stdout.write(`published smoke order ${order.orderId} (message ${messageId})\n`);
      while (Date.now() - started < timeoutMs) {
        try {
          const found = await dynamodb.send(
            new GetItemCommand({
              TableName: tableName,
              Key: { orderId: { S: order.orderId as string } },
              ConsistentRead: true,
            }),
          );
          if (found.Item) {
            io.stdout.write(`stored in ${tableName} after ${Date.now() - started} ms\n`);
            return EXIT.ok;
          }
        } catch (error) {
          io.stderr.write(`${describeAwsError("DynamoDB", error)}\n`);
          return EXIT.failed;
        }
        await sleep(intervalMs);
      }
      io.stderr.write(
        `smoke order ${order.orderId} not stored in ${tableName} within ${timeoutMs / 1000} s: ` +
          `look at the DLQ (npm run dlq -- list), the alarms and the function's log group\n`,
      );
      return EXIT.failed;
    } finally {
      sns.destroy();
      dynamodb.destroy();
    }
  });
}

if (require.main === module) runAsProcess((argv, io) => smokeMain(argv, io));
