import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DATA_LOCK_FILE, lockDataFolder, withFileLock } from "../cli/lock";
import { writeStackOutputs } from "../cli/outputs";
import { ROOT, RunningSandbox, runBuilt, synthesized } from "./support/commands";

/**
 * Files two commands share are owned: a sandbox's --data folder is locked by the sandbox that
 * holds it (a second one exits 2 naming the holder's pid; a lock left by a killed one is taken
 * over), and an outputs file is merged per stack, never clobbered: two sandboxes of two stacks
 * write one outputs.local.json and both entries stay.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-shared-"));

/** A process that runs until it is killed: a live pid to hold a lock. */
function sleeper(): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("two sandboxes", () => {
  let out: string;
  let first: RunningSandbox | undefined;
  let second: RunningSandbox | undefined;
  const data = path.join(dir, "data");
  const outputsFile = path.join(dir, "outputs.local.json");

  beforeAll(async () => {
    out = await synthesized();
    first = await RunningSandbox.start(
      process.execPath,
      ["dist/local/sandbox.js", "--out", out, "--data", data, "--outputs-file", outputsFile],
      { cwd: ROOT },
    );
  }, 120_000);

  afterAll(async () => {
    for (const sandbox of [second, first]) if (sandbox) await sandbox.stop("SIGTERM");
  });

  test("on one --data folder: the second exits 2 naming the first one's pid, and starts nothing", async () => {
    const result = await runBuilt("dist/local/sandbox.js", [
      ...["--out", out, "--stack", "orders-prod", "--data", data, "--outputs-file", path.join(dir, "other.json")],
    ]);
    const [first_, usage] = result.stderr.split("\n");
    expect({ status: result.status, stdout: result.stdout, usage }).toEqual({
      status: 2,
      stdout: "",
      usage: 'See "npm run sandbox -- --help".',
    });
    const match = new RegExp(
      `^--data ${data} is in use by another sandbox \\(pid (\\d+), since \\S+\\): stop it first, or give another folder$`,
    ).exec(first_);
    expect(match).not.toBeNull();
    // The pid named is the running first sandbox.
    const commandLine = fs.readFileSync(`/proc/${match![1]}/cmdline`, "utf8").split("\0");
    expect(commandLine).toEqual(expect.arrayContaining(["--data", data]));
    expect(fs.existsSync(path.join(dir, "other.json"))).toBe(false);
  });

  test("of two stacks on one outputs file: both stacks' entries are kept", async () => {
    second = await RunningSandbox.start(
      process.execPath,
      ["dist/local/sandbox.js", "--out", out, "--stack", "orders-prod", "--outputs-file", outputsFile],
      { cwd: ROOT },
    );
    const outputs = JSON.parse(fs.readFileSync(outputsFile, "utf8"));
    expect(Object.keys(outputs).sort()).toEqual(["orders-dev", "orders-prod"]);
    expect(outputs["orders-dev"].aws_endpoint_url_sns).not.toBe(outputs["orders-prod"].aws_endpoint_url_sns);
    // Each entry still reaches its own sandbox.
    const results = await Promise.all(
      ["orders-dev", "orders-prod"].map((stack) =>
        runBuilt("dist/ops/dlq.js", ["list", "--outputs", outputsFile, "--stack", stack, "--timeout", "20"]),
      ),
    );
    expect(results.map((r) => [r.status, r.stdout.split("\n")[0]])).toEqual([
      [0, `0 message(s) on ${outputs["orders-dev"].dlq_url}`],
      [0, `0 message(s) on ${outputs["orders-prod"].dlq_url}`],
    ]);
  }, 120_000);
});

describe("the --data lock", () => {
  test("left by a sandbox that was killed (its pid gone) is taken over", async () => {
    const folder = fs.mkdtempSync(path.join(dir, "stale-"));
    const gone = sleeper();
    gone.kill("SIGKILL");
    await exited(gone);
    fs.writeFileSync(path.join(folder, DATA_LOCK_FILE), JSON.stringify({ pid: gone.pid, since: "earlier" }));
    const release = lockDataFolder(folder);
    expect(JSON.parse(fs.readFileSync(path.join(folder, DATA_LOCK_FILE), "utf8")).pid).toBe(process.pid);
    release();
    expect(fs.existsSync(path.join(folder, DATA_LOCK_FILE))).toBe(false);
  });

  test("held by a live process is refused with its pid", async () => {
    const folder = fs.mkdtempSync(path.join(dir, "held-"));
    const holder = sleeper();
    try {
      fs.writeFileSync(path.join(folder, DATA_LOCK_FILE), JSON.stringify({ pid: holder.pid, since: "now" }));
      expect(() => lockDataFolder(folder)).toThrow(
        `--data ${folder} is in use by another sandbox (pid ${holder.pid}, since now): stop it first, or give another folder`,
      );
    } finally {
      holder.kill("SIGKILL");
      await exited(holder);
    }
  });
});

describe("an outputs file", () => {
  test("keeps every other stack's entry when one stack's is written", () => {
    const file = path.join(dir, "merge.json");
    writeStackOutputs(file, "orders-dev", { topic_arn: "a" });
    writeStackOutputs(file, "orders-prod", { topic_arn: "b" });
    writeStackOutputs(file, "orders-dev", { topic_arn: "c" });
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({
      "orders-dev": { topic_arn: "c" },
      "orders-prod": { topic_arn: "b" },
    });
    expect(fs.readdirSync(dir).filter((name) => name.startsWith("merge.json."))).toEqual([]);
  });

  test("is not written while another live process holds its lock", async () => {
    const file = path.join(dir, "locked.json");
    const holder = sleeper();
    try {
      fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: holder.pid, since: "now" }));
      expect(() => withFileLock(file, () => fs.writeFileSync(file, "{}"), 200)).toThrow(
        `${file} is being written by process ${holder.pid} (its lock: ${file}.lock)`,
      );
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      holder.kill("SIGKILL");
      await exited(holder);
    }
    // Its holder gone, the lock is stale: the write goes ahead.
    withFileLock(file, () => fs.writeFileSync(file, "{}"));
    expect(fs.readFileSync(file, "utf8")).toBe("{}");
  });
});
