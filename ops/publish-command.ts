import * as fs from "fs";
import { SNSClient } from "@aws-sdk/client-sns";
import { InvalidOrderError, parseJsonObject, parseOrder } from "../contract/parse";
import { describeAwsError, topicArnProblem } from "../cli/aws";
import { CommandIo, EXIT, OptionValues, UsageError, numberOption, runCommand } from "../cli/cli";
import { sampleOrder } from "../contract/samples";
import { projectRoot } from "../config/project";
import { publishOrders } from "../cli/publish";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import { Target } from "./target";

export const PUBLISH_COMMAND = "npm run publish";

export const PUBLISH_HELP = `Usage: npm run publish -- [options]

Publishes orders to the stack's OrderTopic and prints "<orderId> <messageId>" per order.
Every order is checked against the order contract first; a bad one publishes nothing.

What to publish (one of):
  --file <path>            one order as JSON; "-" reads standard input
  --order-id <id> --customer-id <id> --sku <sku> --quantity <n> --unit-price <x> --currency <ISO>
                           one order from flags (one item)
  --count <n>              n generated orders, 1-10000

Where to:
  --outputs <file>         stack outputs: outputs.json from "npm run deploy" (the default), or
                           outputs.local.json from "npm run sandbox" (its endpoints included)
  --stack <name>           the stack in that file (default: ${DEFAULT_STACK_HELP})
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
  readonly readStdin?: () => Promise<string>;
  readonly root?: string;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
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

/** The orders the options ask for, each checked against the contract. */
async function ordersFrom(values: OptionValues, readStdin: () => Promise<string>): Promise<Record<string, unknown>[]> {
  const fromFlags = Object.values(ORDER_FLAGS).some((f) => values[f] !== undefined);
  const sources = [values.file !== undefined, values.count !== undefined, fromFlags].filter(Boolean).length;
  if (sources !== 1) throw new UsageError("give exactly one of --file, --count or the order flags (--order-id ...)");

  if (values.count !== undefined) {
    return Array.from({ length: numberOption(values, "count", 1, 1, 10_000)! }, () => sampleOrder());
  }
  const file = values.file as string | undefined;
  if (file !== undefined) {
    const text = file === "-" ? await readStdin() : readFile(file);
    let candidate: Record<string, unknown>;
    try {
      candidate = parseJsonObject(text, file === "-" ? "standard input" : `--file ${file}`);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    try {
      parseOrder(candidate);
    } catch (error) {
      throw new UsageError(`the order does not match the contract: ${(error as Error).message}`);
    }
    return [candidate];
  }
  const candidate = {
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
  return [candidate];
}

function readFile(file: string): string {
  if (!fs.existsSync(file)) throw new UsageError(`--file must name an existing file (given ${JSON.stringify(file)})`);
  if (fs.statSync(file).isDirectory())
    throw new UsageError(`--file must name a file (given ${JSON.stringify(file)}, a folder)`);
  return fs.readFileSync(file, "utf8");
}

export async function publishMain(argv: string[], io: CommandIo, deps: PublishDependencies = {}): Promise<number> {
  return runCommand({ name: PUBLISH_COMMAND, help: PUBLISH_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    const target = new Target(values, deps.root ?? projectRoot(__dirname));
    const orders = await ordersFrom(values, deps.readStdin ?? (() => readAll(process.stdin)));
    const topicArn = target.value("topic-arn", "topic_arn", topicArnProblem);
    const settings = target.client("sns", topicArn);
    const client = new SNSClient(settings);
    try {
      const ids = await publishOrders(client, topicArn, orders);
      orders.forEach((order, i) => io.stdout.write(`${order.orderId} ${ids[i]}\n`));
      return EXIT.ok;
    } catch (error) {
      io.stderr.write(`${describeAwsError("sns", error, settings.endpoint)}\n`);
      return EXIT.failed;
    } finally {
      client.destroy();
    }
  });
}
