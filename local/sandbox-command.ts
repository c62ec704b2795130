import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandIo, EXIT, UsageError, firstStopSignal, numberOption, runCommand, stringOption } from "../cli/cli";
import { LOCAL_METRICS_OUTPUT, LOCAL_OUTPUTS_FILE, checkOutputsWritable, writeStackOutputs } from "../cli/outputs";
import { lockDataFolder } from "../cli/lock";
import { quote } from "../config/input";
import { displayPath, projectRoot } from "../config/project";
import { DEFAULT_STACK_HELP } from "../cli/stacks";
import { LocalEnvironment } from "./environment";
import { EventSourceMapping, Invocation } from "./event-source";
import { functionBundle } from "./function";
import { FunctionWorker } from "./function-worker";
import { SandboxMetrics } from "./sandbox-metrics";
import { SubscriptionManifest } from "./stack-manifest";
import { chosenManifest } from "./stack-option";

export const SANDBOX_COMMAND = "npm run sandbox";

export const SANDBOX_HELP = `Usage: npm run sandbox -- [options]

The stack's AWS on this machine, until Ctrl-C: synthesizes, then starts an SNS+SQS server
(fauxqs) and a DynamoDB server (dynalite) on 127.0.0.1, creates every topic, queue, DLQ,
subscription (with its filter policy) and table of the stack with the names and settings synth
wrote to cdktf.out/stacks/<stack>/stack-manifest.json, and runs each built consumer function the
way Lambda's event source mapping runs it (each in a worker thread of its own, with its own
environment and output). Prints "ready" once everything is up and writes the stack outputs (those
of its first function's pipeline), with the local endpoints, to outputs.local.json: every
operator command works against it with --outputs outputs.local.json.

The functions' metrics (the EMF documents Powertools prints, which CloudWatch would read) are
kept in a file, one document a line, the last hour's (npm run status reads it: the output
local_metrics_file), and summed into one line per interval in which a function ran:
  12:00:10 ProcessOrderLambda metrics, last 10 s: 3 invocation(s), 5 stored, 1 duplicate,
  1 rejected, 1 failed; latency p50 12 ms, p99 40 ms

Options:
  --stack <name>              synthesized stack (default: ${DEFAULT_STACK_HELP})
  --out <dir>                 read the stacks already synthesized in <dir> (default: synthesize
                              them into cdktf.out first)
  --data <dir>                keep queues, messages and the table in <dir> across restarts
                              (default: in memory, gone when the sandbox stops); one sandbox
                              per folder: a second one is refused, naming the first one's pid
  --outputs-file <file>       where to write the stack outputs (default ${LOCAL_OUTPUTS_FILE}); the
                              entries of other stacks in it are kept
  --visibility-timeout <s>    every queue's visibility timeout here, 1-43200 s (default 2; the stack's
                              is printed: shortened so a failed order is retried in seconds)
  --concurrency <n>           pollers at once per function, 1-100 (default 4, at most its maximum
                              concurrency)
  --metrics-interval <s>      seconds between two metrics summaries, 1-3600 (default 10)
  --verbose                   print the function's own output: its log lines and EMF documents
  -h, --help                  this text

Exit codes: 0 stopped by Ctrl-C (SIGINT) or SIGTERM, 1 a server or the function could not start,
2 bad input.
`;

