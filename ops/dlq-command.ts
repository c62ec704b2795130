import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { parseOrderMessage } from "../contract/parse";
import { AwsCallError, AwsCaller, Deadline, describeAwsError, queueUrlProblem } from "../cli/aws";
import { CommandIo, EXIT, UsageError, errorText, numberOption, onlyOptionsFor, runCommand } from "../cli/cli";
import { InputError, cutText, quote } from "../config/input";
import { projectRoot } from "../config/project";
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
  purge     deletes every message on the DLQ (or, with --max, that many), after confirmation.

Options:
  --outputs <file>        stack outputs: outputs.json from "npm run deploy" (the default), or
                          outputs.local.json from "npm run sandbox" (its endpoints included)
  --stack <name>          the stack in that file (default: ${DEFAULT_STACK_HELP})
  --dlq-url <url>         the DLQ, instead of the stack output dlq_url
  --timeout <s>           give up after, 1-3600 s (default 60; redrive 600): the whole command
  --max <n>               list: at most n messages, 1-1000 (default 100);
                          purge: delete at most n messages (received, then deleted) instead of all
  --rate <n>              redrive: messages per second, 1-500 (default: SQS's own pace)
  --interval <ms>         redrive: between two progress reads, 50-60000 ms (default 2000)
  --yes                   purge: do not ask

An option another action takes is refused (dlq list --yes).

Exit codes: 0 done, 1 SQS refused, could not be reached, did not answer in time or the move
failed (or the SQS server has no message-move task, as fauxqs in "npm run sandbox"), 2 bad input.
`;

const OPTIONS = {
  stack: { type: "string" },
  outputs: { type: "string" },
  "dlq-url": { type: "string" },
  timeout: { type: "string" },
  max: { type: "string" },
  rate: { type: "string" },
  interval: { type: "string" },
  yes: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The options only some actions take, by action. */
const ACTION_OPTIONS = {
  list: ["max"],
  redrive: ["rate", "interval"],
  purge: ["max", "yes"],
} as const;

/** How long each action may take by default, seconds. */
const DEFAULT_TIMEOUT = { list: 60, redrive: 600, purge: 60 } as const;

/** How long a listing's messages stay hidden (30 s), and how long making them visible again may take. */
const PEEK_VISIBILITY_SECONDS = 30;
const RESTORE_TIMEOUT_MS = 5_000;

type Action = keyof typeof ACTION_OPTIONS;

/** What an action gets: the queue, its client, the checked options, the deadline. */
interface Run {
  readonly client: SQSClient;
  readonly caller: AwsCaller;
  readonly queueUrl: string;
  readonly io: CommandIo;
  readonly max?: number;
  readonly rate?: number;
  readonly intervalMs: number;
  readonly yes: boolean;
}

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
 * by one, as the console's peek does; `receiveCount` is the count before this listing. Making
 * them visible again has its own 5 s, so a deadline that passed mid-listing does not leave them
 * hidden; should it fail, the message says they reappear after 30 s.
 */
export async function peek(client: SQSClient, queueUrl: string, max: number, caller: AwsCaller): Promise<DeadLetter[]> {
  const found = new Map<string, DeadLetter>();
  const handles: string[] = [];
  let failure: unknown;
  try {
    while (found.size < max) {
      const received = await caller.call("ReceiveMessage", (options) =>
        client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, max - found.size),
            VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
            // A long poll asks every server of the queue: a short one may miss messages.
            WaitTimeSeconds: 1,
            // Both spellings: older servers (local-aws-sqs) know only AttributeNames.
            AttributeNames: ["All"],
            MessageSystemAttributeNames: ["All"],
          }),
          options,
        ),
      );
      if (!received.Messages?.length) break;
      for (const m of received.Messages) {
        handles.push(m.ReceiptHandle!);
        if (!found.has(m.MessageId!)) found.set(m.MessageId!, deadLetterOf(m));
      }
    }
  } catch (error) {
    failure = error;
  }
  // Whatever happened, what was received is made visible again.
  const hidden: string[] = [];
  try {
    for (let i = 0; i < handles.length; i += 10) {
      const result = await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: `v${j}`, ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
        { abortSignal: AbortSignal.timeout(RESTORE_TIMEOUT_MS) },
      );
      hidden.push(...(result.Failed ?? []).map((f) => f.Code ?? f.Message ?? "no reason given"));
    }
  } catch (error) {
    failure ??= new AwsCallError(
      `${describeAwsError("sqs", error, caller.endpoint, "ChangeMessageVisibilityBatch")}: ` +
        `the listed messages reappear on their own after ${PEEK_VISIBILITY_SECONDS} s`,
      { cause: error },
    );
  }
  if (hidden.length > 0) {
    failure ??= new Error(
      `SQS did not make ${hidden.length} listed message(s) visible again (${cutText(hidden.join("; "))}): ` +
        `they reappear on their own after ${PEEK_VISIBILITY_SECONDS} s`,
    );
  }
  if (failure !== undefined) throw failure;
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

async function list(run: Run): Promise<number> {
  const { client, caller, queueUrl, io } = run;
  const letters = await peek(client, queueUrl, run.max ?? 100, caller);
  io.stdout.write(`${letters.length} message(s) on ${queueUrl}\n`);
  for (const l of letters) {
    const what = l.orderId !== undefined ? `orderId ${l.orderId}` : l.reason;
    io.stdout.write(`${l.messageId}  receives ${l.receiveCount}  first seen ${l.firstSeen}  ${what}\n`);
  }
  return EXIT.ok;
}

async function redrive(run: Run): Promise<number> {
  const { client, caller, queueUrl, io, rate } = run;
  const attributes = await caller.call("GetQueueAttributes", (options) =>
    client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }), options),
  );
  const sourceArn = attributes.Attributes!.QueueArn!;
  // Without a destination, SQS moves each message back to the queue it came from.
  const { TaskHandle } = await caller.call("StartMessageMoveTask", (options) =>
    client.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, MaxNumberOfMessagesPerSecond: rate }), options),
  );
  io.stdout.write(`started moving messages from ${sourceArn} back to their source queue (task ${TaskHandle})\n`);
  if (rate !== undefined) io.stdout.write(`at most ${rate} message(s) per second\n`);
  for (;;) {
    const { Results } = await caller.call("ListMessageMoveTasks", (options) =>
      client.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }), options),
    );
    const task = Results?.find((t) => t.TaskHandle === TaskHandle) ?? Results?.[0];
    if (!task) throw new Error(`no message-move task found for ${sourceArn}`);
    const total = task.ApproximateNumberOfMessagesToMove;
    const last = `moved ${task.ApproximateNumberOfMessagesMoved ?? 0}${total !== undefined ? ` of ${total}` : ""}`;
    io.stdout.write(`${task.Status}: ${last}\n`);
    if (task.Status === "COMPLETED") return EXIT.ok;
    if (task.Status === "FAILED" || task.Status === "CANCELLED" || task.Status === "CANCELLING") {
      io.stderr.write(`the move ended ${task.Status}${task.FailureReason ? `: ${task.FailureReason}` : ""}\n`);
      return EXIT.failed;
    }
    await caller.deadline.sleep(run.intervalMs);
    if (caller.deadline.passed) {
      io.stderr.write(
        `the move is still ${task.Status} ${caller.deadline.describe()}: ${last}; SQS goes on with it ` +
          `("npm run dlq -- list" shows what is left)\n`,
      );
      return EXIT.failed;
    }
  }
}

async function purge(run: Run): Promise<number> {
  const { client, caller, queueUrl, io, max } = run;
  if (!run.yes) {
    if (!io.confirm)
      throw new UsageError(
        `purge deletes ${max === undefined ? "every message" : `up to ${max} messages`} on the DLQ: run it in a terminal to confirm, or pass --yes`,
      );
    const question =
      max === undefined ? `Delete every message on ${queueUrl}?` : `Delete up to ${max} messages on ${queueUrl}?`;
    if (!(await io.confirm(question))) {
      io.stdout.write("not purged\n");
      return EXIT.ok;
    }
  }
  if (max === undefined) {
    await caller.call("PurgeQueue", (options) => client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }), options));
    io.stdout.write(`purged ${queueUrl}\n`);
    return EXIT.ok;
  }
  // PurgeQueue takes everything: at most n is receive, then delete what was received.
  let deleted = 0;
  while (deleted < max) {
    const received = await caller.call("ReceiveMessage", (options) =>
      client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - deleted),
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          WaitTimeSeconds: 1,
        }),
        options,
      ),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) break;
    const result = await caller.call("DeleteMessageBatch", (options) =>
      client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })),
        }),
        options,
      ),
    );
    deleted += result.Successful?.length ?? 0;
    if (result.Failed?.length) {
      io.stderr.write(
        `SQS did not delete ${result.Failed.length} message(s): ${cutText(result.Failed.map((f) => f.Code ?? f.Message).join("; "))}\n`,
      );
      io.stdout.write(`deleted ${deleted} message(s) from ${queueUrl}\n`);
      return EXIT.failed;
    }
  }
  io.stdout.write(`deleted ${deleted} message(s) from ${queueUrl}\n`);
  return EXIT.ok;
}

const ACTIONS: Record<Action, (run: Run) => Promise<number>> = { list, redrive, purge };

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
      const action = positionals[0] as Action;
      if (positionals.length !== 1 || !Object.hasOwn(ACTIONS, action)) {
        throw new UsageError(
          `give one action: list, redrive or purge (given ${positionals.length ? quote(positionals.join(" ")) : "none"})`,
        );
      }
      // Every option is checked before any call: those of other actions are refused.
      onlyOptionsFor(action, values, ["max", "rate", "interval", "yes"], ACTION_OPTIONS[action]);
      const timeout = numberOption(values, "timeout", DEFAULT_TIMEOUT[action], 1, 3600)!;
      const max = numberOption(values, "max", undefined, 1, 1000);
      const rate = numberOption(values, "rate", undefined, 1, 500);
      const intervalMs = numberOption(values, "interval", 2000, 50, 60_000)!;
      const target = new Target(values, root);
      const queueUrl = target.value("dlq-url", "dlq_url", queueUrlProblem);
      const settings = target.client("sqs", queueUrl);
      const deadline = new Deadline(timeout);
      const caller = new AwsCaller("sqs", settings, deadline);
      const client = new SQSClient(settings);
      try {
        return await ACTIONS[action]({ client, caller, queueUrl, io, max, rate, intervalMs, yes: values.yes === true });
      } catch (error) {
        if (error instanceof InputError) throw error;
        const cause = error instanceof AwsCallError ? error.cause : error;
        if (action === "redrive" && isUnsupportedAction(cause)) {
          io.stderr.write(
            `redrive needs SQS's StartMessageMoveTask, which the SQS server at ${caller.endpoint} does not implement ` +
              `(it answered ${(cause as Error).name}: ${cutText((cause as Error).message)}); fauxqs, the server of ` +
              `"npm run sandbox", has none: nothing was moved\n`,
          );
          return EXIT.failed;
        }
        io.stderr.write(`${errorText(error)}\n`);
        return EXIT.failed;
      } finally {
        deadline.stop();
        client.destroy();
      }
    },
  );
}
