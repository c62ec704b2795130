import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { localClientSettings } from "../cli/aws";
import { poisonOrder, sampleOrder } from "../contract/samples";
import { localMain } from "../local/local-command";
import { sandboxMain } from "../local/sandbox-command";
import { localDynamoDbClient } from "../local/servers";
import { STACK_MANIFEST_FILE, StackManifest, readStackManifest } from "../local/stack-manifest";
import { DATA_LOCK_FILE } from "../cli/lock";
import {
  LOCAL_BATCH_ARGS,
  LOCAL_BATCH_SUMMARY,
  lines,
  listening,
  listeningServers,
  localSummary,
  serversBackTo,
  synthesized,
} from "./support/commands";
import { projectDefaultStack } from "./support/configuration";
import { recordingIo } from "./support/io";

// `npm run local` and `npm run sandbox` run in Jest's process, as their entry files run them (the
// built commands are run as child processes in commands.test.ts and sandbox.e2e.test.ts): the code
// of local/ is then seen by per-test coverage, so `npm run mutate` can tell its mutants apart.

let out: string;
beforeAll(async () => {
  out = await synthesized();
}, 120_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

interface InProcessRun {
  /** Resolves with the command's exit code and what it printed once it returns. */
  readonly finished: Promise<{ status: number; out: string; err: string }>;
  /** Calls the listeners the command added for `signal`, as the signal arriving would (Jest's own are left alone). */
  signal(signal: "SIGINT" | "SIGTERM"): void;
}

/**
 * Starts `main` with the first environment's stack named (right whatever ORDERS_* the shell sets).
 * When it returns, the SIGINT/SIGTERM listeners it left are removed: a process exits after its
 * command; Jest's does not, and a later signal would reach a finished command.
 */
function startInProcess(main: typeof localMain, argv: string[], io = recordingIo(), outDir = out): InProcessRun {
  const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
  const added = (signal: "SIGINT" | "SIGTERM") => process.listeners(signal).filter((l) => !before[signal].includes(l));
  const finished = main([...argv, "--out", outDir, "--stack", projectDefaultStack()], io)
    .then((status) => ({ status, out: io.out(), err: io.err() }))
    .finally(() => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) for (const l of added(signal)) process.off(signal, l);
    });
  return { finished, signal: (signal) => added(signal).forEach((l) => l(signal)) };
}

