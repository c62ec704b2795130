import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SQSEvent } from "aws-lambda";
import { FunctionWorker, FunctionWorkerOptions } from "../local/function-worker";

// A function bundle in a worker thread, as the sandbox and npm run local run ProcessOrderLambda: here
// small bundles written for each case (one that answers, throws, never loads, or ends its thread).

let folder: string;
beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-function-worker-"));
});
afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

/** A bundle whose module text is `code` (CommonJS, as esbuild writes the function). */
function bundle(code: string): string {
  const file = path.join(folder, "index.js");
  fs.writeFileSync(file, code);
  return file;
}

const EVENT: SQSEvent = { Records: [] };
const noLines = { onLine: () => undefined };

/** Starts a worker on a bundle of `code`, runs `body` with it, and stops it whatever happens. */
async function withWorker(
  code: string,
  body: (worker: FunctionWorker) => Promise<void>,
  env: Record<string, string> = {},
  options: FunctionWorkerOptions = noLines,
): Promise<void> {
  const worker = await FunctionWorker.start(bundle(code), env, options);
  try {
    await body(worker);
  } finally {
    await worker.stop();
  }
}

test("answers each call with what the bundle's handler returns, with the variables it was given", async () => {
  await withWorker(
    "exports.handler = async () => ({ batchItemFailures: [{ itemIdentifier: process.env.TABLE_NAME }] });",
    async (worker) => {
      expect(await worker.handler(EVENT)).toEqual({ batchItemFailures: [{ itemIdentifier: "orders-dev-Orders" }] });
    },
    { TABLE_NAME: "orders-dev-Orders" },
  );
});

test("hands every line the function prints, to standard output or error, to onLine, and none to this process's own", async () => {
  const lines: string[] = [];
  const written = jest.spyOn(process.stdout, "write");
  const writtenToErr = jest.spyOn(process.stderr, "write");
  try {
    await withWorker(
      'exports.handler = async () => { console.log("to stdout"); console.error("to stderr"); };',
      async (worker) => {
        await worker.handler(EVENT);
        for (let waited = 0; lines.length < 2 && waited < 5000; waited += 20) {
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      {},
      { onLine: (line) => lines.push(line) },
    );
    const ours = [...written.mock.calls, ...writtenToErr.mock.calls].filter(([text]) =>
      /to std(out|err)/.test(String(text)),
    );
    expect([lines.sort(), ours]).toEqual([["to stderr", "to stdout"], []]);
  } finally {
    written.mockRestore();
    writtenToErr.mockRestore();
  }
});

test("rejects a call whose handler throws, with its message", async () => {
  await withWorker('exports.handler = async () => { throw new Error("DynamoDB said no"); };', async (worker) => {
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("DynamoDB said no"));
  });
});

test("refuses a bundle that does not exist, saying to build it", async () => {
  const missing = path.join(folder, "missing.js");
  await expect(FunctionWorker.start(missing, {}, noLines)).rejects.toThrow(
    new Error(`${missing} does not exist: run "npm run build" first`),
  );
});

test("fails to start a bundle that throws as it loads, naming it and why", async () => {
  const file = bundle('throw new Error("no TABLE_NAME");');
  await expect(FunctionWorker.start(file, {}, noLines)).rejects.toThrow(
    new Error(`the function ${file} failed to run: no TABLE_NAME`),
  );
});

test("rejects the call running when the function's thread exits, and every call after", async () => {
  await withWorker("exports.handler = async () => process.exit(3);", async (worker) => {
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("the function's worker exited (code 3)"));
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("the function's worker exited (code 3)"));
  });
});

test("rejects a call after stop, saying the function was stopped", async () => {
  const worker = await FunctionWorker.start(bundle("exports.handler = async () => undefined;"), {}, noLines);
  await worker.stop();
  await expect(worker.handler(EVENT)).rejects.toThrow(new Error("the function was stopped"));
});

test("rejects the call running when the function throws outside its promise (its thread ends)", async () => {
  await withWorker(
    'exports.handler = () => new Promise(() => setTimeout(() => { throw new Error("late"); }, 10));',
    async (worker) => {
      await expect(worker.handler(EVENT)).rejects.toThrow(new Error("late"));
      await expect(worker.handler(EVENT)).rejects.toThrow(new Error("late"));
    },
  );
});

test("rejects a call still running when stopped, saying the function was stopped", async () => {
  const worker = await FunctionWorker.start(
    bundle("exports.handler = () => new Promise(() => undefined);"),
    {},
    noLines,
  );
  const running = worker.handler(EVENT);
  await worker.stop();
  await expect(running).rejects.toThrow(new Error("the function was stopped"));
});
