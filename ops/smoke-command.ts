import { randomUUID } from "crypto";
import { DynamoDBClient, GetItemCommand, GetItemCommandOutput } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { AwsCaller, Deadline, tableNameProblem, topicArnProblem } from "../cli/aws";
import { CommandIo, EXIT, errorText, numberOption, runCommand } from "../cli/cli";
import { sampleOrder } from "../contract/samples";
import { projectRoot } from "../config/project";
import { publishEach } from "../cli/publish";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import { Target } from "./target";

export const SMOKE_COMMAND = "npm run smoke";

export const SMOKE_HELP = `Usage: npm run smoke -- [options]

After a deploy (or against "npm run sandbox"): publishes one uniquely identified test order to
OrderTopic and polls the Orders table until the item appears. Prints the latency; exits non-zero
when it does not appear in time, so a pipeline can gate on it.

Options:
  --outputs <file>        stack outputs: outputs.json from "npm run deploy" (the default), or
                          outputs.local.json from "npm run sandbox" (its endpoints included)
  --stack <name>          the stack in that file (default: ${DEFAULT_STACK_HELP})
  --topic-arn <arn>       the topic, instead of the stack output topic_arn
  --table-name <name>     the table, instead of the stack output table_name
  --timeout <s>           how long the whole command may take, publish and retries included,
                          1-900 s (default 60)
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

export async function smokeMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return runCommand({ name: SMOKE_COMMAND, help: SMOKE_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    const timeout = numberOption(values, "timeout", 60, 1, 900)!;
    const intervalMs = numberOption(values, "interval", 500, 50, 10_000)!;
    const target = new Target(values, root);
    const topicArn = target.value("topic-arn", "topic_arn", topicArnProblem);
    const tableName = target.value("table-name", "table_name", tableNameProblem);
    // --timeout bounds the whole command: the publish, every read of the table, and their retries.
    const snsSettings = target.client("sns", topicArn);
    const dynamoSettings = target.client("dynamodb", topicArn);
    const deadline = new Deadline(timeout);
    const sns = { settings: snsSettings, caller: new AwsCaller("sns", snsSettings, deadline) };
    const dynamo = { settings: dynamoSettings, caller: new AwsCaller("dynamodb", dynamoSettings, deadline) };

    const order = sampleOrder({
      orderId: `smoke-${Date.now()}-${randomUUID().slice(0, 8)}`,
      customerId: "smoke-test",
      smoke: true,
    });
    const snsClient = new SNSClient(sns.settings);
    const dynamodb = new DynamoDBClient(dynamo.settings);
    const notStored = (): number => {
      io.stderr.write(
        `smoke order ${order.orderId} not stored in ${tableName} within ${timeout} s: ` +
          `look at the DLQ (npm run dlq -- list), the alarms and the function's log group\n`,
      );
      return EXIT.failed;
    };
    try {
      const started = Date.now();
      let messageId: string | undefined;
      const outcome = await publishEach(snsClient, topicArn, [order], {
        call: (operation, send) => sns.caller.call(operation, send),
        onAccepted: (_index, id) => (messageId = id),
      });
      if (messageId === undefined) {
        io.stderr.write(`${errorText(outcome.error)}\n`);
        return EXIT.failed;
      }
      io.stdout.write(`published smoke order ${order.orderId} (message ${messageId})\n`);
      let answered = false;
      while (!deadline.passed) {
        let found: GetItemCommandOutput;
        try {
          found = await dynamo.caller.call("GetItem", (options) =>
            dynamodb.send(
              new GetItemCommand({
                TableName: tableName,
                Key: { orderId: { S: order.orderId as string } },
                ConsistentRead: true,
              }),
              options,
            ),
          );
        } catch (error) {
          // The table answered before: the deadline came during a read, the order is just not there yet.
          if (deadline.passed && answered) return notStored();
          io.stderr.write(`${errorText(error)}\n`);
          return EXIT.failed;
        }
        answered = true;
        if (found.Item) {
          io.stdout.write(`stored in ${tableName} after ${Date.now() - started} ms\n`);
          return EXIT.ok;
        }
        await deadline.sleep(intervalMs);
      }
      return notStored();
    } finally {
      deadline.stop();
      snsClient.destroy();
      dynamodb.destroy();
    }
  });
}