/** Resolves once the command printed a line matching `pattern`; fails the test with its output after 30 s. */
async function printed(io: ReturnType<typeof recordingIo>, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!pattern.test(io.out())) {
    if (Date.now() > deadline) throw new Error(`the command did not print ${pattern}:\n${io.out()}\n${io.err()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Publishes `order` (default: a good one) to the sandbox's topic (from its outputs); returns the SNS message id. */
async function publishOne(outputs: Record<string, string>, order = sampleOrder()): Promise<string> {
  const sns = new SNSClient(localClientSettings(outputs.aws_endpoint_url_sns, outputs.aws_region));
  try {
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: outputs.topic_arn, Message: JSON.stringify(order) }),
    );
    return MessageId!;
  } finally {
    sns.destroy();
  }
}

/** The item the sandbox's table holds under `orderId`, if any. */
async function storedItem(outputs: Record<string, string>, orderId: string): Promise<unknown> {
  const dynamodb = localDynamoDbClient(outputs.aws_endpoint_url_dynamodb, outputs.aws_region);
  try {
    const answer = await dynamodb.send(
      new GetItemCommand({ TableName: outputs.table_name, Key: { orderId: { S: orderId } } }),
    );
    return answer.Item?.orderId;
  } finally {
    dynamodb.destroy();
  }
}

/** Starts the sandbox in this process with `argv`; resolves once it is ready, with its outputs. */
async function startSandbox(
  argv: string[],
  outputsFile: string,
  outDir = out,
): Promise<{ run: InProcessRun; io: ReturnType<typeof recordingIo>; outputs: Record<string, string> }> {
  const io = recordingIo();
  const run = startInProcess(sandboxMain, [...argv, "--outputs-file", outputsFile], io, outDir);
  await Promise.race([printed(io, /^ready$/m), run.finished]);
  if (!/^ready$/m.test(io.out())) throw new Error(`the sandbox ended before ready:\n${io.out()}\n${io.err()}`);
  return { run, io, outputs: JSON.parse(fs.readFileSync(outputsFile, "utf8"))[projectDefaultStack()] };
}

describe("npm run local in this process", () => {
  let run: { status: number; out: string; err: string };
  let envBefore: NodeJS.ProcessEnv;
  let serversBefore: number;
  let serversAfter: number;
  beforeAll(async () => {
    envBefore = { ...process.env };
    serversBefore = listeningServers();
    run = await startInProcess(localMain, [...LOCAL_BATCH_ARGS]).finished;
    serversAfter = await serversBackTo(serversBefore);
  }, 90_000);

  test("prints the run's invocations, duration and throughput in its summary", () => {
    expect(lines(run.out).filter((l) => /^ {2}(invocations|duration|throughput) /.test(l))).toEqual([
      expect.stringMatching(/^ {2}invocations {2}\d+$/),
      expect.stringMatching(/^ {2}duration {5}\d+\.\d\d s$/),
      expect.stringMatching(/^ {2}throughput {3}\d+\.\d orders\/s$/),
    ]);
  });

  test("prints its progress at most once a second when standard output is not a terminal", () => {
    const progress = lines(run.out).filter((l) => l.startsWith("published "));
    const seconds = Number(/duration +([\d.]+) s/.exec(run.out)![1]);
    expect(
      progress.every((l) => /^published 20 \| stored \d+ \| in DLQ \d+ \| invocations \d+ \| \d+\.\d s$/.test(l)),
    ).toBe(true);
    expect(progress.length >= 1 && progress.length <= Math.ceil(seconds) + 1).toBe(true);
  });

  test("leaves no server listening when it ends", () => {
    expect(serversAfter).toBe(serversBefore);
  });

  test("stores every good order, moves every poison order to the DLQ after 3 receives, and exits 0", () => {
    expect({ status: run.status, err: run.err, summary: localSummary(run.out) }).toEqual({
      status: 0,
      err: "",
      summary: LOCAL_BATCH_SUMMARY,
    });
  });

  test("prints the run's settings before it starts", () => {
    expect(lines(run.out).slice(1, 6)).toEqual([
      expect.stringMatching(/^ {2}topic \S+-OrderTopic -> queue \S+-OrderQueue \(raw message delivery (on|off)\)$/),
      expect.stringMatching(/^ {2}queue: to \S+-OrderQueueDLQ after 3 receives$/),
      expect.stringMatching(/^ {2}visibility timeout 1 s for this run \(the stack's: \d+ s\)$/),
      expect.stringMatching(/^ {2}table \S+-Orders: key orderId$/),
      expect.stringMatching(/^ {2}20 orders, 10% poison, batch size \d+, concurrency 4$/),
    ]);
  });

  test("prints no log line of the function without --verbose", () => {
    expect(lines(run.out).filter((l) => l.startsWith("{"))).toEqual([]);
  });

  test("leaves this process's environment as it was (the function runs with its own)", () => {
    expect(process.env).toEqual(envBefore);
  });

  test("prints the function's log lines with --verbose", async () => {
    const verbose = await startInProcess(localMain, ["--orders", "1", "--bad-share", "0", "--verbose"]).finished;
    const logged = lines(verbose.out)
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect([verbose.status, logged.some((l) => l.level === "INFO")]).toEqual([0, true]);
  }, 60_000);

  test("draws its progress on one line when standard output is a terminal", async () => {
    const io = recordingIo();
    Object.assign(io.stdout, { isTTY: true });
    const run = await startInProcess(localMain, ["--orders", "1", "--bad-share", "0"], io).finished;
    expect([
      run.status,
      /\rpublished 1 \| stored \d \| in DLQ 0 \| invocations \d \| \d+\.\d s {3}/.test(run.out),
    ]).toEqual([0, true]);
  }, 60_000);

  test("exits 1 and says which check failed when the poison orders cannot reach the DLQ before --timeout", async () => {
    // 3 receives need two visibility timeouts of 1 s to pass: not within a timeout of 1 s.
    const failed = await startInProcess(localMain, [
      "--orders",
      "4",
      "--bad-share",
      "0.5",
      "--visibility-timeout",
      "1",
      "--timeout",
      "1",
    ]).finished;
    expect([failed.status, localSummary(failed.out).at(-1)]).toEqual([
      1,
      "  every poison order received 3 times, then in the DLQ unchanged: NO",
    ]);
  }, 60_000);
});

describe("npm run sandbox in this process", () => {
  let folder: string;
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-sandbox-in-process-"));
    const outputsFile = path.join(folder, "outputs.local.json");
    sandbox = await startSandbox(["--visibility-timeout", "2", "--metrics-interval", "1"], outputsFile);
  }, 90_000);
  afterAll(async () => {
    // Stopped by the last test; here when a test before it failed (a second SIGTERM changes nothing).
    sandbox.run.signal("SIGTERM");
    await sandbox.run.finished;
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test("prints the stack's settings, the servers on 127.0.0.1, then ready", () => {
    // Every subscription, queue, table and function of the manifest (an adopter's subscriber too), in its order.
    const m = manifestOf(out);
    const o = sandbox.outputs;
    const outputsFile = path.join(folder, "outputs.local.json");
    const subscription = (s: StackManifest["subscriptions"][number]): string => {
      const raw = `raw message delivery ${s.rawMessageDelivery ? "on" : "off"}`;
      const scope = s.filterPolicyScope === "MessageBody" ? "the message body" : "message attributes";
      return s.filterPolicy === undefined ? raw : `${raw}, filter policy ${s.filterPolicy} on ${scope}`;
    };
    const banner = lines(sandbox.io.out());
    expect(banner.slice(0, banner.indexOf("ready") + 1)).toEqual([
      `Sandbox of ${m.stack} (settings from ${path.join(out, "stacks", m.stack, STACK_MANIFEST_FILE)})`,
      `  SNS+SQS   fauxqs    ${o.aws_endpoint_url_sns}`,
      `  DynamoDB  dynalite  ${o.aws_endpoint_url_dynamodb}`,
      ...m.subscriptions.map((s) => `  topic ${s.topic} -> queue ${s.queue} (${subscription(s)})`),
      ...m.queues.map(
        (q) =>
          `  queue ${q.name}: ` +
          (q.deadLetterQueue ? `to ${q.deadLetterQueue.name} after ${q.maxReceiveCount} receives; ` : "no DLQ; ") +
          `visibility timeout 2 s here (the stack's: ${q.visibilityTimeoutSeconds} s)`,
      ),
      ...m.tables.map((t) => `  table ${t.name} (key ${t.partitionKey.name})`),
      ...m.functions.map(
        (f) =>
          `  function ${f.name} <- queue ${f.queue}: ${f.bundle}, batch size ${f.batchSize}, ` +
          `${Math.min(4, f.maximumConcurrency ?? 4)} poller(s)`,
      ),
      "  data: in memory (--data <dir> keeps it)",
      `  metrics: ${path.dirname(o.local_metrics_file)}, one summary line per 1 s in which a function ran`,
      `  outputs: ${outputsFile} (npm run publish -- --outputs ${outputsFile} --count 20)`,
      "ready",
    ]);
  });

  test("writes the stack's outputs with endpoints on 127.0.0.1 and its metrics file", () => {
    expect(sandbox.outputs).toEqual(
      expect.objectContaining({
        aws_endpoint_url_sns: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        aws_endpoint_url_sqs: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        aws_endpoint_url_dynamodb: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        local_metrics_file: expect.stringMatching(/ProcessOrderLambda\.jsonl$/),
      }),
    );
  });

  test("stores an order published to its topic and prints the invocation and a metrics summary", async () => {
    const order = sampleOrder();
    const orderId = String(order.orderId);
    await publishOne(sandbox.outputs, order);
    await printed(sandbox.io, /ProcessOrderLambda: 1 record\(s\), 0 failed$/m);
    expect(await storedItem(sandbox.outputs, orderId)).toEqual({ S: orderId });
    await printed(sandbox.io, /ProcessOrderLambda metrics, last 1 s: 1 invocation\(s\), 1 stored/m);
    // Without --verbose, none of the function's own lines (its log lines, its EMF documents).
    expect(lines(sandbox.io.out()).filter((l) => l.startsWith("{"))).toEqual([]);
  }, 60_000);

  test("prints each failed receive of a poison order, the last as next to the DLQ", async () => {
    await publishOne(sandbox.outputs, poisonOrder());
    await printed(sandbox.io, /: next to the DLQ\)$/m);
    const failed = lines(sandbox.io.out()).filter((l) => l.startsWith("  failed "));
    const id = failed[0].split(" ")[3];
    expect(failed).toEqual([
      `  failed ${id} (receive 1 of 3)`,
      `  failed ${id} (receive 2 of 3)`,
      `  failed ${id} (receive 3 of 3: next to the DLQ)`,
    ]);
  }, 60_000);

  test("stops on SIGTERM with exit 0, no server left listening and its metrics folder removed", async () => {
    sandbox.run.signal("SIGTERM");
    const result = await sandbox.run.finished;
    // The last metrics summary may come between the two (the function's last interval, printed on stop).
    const printedLines = lines(result.out);
    const stopping = printedLines.indexOf("SIGTERM: stopping");
    expect([result.status, stopping > 0, printedLines.at(-1)]).toEqual([0, true, "stopped"]);
    expect(printedLines.slice(stopping + 1, -1).every((l) => / metrics, last \d+ s: /.test(l))).toBe(true);
    const endpoints = [sandbox.outputs.aws_endpoint_url_sns, sandbox.outputs.aws_endpoint_url_dynamodb];
    expect(await Promise.all(endpoints.map(listening))).toEqual([false, false]);
    expect(fs.existsSync(path.dirname(sandbox.outputs.local_metrics_file))).toBe(false);
    // Its pollers stopped with it: none goes on polling the servers it stopped (each failed poll would be said).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sandbox.io.err()).toBe("");
  }, 60_000);
});