const OPTIONS = {
  stack: { type: "string" },
  out: { type: "string" },
  data: { type: "string" },
  "outputs-file": { type: "string" },
  "visibility-timeout": { type: "string" },
  concurrency: { type: "string" },
  "metrics-interval": { type: "string" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** How a subscription delivers: raw or in the envelope, and what its filter policy matches. */
function subscriptionText(s: SubscriptionManifest): string {
  const raw = `raw message delivery ${s.rawMessageDelivery ? "on" : "off"}`;
  if (s.filterPolicy === undefined) return raw;
  const scope = s.filterPolicyScope === "MessageBody" ? "the message body" : "message attributes";
  return `${raw}, filter policy ${s.filterPolicy} on ${scope}`;
}

/** One line per invocation, then one per failed record with its receive count. */
function invocationLines(functionName: string, maxReceiveCount: number | undefined, invocation: Invocation): string {
  const time = new Date().toISOString().slice(11, 19);
  const outcome = invocation.error ? `all failed: ${invocation.error}` : `${invocation.failed} failed`;
  const failed = invocation.receives
    .filter((r) => !r.completed)
    .map((r) => {
      if (maxReceiveCount === undefined) return `  failed ${r.messageId} (receive ${r.receiveCount})\n`;
      const next = r.receiveCount >= maxReceiveCount ? ": next to the DLQ" : "";
      return `  failed ${r.messageId} (receive ${r.receiveCount} of ${maxReceiveCount}${next})\n`;
    });
  return `${time} ${functionName}: ${invocation.records} record(s), ${outcome}\n${failed.join("")}`;
}

export async function sandboxMain(argv: string[], io: CommandIo, root = projectRoot(__dirname)): Promise<number> {
  return runCommand({ name: SANDBOX_COMMAND, help: SANDBOX_HELP, options: OPTIONS }, argv, io, async ({ values }) => {
    const outputsFile = path.resolve(stringOption(values, "outputs-file") ?? path.join(root, LOCAL_OUTPUTS_FILE));
    const data = stringOption(values, "data");
    const dataDir = data === undefined ? undefined : path.resolve(data);
    const visibilityTimeout = numberOption(values, "visibility-timeout", 2, 1, 43_200)!;
    const concurrencyGiven = numberOption(values, "concurrency", undefined, 1, 100);
    const metricsInterval = numberOption(values, "metrics-interval", 10, 1, 3600)!;
    const verbose = values.verbose === true;
    if (dataDir && fs.existsSync(dataDir) && !fs.statSync(dataDir).isDirectory()) {
      throw new UsageError(`--data must be a folder (given ${quote(data)}, a file)`);
    }
    // Before anything starts: the outputs file can be written, and what it holds is kept (other stacks).
    checkOutputsWritable(outputsFile, "--outputs-file");
    const { manifest, file } = chosenManifest(values, root);
    const stopSignal = firstStopSignal();

    // One sandbox per --data folder: a second one is refused with the holder's pid.
    const releaseData = dataDir ? lockDataFolder(dataDir) : undefined;
    let env: LocalEnvironment;
    try {
      env = await LocalEnvironment.start(manifest, { visibilityTimeoutSeconds: visibilityTimeout, dataDir });
    } catch (error) {
      releaseData?.();
      throw error;
    }
    const mappings: EventSourceMapping[] = [];
    const workers: FunctionWorker[] = [];
    const keepers: SandboxMetrics[] = [];
    // The metrics are kept with the data (--data), else in a temporary folder removed on stop.
    const metricsDir = dataDir
      ? path.join(dataDir, "metrics")
      : fs.mkdtempSync(path.join(os.tmpdir(), "orders-sandbox-metrics-"));
    fs.mkdirSync(metricsDir, { recursive: true });
    const metricsFiles = new Map<string, string>();
    try {
      const consumers: { fn: (typeof manifest.functions)[number]; bundle: string; concurrency: number }[] = [];
      for (const fn of manifest.functions) {
        const queue = manifest.queues.find((q) => q.name === fn.queue)!;
        const bundle = functionBundle(root, fn);
        const concurrency = concurrencyGiven ?? Math.min(4, fn.maximumConcurrency ?? 4);
        const file = path.join(metricsDir, `${fn.name}.jsonl`);
        metricsFiles.set(fn.name, file);
        const metrics = new SandboxMetrics({
          functionName: fn.name,
          file,
          intervalSeconds: metricsInterval,
          print: (line) => io.stdout.write(`${line}\n`),
        });
        keepers.push(metrics);
        const worker = await FunctionWorker.start(
          bundle,
          // Its metrics always (the EMF documents are kept and summed here).
          { ...env.functionEnv(fn), POWERTOOLS_METRICS_DISABLED: "false" },
          {
            onLine: (line) => {
              metrics.take(line);
              // Every line it prints, EMF documents too, with --verbose only.
              if (verbose) io.stdout.write(`${line}\n`);
            },
          },
        );
        workers.push(worker);
        const mapping = new EventSourceMapping({
          sqs: env.sqs,
          queueUrl: env.queues.get(queue.name)!.url,
          queueArn: env.queues.get(queue.name)!.arn,
          region: manifest.region,
          handler: worker.handler,
          batchSize: fn.batchSize,
          concurrency,
          // Below the visibility timeout, and short so that Ctrl-C stops promptly.
          waitTimeSeconds: Math.min(1, visibilityTimeout - 1),
          timeoutSeconds: fn.timeoutSeconds,
          visibilityTimeoutSeconds: visibilityTimeout,
          onInvocation: (invocation) => io.stdout.write(invocationLines(fn.name, queue.maxReceiveCount, invocation)),
          onError: (error) => io.stderr.write(`queue ${queue.name}: ${error.message}\n`),
        });
        mappings.push(mapping);
        consumers.push({ fn, bundle, concurrency });
      }
      for (const mapping of mappings) mapping.start();
      const { outputs } = env;
      const metricsFile = metricsFiles.get(outputs.function_name);
      writeStackOutputs(outputsFile, manifest.stack, {
        ...outputs,
        ...(metricsFile ? { [LOCAL_METRICS_OUTPUT]: metricsFile } : {}),
      });
      io.stdout.write(
        [
          `Sandbox of ${manifest.stack} (settings from ${displayPath(file)})`,
          `  SNS+SQS   fauxqs    ${outputs.aws_endpoint_url_sns}`,
          `  DynamoDB  dynalite  ${outputs.aws_endpoint_url_dynamodb}`,
          ...manifest.subscriptions.map((s) => `  topic ${s.topic} -> queue ${s.queue} (${subscriptionText(s)})`),
          ...manifest.queues.map(
            (q) =>
              `  queue ${q.name}: ` +
              (q.deadLetterQueue ? `to ${q.deadLetterQueue.name} after ${q.maxReceiveCount} receives; ` : "no DLQ; ") +
              `visibility timeout ${visibilityTimeout} s here (the stack's: ${q.visibilityTimeoutSeconds} s)`,
          ),
          ...manifest.tables.map((t) => `  table ${t.name} (key ${t.partitionKey.name})`),
          ...consumers.map(
            ({ fn, bundle, concurrency }) =>
              `  function ${fn.name} <- queue ${fn.queue}: ${displayPath(bundle)}, batch size ${fn.batchSize}, ` +
              `${concurrency} poller(s)`,
          ),
          `  data: ${dataDir ? `kept in ${displayPath(dataDir)}` : "in memory (--data <dir> keeps it)"}`,
          `  metrics: ${displayPath(metricsDir)}, one summary line per ${metricsInterval} s in which a function ran`,
          `  outputs: ${displayPath(outputsFile)} (npm run publish -- --outputs ${displayPath(outputsFile)} --count 20)`,
          "ready",
          "",
        ].join("\n"),
      );
      const signal = await stopSignal;
      io.stdout.write(`${signal}: stopping\n`);
    } finally {
      await Promise.all(mappings.map((m) => m.stop()));
      await Promise.all(workers.map((w) => w.stop()));
      for (const keeper of keepers) keeper.stop();
      if (!dataDir) fs.rmSync(metricsDir, { recursive: true, force: true });
      await env.stop();
      releaseData?.();
    }
    io.stdout.write("stopped\n");
    return EXIT.ok;
  });
}
