import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** The project root (this clone). */
export const ROOT = path.join(__dirname, "..", "..");

/** What a finished command did. */
export interface CommandResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd?: string;
  /** Variables set (a string) or removed (undefined) over this process's environment. */
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

/** This process's environment without what would change a command's defaults, with `changes` applied. */
export function commandEnv(changes: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  for (const name of Object.keys(env)) {
    if (/^(ORDERS_|AWS_|FAUXQS_|POWERTOOLS_|CDKTF_OUTDIR$)/.test(name)) delete env[name];
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs `command args` as a child process (no shell) and collects its output; killed after the timeout. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: commandEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    // A command may refuse its input before reading all of it (a size limit): that is no error here.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? "");
  });
}

/** Runs a built command of this clone (`dist/ops/publish.js` ...) with node, as its npm script does after building. */
export function runBuilt(file: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return run(process.execPath, [path.join(ROOT, file), ...args], options);
}

/** `npm run <script> -- <args>` in `cwd`, exactly as a user types it. */
export function npmRun(
  cwd: string,
  script: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return run("npm", ["run", script, ...(args.length ? ["--", ...args] : [])], { ...options, cwd });
}

/** The lines a command printed, without npm's "> script" header. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("> "));
}

/**
 * A fresh clone of this project in a temporary folder (sources only; node_modules linked), so
 * tests can run `npm run ...` exactly as a user does, building and synthesizing there, without
 * touching this clone's dist/, cdktf.out/ or outputs files while other suites use them.
 */
export function projectCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-project-"));
  const skip = new Set(["node_modules", "dist", "cdktf.out", ".git", "bench-out", "coverage"]);
  for (const entry of fs.readdirSync(ROOT)) {
    if (skip.has(entry) || /^outputs.*\.json$|\.tfstate/.test(entry)) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** A sandbox started as a child process, in its own process group as a terminal starts it. */
export class RunningSandbox {
  private exited?: Promise<CommandResult>;
  public stdout = "";
  public stderr = "";

  private constructor(private readonly child: ChildProcess) {}

  /**
   * Starts `command args` (e.g. `npm run sandbox -- ...`) and resolves once it printed the line
   * `ready`; rejects with its output if it exits or is not ready within `timeoutMs`.
   */
  static start(
    command: string,
    args: readonly string[],
    options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number },
  ): Promise<RunningSandbox> {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: commandEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const sandbox = new RunningSandbox(child);
    sandbox.exited = new Promise((resolve) =>
      child.on("close", (status, signal) =>
        resolve({ status, signal, stdout: sandbox.stdout, stderr: sandbox.stderr }),
      ),
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sandbox.kill();
        reject(new Error(`the sandbox was not ready in time:\n${sandbox.stdout}\n${sandbox.stderr}`));
      }, options.timeoutMs ?? 90_000);
      child.stdout!.on("data", (d) => {
        sandbox.stdout += d;
        if (/^ready$/m.test(sandbox.stdout)) {
          clearTimeout(timer);
          resolve(sandbox);
        }
      });
      child.stderr!.on("data", (d) => (sandbox.stderr += d));
      void sandbox.exited!.then((r) => {
        clearTimeout(timer);
        reject(new Error(`the sandbox exited (${r.status ?? r.signal}) before ready:\n${r.stdout}\n${r.stderr}`));
      });
    });
  }

  /** Sends `signal` to the whole process group (as Ctrl-C in a terminal does) and waits for the exit. */
  async stop(signal: NodeJS.Signals = "SIGINT"): Promise<CommandResult> {
    process.kill(-this.child.pid!, signal);
    return this.exited!;
  }

  /** Ends the group at once (a test's cleanup when something failed). */
  kill(): void {
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Whether anything accepts connections on `endpoint`'s port of 127.0.0.1. */
export function listening(endpoint: string): Promise<boolean> {
  const port = Number(new URL(endpoint).port);
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Synthesizes the app into a new temporary folder with the built entry point (as `npm run synth` does). */
export async function synthesized(): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-out-"));
  const result = await runBuilt("dist/main.js", [], { env: { CDKTF_OUTDIR: outdir } });
  if (result.status !== 0) throw new Error(`synth failed:\n${result.stderr}`);
  return outdir;
}

/** An endpoint on 127.0.0.1 where nothing listens (a port just released). */
export function closedEndpoint(): Promise<string> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
}

/** Runs `tasks` with at most `limit` at once; results in order. */
export async function pooled<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** How many servers this process has listening (the local servers, while a command runs in Jest's process). */
export function listeningServers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
}

/** The count of listening servers once it is back to `count`, or after 5 s (a closed server's handle goes a moment later). */
export async function serversBackTo(count: number): Promise<number> {
  for (const until = Date.now() + 5000; listeningServers() !== count && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return listeningServers();
}

/** A batch `npm run local` runs in the tests (in Jest's process and as the built command): 20 orders, 2 poison. */
export const LOCAL_BATCH_ARGS = ["--orders", "20", "--bad-share", "0.1", "--visibility-timeout", "1"] as const;

/** The summary `npm run local` prints for LOCAL_BATCH_ARGS when every check holds (timings left out). */
export const LOCAL_BATCH_SUMMARY = [
  "Summary",
  "  published    20 (2 poison)",
  "  stored       18",
  "  in the DLQ   2",
  "  published = stored + DLQ: yes",
  "  every good order stored, no poison order stored: yes",
  "  every poison order received 3 times, then in the DLQ unchanged: yes",
];

/** The summary lines `npm run local` printed, without those that vary from run to run (invocations, timings). */
export function localSummary(printed: string): string[] {
  const all = lines(printed);
  return all.slice(all.indexOf("Summary")).filter((l) => !/duration|throughput|invocations/.test(l));
}