describe("npm run sandbox --data in this process", () => {
  let folder: string;
  let data: string;
  let first: Awaited<ReturnType<typeof startSandbox>>;
  let orderId: string;

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-sandbox-data-"));
    data = path.join(folder, "data");
    first = await startSandbox(["--data", data, "--metrics-interval", "3600"], path.join(folder, "first.json"));
    const order = sampleOrder();
    orderId = String(order.orderId);
    await publishOne(first.outputs, order);
    await printed(first.io, /ProcessOrderLambda: 1 record\(s\), 0 failed$/m);
  }, 90_000);
  afterAll(async () => {
    first.run.signal("SIGTERM");
    await first.run.finished;
    fs.rmSync(folder, { recursive: true, force: true });
  });

  test("keeps its metrics file in the data folder", () => {
    expect(first.outputs.local_metrics_file).toBe(path.join(data, "metrics", `${first.outputs.function_name}.jsonl`));
  });

  test("refuses a second sandbox on the same folder with exit 2, naming the holder's pid", async () => {
    const second = await startInProcess(sandboxMain, ["--data", data, "--outputs-file", path.join(folder, "2.json")])
      .finished;
    expect([second.status, second.out]).toEqual([2, ""]);
    expect(second.err.split("\n")[0].replace(/since [^)]+/, "since <time>")).toBe(
      `--data ${data} is in use by another sandbox (pid ${process.pid}, since <time>): stop it first, or give another folder`,
    );
  });

  test("keeps the table across a stop and a start on the same folder", async () => {
    first.run.signal("SIGTERM");
    const stopped = await first.run.finished;
    // The summary of the interval the stop cut short comes before "stopped".
    const afterStop = lines(stopped.out).slice(lines(stopped.out).indexOf("SIGTERM: stopping"));
    expect([stopped.status, afterStop.length, afterStop.at(-1)]).toEqual([0, 3, "stopped"]);
    expect(afterStop[1]).toMatch(/ metrics, last 3600 s: 1 invocation\(s\), 1 stored, /);
    const again = await startSandbox(["--data", data], path.join(folder, "again.json"));
    try {
      expect(await storedItem(again.outputs, orderId)).toEqual({ S: orderId });
    } finally {
      again.run.signal("SIGTERM");
      await again.run.finished;
    }
  }, 90_000);
});

