import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describeAwsError, queueUrlProblem } from "../cli/aws";
import { CommandIo, EXIT, OptionValues, numberOption, runCommand } from "../cli/cli";
import { projectRoot } from "../config/project";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import { DeadLetter, peek } from "./dlq-command";
import { Target } from "./target";

export const STATUS_COMMAND = "npm run status";

export const STATUS_HELP = `Usage: npm run status -- [options]

One screen of a deployed stack's (or the sandbox's) health: the queue's visible and in-flight
messages, the DLQ's depth and its newest dead letters with the reason each failed. Exits 1 when
unhealthy (a message in the DLQ), so a pipeline can gate on it.
(Listing the newest dead letters receives each once, as "npm run dlq -- list" does: its receive
count goes up by one.)

Options:
  --outputs <file>        stack outputs: outputs.json from "npm run deploy" (the default), or
                          outputs.local.json from "npm run sandbox" (its endpoints included)
  --stack <name>          the stack in that file (default: ${DEFAULT_STACK_HELP})
  --newest <n>            dead letters to show, 0-20 (default 5)
  --timeout <s>           give up after this many seconds, 1-300 (default 30)

Exit codes: 0 healthy, 1 unhealthy (or AWS unreachable, or no answer in time), 2 bad input.
`;

const OPTIONS = {
  stack: { type: "string" },
  outputs: { type: "string" },
  newest: { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** What the status screen shows of one queue. */
export interface QueueStatus {
  readonly visible: number;
  readonly inFlight: number;
}

async function queueStatus(client: SQSClient, queueUrl: string, abortSignal: AbortSignal): Promise<QueueStatus> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
    { abortSignal },
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** The screen's lines and whether the stack is healthy. */
export function statusScreen(
  queue: QueueStatus,
  dlq: QueueStatus,
  letters: readonly DeadLetter[],
): { readonly lines: string[]; readonly healthy: boolean } {
  const depth = dlq.visible + dlq.inFlight;
  const healthy = depth === 0;
  const lines = [
    `queue: ${queue.visible} visible, ${queue.inFlight} in flight`,
    `DLQ:   ${depth} message(s)${depth > 0 ? ": a person needs to look (npm run dlq -- list)" : ""}`,
    ...letters.map(
      (l) => `  ${l.firstSeen}  ${l.messageId}  ${l.orderId !== undefined ? `orderId ${l.orderId}` : l.reason}`,
    ),
    `status: ${healthy ? "healthy" : "UNHEALTHY"}`,
  ];
  return { lines, healthy };
}

export async function statusMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return runCommand({ name: STATUS_COMMAND, help: STATUS_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    const newest = numberOption(values as OptionValues, "newest", 5, 0, 20)!;
    const timeoutSeconds = numberOption(values as OptionValues, "timeout", 30, 1, 300)!;
    const target = new Target(values, root);
    const queueUrl = target.value("queue-url", "queue_url", queueUrlProblem);
    const dlqUrl = target.value("dlq-url", "dlq_url", queueUrlProblem);
    const settings = target.client("sqs", queueUrl);
    const client = new SQSClient(settings);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve("timeout");
      }, timeoutSeconds * 1000);
    });
    try {
      const read = (async () => {
        const [queue, dlq] = await Promise.all([
          queueStatus(client, queueUrl, controller.signal),
          queueStatus(client, dlqUrl, controller.signal),
        ]);
        const letters = dlq.visible > 0 && newest > 0 ? await peek(client, dlqUrl, newest) : [];
        return statusScreen(queue, dlq, letters);
      })();
      const result = await Promise.race([read, deadline]);
      if (result === "timeout") {
        read.catch(() => undefined);
        io.stderr.write(`no answer from SQS within ${timeoutSeconds} s (${settings.endpoint ?? queueUrl})\n`);
        return EXIT.failed;
      }
      io.stdout.write(`${result.lines.join("\n")}\n`);
      return result.healthy ? EXIT.ok : EXIT.failed;
    } catch (error) {
      io.stderr.write(`${describeAwsError("sqs", error, settings.endpoint)}\n`);
      return EXIT.failed;
    } finally {
      clearTimeout(timer);
      client.destroy();
    }
  });
}
