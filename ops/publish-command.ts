import { createHash } from "crypto";
import * as fs from "fs";
import { SNSClient } from "@aws-sdk/client-sns";
import { InvalidOrderError, parseJsonObject, parseOrder } from "../contract/parse";
import { AwsCaller, Deadline, topicArnProblem } from "../cli/aws";
import {
  CommandIo,
  EXIT,
  OptionValues,
  UsageError,
  errorText,
  numberOption,
  runCommand,
  stringOption,
} from "../cli/cli";
import { MAX_INPUT_BYTES, cutText, jsonDepthProblem, quote, readBoundedFile, readBoundedStream } from "../config/input";
import { sampleOrder } from "../contract/samples";
import { projectRoot } from "../config/project";
import { SNS_MAX_MESSAGE_BYTES, publishEach } from "../cli/publish";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import { Target } from "./target";

export const PUBLISH_COMMAND = "npm run publish";

export const PUBLISH_HELP = `Usage: npm run publish -- [options]

Publishes orders to the stack's OrderTopic and prints "<orderId> <messageId>" per order as SNS
accepts it, so an interrupted run shows exactly what went out. Every order is checked against
the order contract and SNS's 256 KiB message limit first; a bad one publishes nothing.

What to publish (one of):
  --file <path>            one order as JSON, a regular file of at most 1 MiB; "-" reads standard input
  --order-id <id> --customer-id <id> --sku <sku> --quantity <n> --unit-price <x> --currency <ISO>
                           one order from flags (one item)
  --count <n>              n generated orders, 1-10000
  --seed <text>            with --count: the same seed generates the same orders (same orderIds),
                           so a rerun publishes again exactly what an interrupted run meant to,
                           and the function stores each order once

Where to:
  --outputs <file>         stack outputs: outputs.json from "npm run deploy" (the default), or
                           outputs.local.json from "npm run sandbox" (its endpoints included)
  --stack <name>           the stack in that file (default: ${DEFAULT_STACK_HELP})
  --topic-arn <arn>        the topic, instead of the stack output topic_arn

Also:
  --ids-file <file>        append each "<orderId> <messageId>" line to <file> too, as SNS accepts it
  --timeout <s>            give up after, 1-3600 s (default 60): the whole command, retries included

Exit codes: 0 published, 1 SNS refused an order, could not be reached or did not answer in time
(the lines printed are the orders it accepted), 2 bad input.
`;

