import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import * as net from "net";
import * as path from "path";

/**
 * Servers on 127.0.0.1 that misbehave the way a network or DynamoDB does, for the
 * fault-injection tests. Each is started by a test and stopped by it.
 */

/** A server the tests started, and how to stop it. */
export interface FaultServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** What a fault proxy does with one TCP connection (numbered from 0 in accept order). */
export type ConnectionFault =
  /** Pass both ways untouched. */
  | "forward"
  /** Accept, read the request, never answer. */
  | "stall"
  /** Answer the status line, then one header byte every 250 ms, never finishing: the socket is never idle. */
  | "trickle"
  /** Forward the request; pass half of the first response chunk, then reset the connection. */
  | "reset-mid-response"
  /** Forward, holding every response chunk back this many milliseconds. */
  | { readonly delayMs: number }
  /**
   * Forward, but hold each connection until this many are open at once, then release them all (one the
   * client closes while held no longer counts: retries on new connections do not add up to the number).
   */
  | { readonly holdUntilOpen: number };

/** A stalled or trickled connection: when it was accepted and when the client gave up on it. */
export interface HeldConnection {
  readonly acceptedAt: number;
  closedAt?: number;
}

export interface FaultProxy extends FaultServer {
  /** Connections that were stalled or trickled. */
  readonly held: HeldConnection[];
  /** Connections accepted so far. */
  readonly accepted: () => number;
  /** The most connections that were open at once. */
  readonly peakOpen: () => number;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** A TCP proxy in front of `target` (host:port of an http endpoint) that applies `fault(n)` to the n-th connection. */
export async function startFaultProxy(
  target: string,
  fault: (connection: number) => ConnectionFault,
): Promise<FaultProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const held: HeldConnection[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let count = 0;
  let open = 0;
  let peak = 0;
  /** Connections held until enough are open at once ("holdUntilOpen"). */
  const waiting = new Map<net.Socket, () => void>();
  const server = net.createServer((client) => {
    sockets.add(client);
    peak = Math.max(peak, ++open);
    client.on("close", () => {
      sockets.delete(client);
      open--;
      waiting.delete(client);
    });
    client.on("error", () => undefined);
    const mode = fault(count++);
    if (mode === "stall" || mode === "trickle") {
      const connection: HeldConnection = { acceptedAt: Date.now() };
      held.push(connection);
      client.on("close", () => (connection.closedAt = Date.now()));
      // Read (and drop) the request, so the client's close is seen when it comes.
      client.resume();
      if (mode === "trickle") {
        client.once("data", () => {
          client.write("HTTP/1.1 200 OK\r\n");
          const timer = setInterval(() => client.writable && client.write("x"), 250);
          timers.add(timer);
          client.on("close", () => clearInterval(timer));
        });
      }
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    if (typeof mode === "object" && "holdUntilOpen" in mode) {
      waiting.set(client, () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
      if (waiting.size >= mode.holdUntilOpen) {
        const releases = [...waiting.values()];
        waiting.clear();
        for (const release of releases) release();
      }
      return;
    }
    client.pipe(upstream);
    if (mode === "forward") {
      upstream.pipe(client);
    } else if (mode === "reset-mid-response") {
      upstream.once("data", (chunk: Buffer) => {
        client.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => client.resetAndDestroy());
        upstream.destroy();
      });
    } else {
      upstream.on("data", (chunk: Buffer) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (client.writable) client.write(chunk);
        }, mode.delayMs);
        timers.add(timer);
      });
      upstream.on("end", () => {
        const timer = setTimeout(() => client.end(), mode.delayMs);
        timers.add(timer);
      });
    }
  });
  const listening = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    held,
    accepted: () => count,
    peakOpen: () => peak,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A listener whose accept queue is full and whose process never accepts: a connection
 * attempt to it never completes (the kernel drops the SYN), as with a blackholed address.
 * The listener runs in a child process blocked in Atomics.wait (no CPU).
 */
export async function startUnconnectable(): Promise<FaultServer> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const server = require("net").createServer();
       server.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
         process.stdout.write(server.address().port + "\\n");
         setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 20);
       });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = Number(await firstLine(child));
  // Fill the accept queue: the kernel completes handshakes for queued connections until it is full.
  const fillers: net.Socket[] = [];
  for (;;) {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      socket.once("connect", () => resolve(true));
      setTimeout(() => resolve(false), 300);
    });
    if (!connected) break;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const socket of fillers) socket.destroy();
      await kill(child);
    },
  };
}

/** The DynamoDB JSON error bodies a throttled table answers with. */
export const THROTTLING_ERRORS = {
  ProvisionedThroughputExceededException: {
    __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    message:
      "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
  },
  ThrottlingException: {
    __type: "com.amazon.coral.availability#ThrottlingException",
    message: "Rate of requests exceeds the allowed throughput.",
  },
} as const;

export type ThrottlingError = keyof typeof THROTTLING_ERRORS;

