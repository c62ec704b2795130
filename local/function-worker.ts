import * as fs from "fs";
import * as readline from "readline";
import { Worker } from "worker_threads";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { displayPath } from "../config/project";
import { Handler } from "./function";

/**
 * A built function bundle run in a worker thread, as Lambda runs it in its own process: its own
 * environment (the worker's copy of `process.env`, this process's left alone) and its own standard
 * output, which this process reads line by line. That is how the sandbox gets the EMF documents
 * Powertools Metrics prints (it writes them to `process.stdout` through its own Console, so they
 * cannot be taken from it in-process without patching `process.stdout`).
 */

/** The worker's code: loads the bundle once (a cold start), then runs one invocation per message. */
const WORKER_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const { handler } = require(workerData.bundle);
parentPort.on("message", ({ id, event }) => {
  Promise.resolve()
    .then(() => handler(event))
    .then(
      (result) => parentPort.postMessage({ id, result }),
      (error) => parentPort.postMessage({ id, error: String((error && error.message) || error) }),
    );
});
parentPort.postMessage({ ready: true });
`;

type Answer = { id: number; result?: SQSBatchResponse | void; error?: string } | { ready: true };

export interface FunctionWorkerOptions {
  /** Every line the function prints on its standard output (log lines and EMF documents). */
  readonly onLine: (line: string) => void;
}

/** A running function: call `handler` like the bundle's own, `stop` to end the worker. */
export class FunctionWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: SQSBatchResponse | void) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failure?: Error;
  private stopped = false;

  /**
   * Starts `bundle` with `env` (added to this process's environment, in the worker only); resolves
   * once the bundle is loaded, rejects when it cannot load.
   */
  static async start(
    bundle: string,
    env: Record<string, string>,
    options: FunctionWorkerOptions,
  ): Promise<FunctionWorker> {
    if (!fs.existsSync(bundle)) {
      throw new Error(`${displayPath(bundle)} does not exist: run "npm run build" first`);
    }
    const fn = new FunctionWorker(bundle, env, options);
    await fn.ready;
    return fn;
  }

  private readonly ready: Promise<void>;

  private constructor(bundle: string, env: Record<string, string>, options: FunctionWorkerOptions) {
    this.worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { bundle },
      env: { ...process.env, ...env },
      // Its standard output and error come here as streams, not to this process's.
      stdout: true,
      stderr: true,
    });
    const lines = readline.createInterface({ input: this.worker.stdout, crlfDelay: Infinity });
    lines.on("line", options.onLine);
    const errors = readline.createInterface({ input: this.worker.stderr, crlfDelay: Infinity });
    errors.on("line", options.onLine);
    this.ready = new Promise((resolve, reject) => {
      this.worker.on("message", (answer: Answer) => {
        if ("ready" in answer) return resolve();
        const call = this.pending.get(answer.id);
        if (!call) return;
        this.pending.delete(answer.id);
        if (answer.error !== undefined) call.reject(new Error(answer.error));
        else call.resolve(answer.result);
      });
      this.worker.on("error", (error) => {
        this.failure = error;
        reject(new Error(`the function ${displayPath(bundle)} failed to run: ${error.message}`));
        for (const call of this.pending.values()) call.reject(error);
        this.pending.clear();
      });
      this.worker.on("exit", (code) => {
        // Kept, so that a call after an exit of its own fails at once instead of waiting on a thread that is gone.
        if (!this.stopped) this.failure ??= new Error(`the function's worker exited (code ${code})`);
        const error = this.failure ?? new Error("the function was stopped");
        if (!this.stopped) reject(error);
        for (const call of this.pending.values()) call.reject(error);
        this.pending.clear();
      });
    });
  }

  /** The function as the event source mapping calls it. */
  readonly handler: Handler = (event: SQSEvent) =>
    new Promise((resolve, reject) => {
      if (this.failure || this.stopped) return reject(this.failure ?? new Error("the function was stopped"));
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, event });
    });

  /** Ends the worker (an invocation still running is rejected). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }
}
