import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { parseOrderMessage } from "../contract/parse";
import { describeAwsError, queueUrlProblem } from "../cli/aws";
import { CommandIo, EXIT, OptionValues, UsageError, numberOption, runCommand } from "../cli/cli";
import { projectRoot } from "../config/project";
import { sleep } from "../cli/sleep";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import { Target } from "./target";

export const DLQ_COMMAND = "npm run dlq";

export const DLQ_HELP = `Usage: npm run dlq -- <list|redrive|purge> [options]

  list      peeks at the DLQ's messages without consuming them: message ID, receive count,
            first-seen time, and the orderId when the body parses or why it does not.
            (Each message is received once and made visible again: like the console's peek,
            a listing adds one to its receive count; the count shown is the one before it.)
  redrive   moves the DLQ's messages back to their source queue with SQS's message-move
            task and reports progress until it ends.
  purge     deletes every message on the DLQ, after confirmation.

Options:
  --outputs <file>        stack outputs: outputs.json from "npm run deploy" (the default), or
                          outputs.local.json from "npm run sandbox" (its endpoints included)
  --stack <name>          the stack in that file (default: ${DEFAULT_STACK_HELP})
  --dlq-url <url>         the DLQ, instead of the stack output dlq_url
  --max <n>               list: at most n messages, 1-1000 (default 100)
  --rate <n>              redrive: messages per second, 1-500 (default: SQS's own pace)
  --interval <ms>         redrive: between two progress reads, 50-60000 ms (default 2000)
  --yes                   purge: do not ask

Exit codes: 0 done, 1 SQS refused, could not be reached or the move failed (or the SQS server
has no message-move task, as fauxqs in "npm run sandbox"), 2 bad input.
`;

const OPTIONS = {
  stack: { type: "string" },
  outputs: { type: "string" },
  "dlq-url": { type: "string" },
  max: { type: "string" },
  rate: { type: "string" },
  interval: { type: "string" },
  yes: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = OptionValues;

export interface DeadLetter {
  readonly messageId: string;
  readonly receiveCount: number;
  readonly firstSeen: string;
  /** The orderId when the body parses as an order, else undefined. */
  readonly orderId?: string;
  /** Why the body is not a valid order, when it is not. */
  readonly reason?: string;
}

/**
 * Reads up to `max` messages without consuming them: each is received once (hidden meanwhile, so
 * the next receive returns others), then made visible again. A listing raises every receive count
 * by one, as the console's peek does; `receiveCount` is the count before this listing.
 */
export async function peek(client: SQSClient, queueUrl: string, max: number): Promise<DeadLetter[]> {
  const found = new Map<string, DeadLetter>();
  const handles: string[] = [];
  try {
    while (found.size < max) {
      const received = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - found.size),
          VisibilityTimeout: 30,
          // A long poll asks every server of the queue: a short one may miss messages.
          WaitTimeSeconds: 1,
          // Both spellings: older servers (local-aws-sqs) know only AttributeNames.
          AttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
        }),
      );
      if (!received.Messages?.length) break;
      for (const m of received.Messages) {
        handles.push(m.ReceiptHandle!);
        if (!found.has(m.MessageId!)) found.set(m.MessageId!, deadLetterOf(m));
      }
    }
  } finally {
    for (let i = 0; i < handles.length; i += 10) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: `v${j}`, ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return [...found.values()].slice(0, max);
}

function deadLetterOf(m: Message): DeadLetter {
  const sent = Number(m.Attributes?.SentTimestamp);
  let orderId: string | undefined;
  let reason: string | undefined;
  try {
    orderId = parseOrderMessage(m.Body ?? "", m.MessageId!).order.orderId;
  } catch (error) {
    reason = `${(error as Error).name}: ${(error as Error).message}`;
  }
  return {
    messageId: m.MessageId!,
    receiveCount: Math.max(0, Number(m.Attributes?.ApproximateReceiveCount ?? 1) - 1),
    firstSeen: Number.isFinite(sent) ? new Date(sent).toISOString() : "unknown",
    orderId,
    reason,
  };
}

async function list(client: SQSClient, queueUrl: string, values: Values, io: CommandIo): Promise<number> {
  const max = numberOption(values, "max", 100, 1, 1000)!;
  const letters = await peek(client, queueUrl, max);
  io.stdout.write(`${letters.length} message(s) on ${queueUrl}\n`);
  for (const l of letters) {
    const what = l.orderId !== undefined ? `orderId ${l.orderId}` : l.reason;
    io.stdout.write(`${l.messageId}  receives ${l.receiveCount}  first seen ${l.firstSeen}  ${what}\n`);
  }
  return EXIT.ok;
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  const attributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return attributes.Attributes!.QueueArn!;
}

