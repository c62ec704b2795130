import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { parseOrderMessage } from "../functions/process-order/parse";
import {
  CommandIo,
  EXIT,
  UsageError,
  defaultOutputsFile,
  describeAwsError,
  guarded,
  numberOption,
  parseCommandLine,
  projectRoot,
  regionOf,
  requireOutput,
  runAsProcess,
} from "./cli-support";

export const DLQ_HELP = `Usage: npm run dlq -- <list|redrive|purge> [options]

  list      peeks at the DLQ's messages without consuming them: message ID, receive count,
            first-seen time, and the orderId when the body parses or why it does not.
            (Peeking is a receive with a zero visibility timeout: it raises receive counts.)
  redrive   moves the DLQ's messages back to their source queue with SQS's message-move
            task and reports progress until it ends.
  purge     deletes every message on the DLQ, after confirmation.

Options:
  --stack <name>          stack whose outputs name the DLQ (default orders-dev)
  --outputs <file>        stack outputs written by "npm run deploy" (default outputs.json)
  --dlq-url <url>         the DLQ, instead of the stack output dlq_url
  --max <n>               list: at most n messages, 1-1000 (default 100)
  --rate <n>              redrive: messages per second, 1-500 (default: SQS's own pace)
  --interval <ms>         redrive: between two progress reads, 50-60000 ms (default 2000)
  --yes                   purge: do not ask

Exit codes: 0 done, 1 SQS refused, could not be reached or the move failed, 2 bad input.
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

type Values = Record<string, string | boolean | undefined>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface DeadLetter {
  readonly messageId: string;
  readonly receiveCount: number;
  readonly firstSeen: string;
  /** The orderId when the body parses as an order, else undefined. */
  readonly orderId?: string;
  /** Why the body is not a valid order, when it is not. */
  readonly reason?: string;
}

/** Reads up to `max` messages without consuming them (receives with a zero visibility timeout, deduplicated). */
export async function peek(client: SQSClient, queueUrl: string, max: number): Promise<DeadLetter[]> {
  const found = new Map<string, DeadLetter>();
  let quietRounds = 0;
  while (found.size < max && quietRounds < 3) {
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - found.size),
        VisibilityTimeout: 0,
        AttributeNames: ["All"],
      }),
    );
    const fresh = (received.Messages ?? []).filter((m) => !found.has(m.MessageId!));
    quietRounds = fresh.length === 0 ? quietRounds + 1 : 0;
    for (const m of fresh) {
      const sent = Number(m.Attributes?.SentTimestamp);
      let orderId: string | undefined;
      let reason: string | undefined;
      try {
        orderId = parseOrderMessage(m.Body ?? "", m.MessageId!).order.orderId;
      } catch (error) {
        reason = `${(error as Error).name}: ${(error as Error).message}`;
      }
      found.set(m.MessageId!, {
        messageId: m.MessageId!,
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
        firstSeen: Number.isFinite(sent) ? new Date(sent).toISOString() : "unknown",
        orderId,
        reason,
      });
    }
  }
  return [...found.values()].slice(0, max);
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

export async function dlqMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return guarded(io, DLQ_HELP, async () => {
    const { values, positionals } = parseCommandLine(argv, OPTIONS, true);
    if (values.help) {
      io.stdout.write(DLQ_HELP);
      return EXIT.ok;
    }
    const action = positionals[0] as keyof typeof ACTIONS | undefined;
    if (positionals.length !== 1 || !action || !(action in ACTIONS)) {
      throw new UsageError(`give one action: list, redrive or purge (given ${JSON.stringify(positionals.join(" "))})`);
    }
    const stack = (values.stack as string | undefined) ?? "orders-dev";
    const queueUrl = requireOutput(
      values["dlq-url"] as string | undefined,
      (values.outputs as string | undefined) ?? defaultOutputsFile(root),
      stack,
      "dlq_url",
      "dlq-url",
    );
    const client = new SQSClient({ region: regionOf(queueUrl), maxAttempts: 3 });
    try {
      return await ACTIONS[action](client, queueUrl, values, io);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`${describeAwsError("SQS", error)}\n`);
      return EXIT.failed;
    } finally {
      client.destroy();
    }
  });
}

if (require.main === module) runAsProcess((argv, io) => dlqMain(argv, io));
