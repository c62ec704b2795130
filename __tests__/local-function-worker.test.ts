import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { SQSEvent } from "aws-lambda";
import { FunctionWorker } from "../local/function-worker";

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

test("answers each call with what the bundle's handler returns, with the variables it was given", async () => {
  const worker = await FunctionWorker.start(
    bundle("exports.handler = async () => ({ batchItemFailures: [{ itemIdentifier: process.env.TABLE_NAME }] });"),
    { TABLE_NAME: "orders-dev-Orders" },
    noLines,
  );
  try {
    expect(await worker.handler(EVENT)).toEqual({ batchItemFailures: [{ itemIdentifier: "orders-dev-Orders" }] });
  } finally {
    await worker.stop();
  }
});

test("hands every line the function prints, to standard output or error, to onLine, and none to this process's own", async () => {
  const lines: string[] = [];
  const written = jest.spyOn(process.stdout, "write");
  const writtenToErr = jest.spyOn(process.stderr, "write");
  const worker = await FunctionWorker.start(
    bundle('exports.handler = async () => { console.log("to stdout"); console.error("to stderr"); };'),
    {},
    { onLine: (line) => lines.push(line) },
  );
  try {
    await worker.handler(EVENT);
    for (let waited = 0; lines.length < 2 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const ours = [...written.mock.calls, ...writtenToErr.mock.calls].filter(([text]) =>
      /to std(out|err)/.test(String(text)),
    );
    expect([lines.sort(), ours]).toEqual([["to stderr", "to stdout"], []]);
  } finally {
    written.mockRestore();
    writtenToErr.mockRestore();
    await worker.stop();
  }
});

test("rejects a call whose handler throws, with its message", async () => {
  const worker = await FunctionWorker.start(
    bundle('exports.handler = async () => { throw new Error("DynamoDB said no"); };'),
    {},
    noLines,
  );
  try {
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("DynamoDB said no"));
  } finally {
    await worker.stop();
  }
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
  const worker = await FunctionWorker.start(bundle("exports.handler = async () => process.exit(3);"), {}, noLines);
  try {
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("the function's worker exited (code 3)"));
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("the function's worker exited (code 3)"));
  } finally {
    await worker.stop();
  }
});

test("rejects a call after stop, saying the function was stopped", async () => {
  const worker = await FunctionWorker.start(bundle("exports.handler = async () => undefined;"), {}, noLines);
  await worker.stop();
  await expect(worker.handler(EVENT)).rejects.toThrow(new Error("the function was stopped"));
});

test("rejects the call running when the function throws outside its promise (its thread ends)", async () => {
  const worker = await FunctionWorker.start(
    bundle('exports.handler = () => new Promise(() => setTimeout(() => { throw new Error("late"); }, 10));'),
    {},
    noLines,
  );
  try {
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("late"));
    await expect(worker.handler(EVENT)).rejects.toThrow(new Error("late"));
  } finally {
    await worker.stop();
  }
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
