import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";

/** How the tests call ProcessOrderLambda's handler (the TypeScript source or the built bundle). */
export type Handler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** One JSON log line the function wrote. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LogLine = Record<string, any>;

/** What one invocation answered and wrote. */
export interface Invocation {
  readonly response: SQSBatchResponse;
  /** The function's JSON log lines, parsed (EMF metric documents excepted). */
  readonly logs: LogLine[];
  /** The EMF metric documents it wrote (lines with an `_aws` member), parsed. */
  readonly metrics: LogLine[];
  /** The same lines as written (to measure them). */
  readonly lines: string[];
  /** When the handler's promise settled (Date.now()). */
  readonly returnedAt: number;
}

/**
 * Invokes the handler, capturing the JSON log lines it writes (and keeping them out of the test
 * output). With `afterMs`, capture goes on that long after it returns: a line written then would
 * land in the next invocation's logs on Lambda.
 */
export async function invoke(
  handler: Handler,
  event: SQSEvent,
  context?: Context,
  { afterMs = 0 }: { readonly afterMs?: number } = {},
): Promise<Invocation> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(chunk.toString());
    return true;
  };
  const out = jest.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = jest.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    const response = await handler(event, context);
    const returnedAt = Date.now();
    if (afterMs > 0) await new Promise((resolve) => setTimeout(resolve, afterMs));
    // Lines that are not JSON (Node's own process warnings) are not the function's log lines.
    const lines = written
      .join("")
      .split("\n")
      .filter((line) => line.startsWith("{"));
    const parsed: LogLine[] = lines.map((line) => JSON.parse(line));
    const isEmf = (line: LogLine): boolean => typeof line._aws === "object" && line._aws !== null;
    return {
      response,
      logs: parsed.filter((line) => !isEmf(line)),
      metrics: parsed.filter(isEmf),
      lines,
      returnedAt,
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Loads the handler module at `modulePath` afresh (a new container: new module-scope client and settings). */
export function loadHandler(modulePath: string): Handler {
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require(modulePath).handler;
  });
  return handler!;
}

/** Runs `body` with `env` set over process.env (the SDK reads region and endpoint at request time). */
export async function withEnv<T>(env: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await body();
  } finally {
    process.env = saved;
  }
}

/** A Lambda context whose function times out `remainingMs` from now; `endsAt` is that moment (Date.now()). */
export function fakeContext(remainingMs: number): { context: Context; endsAt: number } {
  const endsAt = Date.now() + remainingMs;
  const context = {
    functionName: "orders-test-ProcessOrderLambda",
    awsRequestId: "00000000-0000-4000-8000-000000000000",
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
  } as unknown as Context;
  return { context, endsAt };
}

/** Resolves once `condition()` holds, checking every 20 ms; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
