import { CommandIo, EXIT, firstStopSignal, numberOption, runCommand } from "../cli/cli";
import { displayPath, projectRoot } from "../config/project";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import { LocalRunSummary, Progress, runLocalPipeline } from "./batch-run";
import { LocalEnvironment } from "./environment";
import { functionBundle } from "./function";
import { FunctionWorker } from "./function-worker";
import { pipelineOf } from "./stack-manifest";
import { chosenManifest } from "./stack-option";

export const LOCAL_COMMAND = "npm run local";

export const LOCAL_HELP = `Usage: npm run local -- [options]

Runs a batch of orders through the order pipeline on this machine and checks the outcome: the
servers of "npm run sandbox" (fauxqs for SNS and SQS, dynalite for DynamoDB, on 127.0.0.1) with
the stack's topic, queue, DLQ, subscription and table, orders published to the topic (SNS
delivers them), the built ProcessOrderLambda invoked as Lambda's event source mapping invokes
it. Exits 0 when published = stored + in the DLQ, every good order is stored and every poison
order reached the DLQ intact after maxReceiveCount receives.

Options:
  --stack <name>              synthesized stack (default: ${DEFAULT_STACK_HELP})
  --out <dir>                 read the stacks already synthesized in <dir> (default: synthesize
                              them into cdktf.out first)
  --orders <n>                orders to publish, 1-100000 (default 200)
  --bad-share <x>             share of poison orders, 0-1 (default 0.05)
  --batch-size <n>            records per invocation, 1-10000 (default: the stack's mapping)
  --concurrency <n>           pollers at once, 1-100 (default 4)
  --visibility-timeout <s>    local queue visibility timeout, 1-43200 s (default 2; the stack's is
                              printed: it is shortened so retries take seconds, not minutes)
  --timeout <s>               give up after, 1-3600 s (default 120)
  --verbose                   print the function's log lines
  -h, --help                  this text

Exit codes: 0 every check holds, 1 a check failed (or a server could not start), 2 bad input.
`;

const OPTIONS = {
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
} as const;

function progressLine(p: Progress): string {
  return (
    `published ${p.published} | stored ${p.stored} | in DLQ ${p.inDeadLetterQueue} | ` +
    `invocations ${p.invocations} | ${p.elapsedSeconds.toFixed(1)} s`
  );
}

export function summaryText(s: LocalRunSummary, maxReceiveCount: number): string {
  const yes = (ok: boolean): string => (ok ? "yes" : "NO");
  return [
    "Summary",
    `  published    ${s.published} (${s.poisonPublished} poison)`,
    `  stored       ${s.stored}`,
    `  in the DLQ   ${s.inDeadLetterQueue}`,
    `  invocations  ${s.invocations}`,
    `  duration     ${s.elapsedSeconds.toFixed(2)} s`,
    `  throughput   ${s.ordersPerSecond.toFixed(1)} orders/s`,
    `  published = stored + DLQ: ${yes(s.nothingLost)}`,
    `  every good order stored, no poison order stored: ${yes(s.everyGoodOrderStored)}`,
    `  every poison order received ${maxReceiveCount} times, then in the DLQ unchanged: ${yes(s.poisonRedrivenIntact)}`,
  ].join("\n");
}

export async function localMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return runCommand({ name: LOCAL_COMMAND, help: LOCAL_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    const orders = numberOption(values, "orders", 200, 1, 100_000)!;
    const badShare = numberOption(values, "bad-share", 0.05, 0, 1, false)!;
    const batchSizeGiven = numberOption(values, "batch-size", undefined, 1, 10_000);
    const concurrency = numberOption(values, "concurrency", 4, 1, 100)!;
    const visibilityTimeout = numberOption(values, "visibility-timeout", 2, 1, 43_200)!;
    const timeout = numberOption(values, "timeout", 120, 1, 3600)!;
    const { manifest, file } = chosenManifest(values, root);
    const pipeline = pipelineOf(manifest);
    const batchSize = batchSizeGiven ?? pipeline.function.batchSize;
    io.stdout.write(
      [
        `Local run of ${manifest.stack} (settings from ${displayPath(file)})`,
        `  topic ${pipeline.topic.name} -> queue ${pipeline.queue.name} (raw message delivery ${pipeline.subscription.rawMessageDelivery ? "on" : "off"})`,
        `  queue: to ${pipeline.deadLetterQueue.name} after ${pipeline.maxReceiveCount} receives`,
        `  visibility timeout ${visibilityTimeout} s for this run (the stack's: ${pipeline.queue.visibilityTimeoutSeconds} s)`,
        `  table ${pipeline.table.name}: key ${pipeline.table.partitionKey.name}`,
        `  ${orders} orders, ${Math.round(badShare * 100)}% poison, batch size ${batchSize}, concurrency ${concurrency}`,
        "",
      ].join("\n"),
    );

    const env = await LocalEnvironment.start(manifest, { visibilityTimeoutSeconds: visibilityTimeout });
    const interrupted = async (signal: string): Promise<void> => {
      io.stdout.write(`\n${signal}: stopping the local servers\n`);
      await env.stop();
      process.exit(130);
    };
    void firstStopSignal().then(interrupted);
    let worker: FunctionWorker | undefined;
    try {
      // In a worker thread with its own environment, as the sandbox runs it: this process's is left alone.
      const verbose = values.verbose === true;
      worker = await FunctionWorker.start(functionBundle(root, pipeline.function), env.functionEnv(), {
        // Its log lines and EMF metric documents (log lines too) with --verbose only.
        onLine: (line) => {
          if (verbose) io.stdout.write(`${line}\n`);
        },
      });
      const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
      let lastLine = 0;
      const summary = await runLocalPipeline(env, worker.handler, {
        orders,
        badShare,
        batchSize,
        concurrency,
        visibilityTimeoutSeconds: visibilityTimeout,
        timeoutSeconds: timeout,
        onProgress: (p) => {
          if (tty) io.stdout.write(`\r${progressLine(p)}   `);
          else if (Date.now() - lastLine > 1000) {
            lastLine = Date.now();
            io.stdout.write(`${progressLine(p)}\n`);
          }
        },
      });
      io.stdout.write(`\n${summaryText(summary, pipeline.maxReceiveCount)}\n`);
      const ok = summary.nothingLost && summary.everyGoodOrderStored && summary.poisonRedrivenIntact;
      return ok ? EXIT.ok : EXIT.failed;
    } finally {
      await worker?.stop();
      await env.stop();
    }
  });
}