describe("npm run sandbox and npm run local with a manifest changed as an adopter's stack may have it", () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-changed-manifest-"));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  /** A copy of the synth output whose stack manifest `change` rewrote; returns the copy's folder. */
  function changedOut(change: (m: StackManifest) => StackManifest): string {
    const copy = path.join(folder, "out");
    fs.cpSync(out, copy, { recursive: true });
    const file = path.join(copy, "stacks", projectDefaultStack(), STACK_MANIFEST_FILE);
    fs.writeFileSync(file, JSON.stringify(change(JSON.parse(fs.readFileSync(file, "utf8")) as StackManifest)));
    return copy;
  }

  /** The stack with a second queue, without a DLQ, subscribed raw with a body filter, and a consumer of it. */
  const withAuditQueue = (m: StackManifest): StackManifest => {
    const [queue] = m.queues;
    const [fn] = m.functions;
    const audit = `${m.stack}-Audit`;
    return {
      ...m,
      queues: [...m.queues, { ...queue, name: audit, deadLetterQueue: undefined, maxReceiveCount: undefined }],
      subscriptions: [
        ...m.subscriptions,
        {
          topic: m.topics[0].name,
          queue: audit,
          rawMessageDelivery: true,
          filterPolicy: JSON.stringify({ currency: ["eur"] }),
          filterPolicyScope: "MessageBody",
        },
      ],
      functions: [...m.functions, { ...fn, name: audit, queue: audit, maximumConcurrency: 2 }],
    };
  };

  test("runs a queue without a DLQ: its subscription, its queue and each failed receive without a count to the DLQ", async () => {
    const outDir = changedOut(withAuditQueue);
    const sandbox = await startSandbox(["--visibility-timeout", "1"], path.join(folder, "o.json"), outDir);
    try {
      const audit = `${projectDefaultStack()}-Audit`;
      const printedLines = lines(sandbox.io.out());
      expect(printedLines).toEqual(
        expect.arrayContaining([
          `  topic ${projectDefaultStack()}-OrderTopic -> queue ${audit} (raw message delivery on, filter policy ` +
            `{"currency":["eur"]} on the message body)`,
          expect.stringMatching(new RegExp(`^ {2}function ${audit} <- queue ${audit}: .*, 2 poller\\(s\\)$`)),
          `  queue ${audit}: no DLQ; visibility timeout 1 s here (the stack's: ${withAuditQueue(manifestOf(outDir)).queues[1].visibilityTimeoutSeconds} s)`,
        ]),
      );
      // A poison order (currency "eur") passes the filter; the function fails it on each receive.
      await publishOne(sandbox.outputs, poisonOrder());
      await printed(sandbox.io, /^ {2}failed \S+ \(receive 2\)$/m);
      const withoutDlq = lines(sandbox.io.out()).filter((l) => /^ {2}failed \S+ \(receive \d+\)$/.test(l));
      expect(withoutDlq.slice(0, 2).map((l) => l.replace(/failed \S+/, "failed <id>"))).toEqual([
        "  failed <id> (receive 1)",
        "  failed <id> (receive 2)",
      ]);
    } finally {
      sandbox.run.signal("SIGTERM");
      await sandbox.run.finished;
    }
  }, 60_000);

  test("prints the function's log lines and EMF documents with --verbose", async () => {
    const sandbox = await startSandbox(["--verbose"], path.join(folder, "o.json"));
    try {
      await publishOne(sandbox.outputs);
      await printed(sandbox.io, /^\{.*"level":"INFO"/m);
      await printed(sandbox.io, /^\{"_aws":/m);
    } finally {
      sandbox.run.signal("SIGTERM");
      await sandbox.run.finished;
    }
  }, 60_000);

  test("refuses a --data that is a file, with exit 2, starting nothing", async () => {
    const file = path.join(folder, "data");
    fs.writeFileSync(file, "");
    const result = await startInProcess(sandboxMain, ["--data", file, "--outputs-file", path.join(folder, "o.json")])
      .finished;
    expect([result.status, result.err.split("\n")[0], fs.existsSync(path.join(folder, "o.json"))]).toEqual([
      2,
      `--data must be a folder (given "${file}", a file)`,
      false,
    ]);
  });

  test("releases its --data folder when the stack cannot start there", async () => {
    const outDir = changedOut((m) => ({
      ...m,
      subscriptions: m.subscriptions.map((s) => ({
        ...s,
        filterPolicy: JSON.stringify({ total: [{ between: [1, 2] }] }),
      })),
    }));
    const data = path.join(folder, "data");
    const result = await startInProcess(
      sandboxMain,
      ["--data", data, "--outputs-file", path.join(folder, "o.json")],
      recordingIo(),
      outDir,
    ).finished;
    expect([result.status, result.err.split("\n")[0], fs.existsSync(path.join(data, DATA_LOCK_FILE))]).toEqual([
      1,
      "the local SNS server (fauxqs) does not apply these filter policies as SNS does, so a local run would deliver other messages than AWS:",
      false,
    ]);
  });

  test("refuses an --outputs-file in a folder that does not exist, with exit 2, starting nothing", async () => {
    const file = path.join(folder, "missing", "o.json");
    const result = await startInProcess(sandboxMain, ["--outputs-file", file]).finished;
    expect([result.status, result.out, result.err.split("\n")[0]]).toEqual([
      2,
      "",
      `--outputs-file must be in an existing folder (given "${file}")`,
    ]);
  });

  test("npm run local says the function's bundle is missing, with exit 1, and stops its servers", async () => {
    const outDir = changedOut((m) => ({
      ...m,
      functions: m.functions.map((f) => ({ ...f, bundle: "dist/functions/missing/index.js" })),
    }));
    const before = listeningServers();
    const run = await startInProcess(localMain, ["--orders", "1"], recordingIo(), outDir).finished;
    expect([run.status, run.err, await serversBackTo(before)]).toEqual([
      1,
      `${path.join("dist", "functions", "missing", "index.js")} does not exist: run "npm run build" first\n`,
      before,
    ]);
  }, 60_000);

  test("npm run local runs a stack whose subscription delivers raw messages", async () => {
    const outDir = changedOut((m) => ({
      ...m,
      subscriptions: m.subscriptions.map((s, i) => (i === 0 ? { ...s, rawMessageDelivery: true } : s)),
    }));
    const run = await startInProcess(localMain, ["--orders", "4", "--bad-share", "0"], recordingIo(), outDir).finished;
    expect([run.status, lines(run.out)[1]]).toEqual([0, expect.stringMatching(/\(raw message delivery on\)$/)]);
  }, 60_000);
});

/** The stack manifest of the default stack in the synth output `outDir`. */
function manifestOf(outDir: string): StackManifest {
  return readStackManifest(outDir, projectDefaultStack()).manifest;
}