/** A DynamoDB API call the stand-in saw: its operation (`GetItem`), JSON body, and when it ended. */
export interface SeenRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  readonly receivedAt: number;
  /** When the client closed a trickled request. */
  closedAt?: number;
}

/** What the stand-in does with a request: a throttling error, a response that trickles and never ends, or forward it. */
export type StandInAnswer = ThrottlingError | "trickle" | undefined;

/**
 * A stand-in for DynamoDB's endpoint: answers request n (of `operation`) as `answer(n, operation)`
 * says: a throttling error (HTTP 400, DynamoDB's JSON error), a 200 whose body trickles a byte
 * every 250 ms and never ends, or the answer of `target`. It keeps every request it saw.
 */
export async function startThrottlingServer(
  target: string,
  answer: (request: number, operation: string) => StandInAnswer,
): Promise<FaultServer & { readonly throttled: () => number; readonly seen: SeenRequest[] }> {
  let requests = 0;
  let throttled = 0;
  const seen: SeenRequest[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const operation = String(req.headers["x-amz-target"] ?? "").replace(/^DynamoDB_\d+\./, "");
    const error = answer(requests++, operation);
    const chunks: Buffer[] = [];
    const request: SeenRequest = { operation, body: {}, receivedAt: Date.now() };
    seen.push(request);
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => Object.assign(request, { body: JSON.parse(Buffer.concat(chunks).toString() || "{}") }));
    if (error === "trickle") {
      res.on("close", () => (request.closedAt = Date.now()));
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      const timer = setInterval(() => res.write(" "), 250);
      timers.add(timer);
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (error) {
      throttled++;
      const body = JSON.stringify(THROTTLING_ERRORS[error]);
      res.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": `throttled-${requests}` });
      res.end(body);
      return;
    }
    const upstream = http.request(
      new URL(req.url ?? "/", target),
      { method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttled: () => throttled,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** dynalite as its own process, persisting to `dataDir`, so a test can kill it (SIGKILL) and start it again. */
export class DynaliteProcess {
  private child: ChildProcess | undefined;

  private constructor(
    public readonly port: number,
    private readonly dataDir: string | undefined,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts dynalite on a free loopback port, in memory unless given a data folder. */
  static async start(dataDir?: string): Promise<DynaliteProcess> {
    const probe = net.createServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
    const dynalite = new DynaliteProcess(port, dataDir);
    await dynalite.restart();
    return dynalite;
  }

  /** Starts the process again on the same port and data. */
  async restart(): Promise<void> {
    const bin = path.join(__dirname, "..", "..", "node_modules", ".bin", "dynalite");
    this.child = spawn(
      bin,
      [
        ...["--port", String(this.port), "--host", "127.0.0.1", "--createTableMs", "0"],
        ...(this.dataDir ? ["--path", this.dataDir] : []),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await firstLine(this.child);
  }

  /** SIGKILL: no shutdown, no flush; what was acknowledged must already be on disk. */
  async kill(): Promise<void> {
    if (this.child) await kill(this.child);
    this.child = undefined;
  }
}

/**
 * The DynamoDB stand-in (dynamodb-stand-in.js) as its own process on a free loopback port: fast
 * where dynalite is thorough, for tests whose subject is the function's connections under load.
 */
export async function startDynamoDbStandIn(): Promise<FaultServer> {
  const child = spawn(process.execPath, [path.join(__dirname, "dynamodb-stand-in.js")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = Number(await firstLine(child));
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => kill(child) };
}

/**
 * Runs `command args` held to a share of one CPU, as CPU-bound neighbours would hold it, without
 * burning any: a small parent process (woken on time, as the scheduler favours sleepers) starts
 * it with its own standard streams and environment, and stops (SIGSTOP) and resumes (SIGCONT) it
 * in turns of `runMs` running and `pauseMs` stopped until it exits; then exits with its code.
 * Being its parent, it never signals a process ID the system gave to another process.
 */
export function spawnWithCpuShare(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; runMs: number; pauseMs: number },
): ChildProcess {
  return spawn(
    process.execPath,
    [
      "-e",
      `const [run, pause, command, ...args] = process.argv.slice(1);
       const child = require("child_process").spawn(command, args, { stdio: "inherit" });
       let stopped = false;
       const turn = () => {
         stopped = !stopped;
         child.kill(stopped ? "SIGSTOP" : "SIGCONT");
         timer = setTimeout(turn, Number(stopped ? pause : run));
       };
       let timer = setTimeout(turn, Number(run));
       child.on("exit", (code) => { clearTimeout(timer); process.exitCode = code ?? 1; });
       process.on("SIGTERM", () => { clearTimeout(timer); child.kill("SIGKILL"); });`,
      String(options.runMs),
      String(options.pauseMs),
      command,
      ...args,
    ],
    { env: options.env, stdio: ["ignore", "pipe", "inherit"] },
  );
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (text.includes("\n")) {
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        resolve(text.split("\n")[0].trim());
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${child.spawnfile} exited (${code}) before it was ready`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}
