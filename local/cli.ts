import * as path from "path";
import { numberOption, parseCommandLine, projectRoot } from "../ops/cli-support";
import { Handler, LocalEnvironment, LocalRunSummary, Progress, runLocalPipeline } from "./pipeline";
import { loadStack, pipelineSettings } from "./stack-settings";

const ROOT = projectRoot(__dirname);
const BUNDLE = path.join(ROOT, "dist", "functions", "process-order", "index.js");

const HELP = `Usage: npm run local -- [options]

Runs the order pipeline on this machine: real SQS (local-aws-sqs) and DynamoDB (dynalite)
API servers on 127.0.0.1, queues and table created from the synthesized stack, orders
delivered as SNS delivers them, the built ProcessOrderLambda invoked as Lambda's event
source mapping invokes it. Exits 0 when published = stored + in the DLQ.

Options:
  --stack <name>              synthesized stack to read settings from (default orders-dev)
  --out <dir>                 synth output folder holding stacks/<name> (default cdktf.out)
  --orders <n>                orders to publish, 1-100000 (default 200)
  --bad-share <x>             share of poison orders, 0-1 (default 0.05)
  --batch-size <n>            records per invocation, 1-10000 (default: the stack's mapping)
  --concurrency <n>           pollers at once, 1-100 (default 4)
  --visibility-timeout <s>    local queue visibility timeout, 1-43200 s (default 2; the stack's is
                              printed: it is shortened so retries take seconds, not minutes)
  --timeout <s>               give up after, 1-3600 s (default 120)
  --verbose                   print the function's log lines
  -h, --help                  this text
`;

interface CliOptions {
  stack: string;
  out: string;
  orders: number;
  badShare: number;
  batchSize?: number;
  concurrency: number;
  visibilityTimeout: number;
  timeout: number;
  verbose: boolean;
}

export function parseCli(argv: string[]): CliOptions | "help" {
  const { values } = parseCommandLine(argv, {
    stack: { type: "string" },
    out: { type: "string" },
    orders: { type: "string" },
    "bad-share": { type: "string" },
    "batch-size": { type: "string" },
    concurrency: { type: "string" },
    "visibility-timeout": { type: "string" },
    timeout: { type: "string" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return "help";
  return {
    stack: (values.stack as string | undefined) ?? "orders-dev",
    out: (values.out as string | undefined) ?? path.join(ROOT, "cdktf.out"),
    orders: numberOption(values, "orders", 200, 1, 100_000)!,
    badShare: numberOption(values, "bad-share", 0.05, 0, 1, false)!,
    batchSize: numberOption(values, "batch-size", undefined, 1, 10_000),
    concurrency: numberOption(values, "concurrency", 4, 1, 100)!,
    visibilityTimeout: numberOption(values, "visibility-timeout", 2, 1, 43_200)!,
    timeout: numberOption(values, "timeout", 120, 1, 3600)!,
    verbose: values.verbose === true,
  };
}

function progressLine(p: Progress): string {
  return (
    `published ${p.published} | stored ${p.stored} | in DLQ ${p.inDeadLetterQueue} | ` +
    `invocations ${p.invocations} | ${p.elapsedSeconds.toFixed(1)} s`
  );
}

export function summaryText(s: LocalRunSummary): string {
  return [
    "Summary",
    `  published    ${s.published}`,
    `  stored       ${s.stored}`,
    `  in the DLQ   ${s.inDeadLetterQueue}`,
    `  invocations  ${s.invocations}`,
    `  duration     ${s.elapsedSeconds.toFixed(2)} s`,
    `  throughput   ${s.ordersPerSecond.toFixed(1)} orders/s`,
    `  published = stored + DLQ: ${s.nothingLost ? "yes" : "NO"}`,
  ].join("\n");
}

async function main(): Promise<number> {
  let options: CliOptions | "help";
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  const stackDir = path.join(options.out, "stacks", options.stack);
  const settings = pipelineSettings(loadStack(stackDir));
  const batchSize = options.batchSize ?? settings.batchSize;
  const out = process.stdout;
  out.write(
    [
      `Local run of ${options.stack} (settings read from ${path.relative(process.cwd(), stackDir)}/cdk.tf.json)`,
      `  queue ${settings.queue.name}: redrive to ${settings.deadLetterQueue.name} after ${settings.maxReceiveCount} receives`,
      `  visibility timeout ${options.visibilityTimeout} s for this run (the stack's: ${settings.queue.visibilityTimeoutSeconds} s)`,
      `  table ${settings.table.name}: key ${settings.table.hashKey}; raw message delivery ${settings.rawMessageDelivery}`,
      `  ${options.orders} orders, ${Math.round(options.badShare * 100)}% poison, batch size ${batchSize}, concurrency ${options.concurrency}`,
      "",
    ].join("\n"),
  );

  const env = await LocalEnvironment.start();
  const stop = async (signal: string): Promise<void> => {
    out.write(`\n${signal}: stopping the local servers\n`);
    await env.stop();
    process.exit(130);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  try {
    const loadHandler = (): Handler => {
      Object.assign(process.env, env.handlerEnv(settings));
      if (!options.verbose) process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(BUNDLE).handler;
    };
    let lastLine = 0;
    const summary = await runLocalPipeline(env, settings, {
      orders: options.orders,
      badShare: options.badShare,
      batchSize,
      concurrency: options.concurrency,
      visibilityTimeoutSeconds: options.visibilityTimeout,
      timeoutSeconds: options.timeout,
      loadHandler,
      onProgress: (p) => {
        if (out.isTTY) out.write(`\r${progressLine(p)}   `);
        else if (Date.now() - lastLine > 1000) {
          lastLine = Date.now();
          out.write(`${progressLine(p)}\n`);
        }
      },
    });
    out.write(`\n\n${summaryText(summary)}\n`);
    return summary.nothingLost && summary.stored === summary.goodOrderIds.length ? 0 : 1;
  } finally {
    await env.stop();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