const OPTIONS = {
  file: { type: "string" },
  count: { type: "string" },
  seed: { type: "string" },
  "order-id": { type: "string" },
  "customer-id": { type: "string" },
  sku: { type: "string" },
  quantity: { type: "string" },
  "unit-price": { type: "string" },
  currency: { type: "string" },
  stack: { type: "string" },
  outputs: { type: "string" },
  "topic-arn": { type: "string" },
  "ids-file": { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** PublishBatch requests at once: 10,000 orders take 250 round trips. */
const IN_FLIGHT = 4;

/** The order flags, by the contract field each fills (one item: items[0]). */
const ORDER_FLAGS = {
  orderId: "order-id",
  customerId: "customer-id",
  "items[0].sku": "sku",
  "items[0].quantity": "quantity",
  "items[0].unitPrice": "unit-price",
  currency: "currency",
} as const;

export interface PublishDependencies {
  /** Standard input's text, read within `maxBytes` (tests pass their own). */
  readonly readStdin?: (maxBytes: number) => Promise<string>;
  readonly root?: string;
  /** Resolves when the user asks to stop (Ctrl-C): no new request is sent after it. */
  readonly stopSignal?: Promise<unknown>;
}

/** A flag's number, or the text itself when it is not one, so the contract quotes what was given. */
function numberOrText(value: string | boolean | undefined): unknown {
  if (typeof value !== "string") return value;
  return value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
}

/** The contract's problems with an order built from flags, each naming its flag: `--quantity must be ...`. */
function flagProblems(error: InvalidOrderError): string[] {
  return error.problems.map((problem) => {
    for (const [field, flag] of Object.entries(ORDER_FLAGS)) {
      if (problem.startsWith(`${field} `)) return `--${flag}${problem.slice(field.length)}`;
    }
    return problem;
  });
}

/**
 * The orderId of generated order `index` of `seed`: a UUID-shaped digest of both, so the same
 * seed gives the same orders (and a different seed different ones).
 */
export function seededOrderId(seed: string, index: number): string {
  const hex = createHash("sha256").update(`${seed}\n${index}`).digest("hex");
  return `order-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The orders the options ask for, each checked against the contract and SNS's size limit. */
async function ordersFrom(
  values: OptionValues,
  readStdin: (maxBytes: number) => Promise<string>,
): Promise<Record<string, unknown>[]> {
  const fromFlags = Object.values(ORDER_FLAGS).some((f) => values[f] !== undefined);
  const sources = [values.file !== undefined, values.count !== undefined, fromFlags].filter(Boolean).length;
  if (sources !== 1) throw new UsageError("give exactly one of --file, --count or the order flags (--order-id ...)");
  const seed = stringOption(values, "seed");
  if (seed !== undefined && values.count === undefined) {
    throw new UsageError("--seed applies to --count only: it makes the generated orders the same on every run");
  }

  if (values.count !== undefined) {
    const count = numberOption(values, "count", 1, 1, 10_000)!;
    return Array.from({ length: count }, (_, i) =>
      seed === undefined ? sampleOrder() : sampleOrder({ orderId: seededOrderId(seed, i) }),
    );
  }
  const file = stringOption(values, "file");
  let candidate: Record<string, unknown>;
  if (file !== undefined) {
    const what = file === "-" ? "standard input" : `--file ${cutText(file)}`;
    const text =
      file === "-"
        ? await readStdin(MAX_INPUT_BYTES)
        : readBoundedFile(file, { what: "--file", maxBytes: MAX_INPUT_BYTES, stdinAllowed: true });
    const tooDeep = jsonDepthProblem(text, what);
    if (tooDeep) throw new UsageError(tooDeep);
    try {
      candidate = parseJsonObject(text, what);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    try {
      parseOrder(candidate);
    } catch (error) {
      throw new UsageError(`the order does not match the contract: ${(error as Error).message}`);
    }
  } else {
    candidate = {
      orderId: values["order-id"],
      customerId: values["customer-id"],
      items: [
        { sku: values.sku, quantity: numberOrText(values.quantity), unitPrice: numberOrText(values["unit-price"]) },
      ],
      currency: values.currency,
      createdAt: new Date().toISOString(),
    };
    try {
      parseOrder(candidate);
    } catch (error) {
      if (!(error instanceof InvalidOrderError)) throw error;
      throw new UsageError(`the order does not match the contract: ${flagProblems(error).join("; ")}`);
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(candidate));
  if (bytes > SNS_MAX_MESSAGE_BYTES) {
    throw new UsageError(
      `the order is ${bytes} bytes as JSON; SNS takes at most ${SNS_MAX_MESSAGE_BYTES} bytes (256 KiB) per message`,
    );
  }
  return [candidate];
}

/** Checks, before anything is sent, that `file` can take the ids: an existing folder, and a regular file if it exists. */
function checkIdsFile(file: string): void {
  let fd: number;
  try {
    // Opened for appending and closed at once: creates it (empty) or leaves it as it is.
    fd = fs.openSync(
      file,
      fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NONBLOCK,
    );
  } catch (error) {
    throw new UsageError(
      `--ids-file cannot be written (given ${quote(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const regular = fs.fstatSync(fd).isFile();
  fs.closeSync(fd);
  if (!regular) throw new UsageError(`--ids-file must be a regular file (given ${quote(file)})`);
}

export async function publishMain(argv: string[], io: CommandIo, deps: PublishDependencies = {}): Promise<number> {
  return runCommand({ name: PUBLISH_COMMAND, help: PUBLISH_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    // Every option and input is checked before anything is read from the network or written.
    const timeout = numberOption(values, "timeout", 60, 1, 3600)!;
    const orders = await ordersFrom(
      values,
      deps.readStdin ?? ((maxBytes) => readBoundedStream(process.stdin, "standard input", maxBytes)),
    );
    const target = new Target(values, deps.root ?? projectRoot(__dirname));
    const topicArn = target.value("topic-arn", "topic_arn", topicArnProblem);
    const idsFile = stringOption(values, "ids-file");
    if (idsFile !== undefined) checkIdsFile(idsFile);
    const settings = target.client("sns", topicArn);
    // Started once every input is checked: a refused input leaves no timer behind.
    const deadline = new Deadline(timeout);
    const caller = new AwsCaller("sns", settings, deadline);
    const client = new SNSClient(settings);
    let stopRequested = false;
    void deps.stopSignal?.then(() => (stopRequested = true));
    try {
      const outcome = await publishEach(client, topicArn, orders, {
        inFlight: IN_FLIGHT,
        call: (operation, send) => caller.call(operation, send),
        stopped: () => stopRequested,
        onAccepted: (index, messageId) => {
          const line = `${orders[index].orderId} ${messageId}\n`;
          io.stdout.write(line);
          if (idsFile !== undefined) fs.appendFileSync(idsFile, line);
        },
        onRefused: (index, reason) => io.stderr.write(`${orders[index].orderId} refused by SNS: ${cutText(reason)}\n`),
      });
      if (outcome.error === undefined && outcome.refused === 0 && !outcome.stopped) return EXIT.ok;
      // One order: its line on standard output, or the one failure, says it all.
      if (orders.length === 1) {
        if (outcome.error !== undefined) io.stderr.write(`${errorText(outcome.error)}\n`);
        return EXIT.failed;
      }
      const problems: string[] = [];
      if (outcome.stopped) problems.push("stopped on request");
      if (outcome.error !== undefined) problems.push(errorText(outcome.error));
      const parts = [`${outcome.accepted} of ${orders.length} published (the lines printed)`];
      if (outcome.refused) parts.push(`${outcome.refused} refused (listed above)`);
      if (outcome.unanswered.length)
        parts.push(
          // At most the batches in flight (40 orderIds of at most 64 characters): listed whole.
          `${outcome.unanswered.length} without an answer from SNS (it may have accepted some): ` +
            outcome.unanswered.map((i) => orders[i].orderId).join(" "),
        );
      if (outcome.notSent) parts.push(`${outcome.notSent} not sent`);
      const again =
        values.count !== undefined && values.seed !== undefined
          ? "; run the same command again to publish them (the function stores each order once)"
          : "";
      problems.push(`${parts.join("; ")}${again}`);
      io.stderr.write(`${problems.join("\n")}\n`);
      return EXIT.failed;
    } finally {
      deadline.stop();
      client.destroy();
    }
  });
}