async function redrive(client: SQSClient, queueUrl: string, values: Values, io: CommandIo): Promise<number> {
  const rate = numberOption(values, "rate", undefined, 1, 500);
  const intervalMs = numberOption(values, "interval", 2000, 50, 60_000)!;
  const sourceArn = await queueArn(client, queueUrl);
  // Without a destination, SQS moves each message back to the queue it came from.
  const { TaskHandle } = await client.send(
    new StartMessageMoveTaskCommand({ SourceArn: sourceArn, MaxNumberOfMessagesPerSecond: rate }),
  );
  io.stdout.write(`started moving messages from ${sourceArn} back to their source queue (task ${TaskHandle})\n`);
  for (;;) {
    const { Results } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = Results?.find((t) => t.TaskHandle === TaskHandle) ?? Results?.[0];
    if (!task) throw new Error(`no message-move task found for ${sourceArn}`);
    const total = task.ApproximateNumberOfMessagesToMove;
    io.stdout.write(
      `${task.Status}: moved ${task.ApproximateNumberOfMessagesMoved ?? 0}${total !== undefined ? ` of ${total}` : ""}\n`,
    );
    if (task.Status === "COMPLETED") return EXIT.ok;
    if (task.Status === "FAILED" || task.Status === "CANCELLED" || task.Status === "CANCELLING") {
      io.stderr.write(`the move ended ${task.Status}${task.FailureReason ? `: ${task.FailureReason}` : ""}\n`);
      return EXIT.failed;
    }
    await sleep(intervalMs);
  }
}

async function purge(client: SQSClient, queueUrl: string, values: Values, io: CommandIo): Promise<number> {
  if (values.yes !== true) {
    if (!io.confirm)
      throw new UsageError("purge deletes every message on the DLQ: run it in a terminal to confirm, or pass --yes");
    if (!(await io.confirm(`Delete every message on ${queueUrl}?`))) {
      io.stdout.write("not purged\n");
      return EXIT.ok;
    }
  }
  await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  io.stdout.write(`purged ${queueUrl}\n`);
  return EXIT.ok;
}

const ACTIONS = { list, redrive, purge } as const;

/** SQS servers without the message-move task answer with one of these (fauxqs: InvalidAction). */
function isUnsupportedAction(error: unknown): boolean {
  const err = error as Error;
  return (
    /^(InvalidAction|UnknownOperationException|UnsupportedOperation)$/.test(err.name) ||
    /Unknown action|UnknownOperation/i.test(err.message)
  );
}

export async function dlqMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return runCommand(
    { name: DLQ_COMMAND, help: DLQ_HELP, options: OPTIONS, positionals: true },
    argv,
    io,
    async ({ values, positionals }) => {
      const action = positionals[0];
      if (positionals.length !== 1 || !Object.hasOwn(ACTIONS, action)) {
        throw new UsageError(
          `give one action: list, redrive or purge (given ${positionals.length ? JSON.stringify(positionals.join(" ")) : "none"})`,
        );
      }
      // Every option is checked before any call.
      numberOption(values, "max", undefined, 1, 1000);
      numberOption(values, "rate", undefined, 1, 500);
      numberOption(values, "interval", undefined, 50, 60_000);
      const target = new Target(values, root);
      const queueUrl = target.value("dlq-url", "dlq_url", queueUrlProblem);
      const settings = target.client("sqs", queueUrl);
      const client = new SQSClient(settings);
      try {
        return await ACTIONS[action as keyof typeof ACTIONS](client, queueUrl, values, io);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        if (action === "redrive" && isUnsupportedAction(error)) {
          const server = settings.endpoint ?? new URL(queueUrl).origin;
          io.stderr.write(
            `redrive needs SQS's StartMessageMoveTask, which the SQS server at ${server} does not implement ` +
              `(it answered ${(error as Error).name}: ${(error as Error).message}); fauxqs, the server of ` +
              `"npm run sandbox", has none: nothing was moved\n`,
          );
          return EXIT.failed;
        }
        io.stderr.write(`${describeAwsError("sqs", error, settings.endpoint)}\n`);
        return EXIT.failed;
      } finally {
        client.destroy();
      }
    },
  );
}
