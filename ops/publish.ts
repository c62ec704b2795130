import * as fs from "fs";
import { PublishBatchCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { sampleOrder } from "../local/sns-delivery";
import { parseJsonObject, parseOrder } from "../functions/process-order/parse";
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

export const PUBLISH_HELP = `Usage: npm run publish -- [options]

Publishes orders to the stack's OrderTopic and prints "<orderId> <messageId>" per order.
Every order is checked against the order contract first; a bad one publishes nothing.

What to publish (one of):
  --file <path>            one order as JSON; "-" reads standard input
  --order-id <id> --customer-id <id> --sku <sku> --quantity <n> --unit-price <x> --currency <ISO>
                           one order from flags (one item)
  --count <n>              n generated orders, 1-10000

Where to:
  --stack <name>           stack whose outputs name the topic (default orders-dev)
  --outputs <file>         stack outputs written by "npm run deploy" (default outputs.json)
  --topic-arn <arn>        the topic, instead of the stack output topic_arn

Exit codes: 0 published, 1 SNS refused or could not be reached, 2 bad input.
`;

const OPTIONS = {
  file: { type: "string" },
  count: { type: "string" },
  "order-id": { type: "string" },
  "customer-id": { type: "string" },
  sku: { type: "string" },
  quantity: { type: "string" },
  "unit-price": { type: "string" },
  currency: { type: "string" },
  stack: { type: "string" },
  outputs: { type: "string" },
  "topic-arn": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface PublishDependencies {
  readonly readStdin?: () => Promise<string>;
  readonly root?: string;
}

type Values = Record<string, string | boolean | undefined>;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/** The orders the options ask for, each checked against the contract. */
async function ordersFrom(values: Values, readStdin: () => Promise<string>): Promise<Record<string, unknown>[]> {
  const flagNames = ["order-id", "customer-id", "sku", "quantity", "unit-price", "currency"] as const;
  const fromFlags = flagNames.some((f) => values[f] !== undefined);
  const sources = [values.file !== undefined, values.count !== undefined, fromFlags].filter(Boolean).length;
  if (sources !== 1) throw new UsageError("give exactly one of --file, --count or the order flags (--order-id ...)");

  if (values.count !== undefined) {
    return Array.from({ length: numberOption(values, "count", 1, 1, 10_000)! }, () => sampleOrder());
  }
  let candidate: Record<string, unknown>;
  const file = values.file as string | undefined;
  if (file !== undefined) {
    const text = file === "-" ? await readStdin() : readFile(file);
    try {
      candidate = parseJsonObject(text, file === "-" ? "standard input" : file);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  } else {
    candidate = {
      orderId: values["order-id"],
      customerId: values["customer-id"],
      items: [{ sku: values.sku, quantity: Number(values.quantity), unitPrice: Number(values["unit-price"]) }],
      currency: values.currency,
      createdAt: new Date().toISOString(),
    };
  }
  try {
    parseOrder(candidate);
  } catch (error) {
    throw new UsageError(`the order does not match the contract: ${(error as Error).message}`);
  }
  return [candidate];
}

function readFile(file: string): string {
  if (!fs.existsSync(file)) throw new UsageError(`--file ${file} does not exist`);
  return fs.readFileSync(file, "utf8");
}

/** Publishes the orders (10 per PublishBatch call) and returns their message IDs in order. */
export async function publishOrders(
  client: SNSClient,
  topicArn: string,
  orders: Record<string, unknown>[],
): Promise<string[]> {
  if (orders.length === 1) {
    const result = await client.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(orders[0]) }));
    return [result.MessageId!];
  }
  const ids: string[] = [];
  for (let i = 0; i < orders.length; i += 10) {
    const batch = orders.slice(i, i + 10);
    const result = await client.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: batch.map((order, j) => ({ Id: String(j), Message: JSON.stringify(order) })),
      }),
    );
    if (result.Failed?.length) {
      throw new Error(
        `SNS refused ${result.Failed.length} of ${batch.length}: ${result.Failed.map((f) => f.Message ?? f.Code).join("; ")}`,
      );
    }
    const byId = new Map((result.Successful ?? []).map((s) => [s.Id, s.MessageId!]));
    ids.push(...batch.map((_, j) => byId.get(String(j))!));
  }
  return ids;
}

export async function publishMain(argv: string[], io: CommandIo, deps: PublishDependencies = {}): Promise<number> {
  return guarded(io, PUBLISH_HELP, async () => {
    const { values } = parseCommandLine(argv, OPTIONS);
    if (values.help) {
      io.stdout.write(PUBLISH_HELP);
      return EXIT.ok;
    }
    const root = deps.root ?? projectRoot(__dirname);
    const stack = (values.stack as string | undefined) ?? "orders-dev";
    const orders = await ordersFrom(values, deps.readStdin ?? (() => readAll(process.stdin)));
    const topicArn = requireOutput(
      values["topic-arn"] as string | undefined,
      (values.outputs as string | undefined) ?? defaultOutputsFile(root),
      stack,
      "topic_arn",
      "topic-arn",
    );
    const client = new SNSClient({ region: regionOf(topicArn), maxAttempts: 3 });
    try {
      const ids = await publishOrders(client, topicArn, orders);
      orders.forEach((order, i) => io.stdout.write(`${order.orderId} ${ids[i]}\n`));
      return EXIT.ok;
    } catch (error) {
      io.stderr.write(`${describeAwsError("SNS", error)}\n`);
      return EXIT.failed;
    } finally {
      client.destroy();
    }
  });
}

if (require.main === module) runAsProcess((argv, io) => publishMain(argv, io));
