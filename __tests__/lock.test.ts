import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DATA_LOCK_FILE, lockDataFolder, withFileLock } from "../cli/lock";

/**
 * The lock files of cli/lock.ts, in this process: who may take a lock, when a lock is stale, how
 * long withFileLock waits, and that a release removes only this process's own lock. Holders are
 * real processes (a sleeping node); ops-shared-files.test.ts runs the commands that use the locks.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-lock-"));
const folder = (): string => fs.mkdtempSync(path.join(dir, "data-"));
const lockIn = (data: string): string => path.join(data, DATA_LOCK_FILE);
const openFiles = (): number => fs.readdirSync("/proc/self/fd").length;

/** A lock file whose last write was `secondsAgo` seconds ago. */
function writeLock(file: string, content: string, secondsAgo = 0): void {
  fs.writeFileSync(file, content);
  const then = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, then, then);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("the --data lock", () => {
  test("is a file in the folder holding this process's pid and when it was taken", () => {
    const data = folder();
    const release = lockDataFolder(data);
    const content = JSON.parse(fs.readFileSync(lockIn(data), "utf8"));
    release();
    expect(content).toEqual({ pid: process.pid, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) });
  });

  test("creates the folder it locks", () => {
    const data = path.join(folder(), "new", "data");
    lockDataFolder(data)();
    expect(fs.statSync(data).isDirectory()).toBe(true);
  });

  test("leaves no file open once taken and released", () => {
    const data = folder();
    const before = openFiles();
    lockDataFolder(data)();
    expect(openFiles()).toBe(before);
  });

  test("held by a process of another user (signal 0 answers EPERM) is refused with its pid", () => {
    const data = folder();
    writeLock(lockIn(data), JSON.stringify({ pid: 4242, since: "then" }));
    const kill = jest.spyOn(process, "kill").mockImplementation(() => {
      throw Object.assign(new Error("kill EPERM"), { code: "EPERM" });
    });
    try {
      expect(() => lockDataFolder(data)).toThrow(`--data ${data} is in use by another sandbox (pid 4242, since then)`);
    } finally {
      kill.mockRestore();
    }
  });

  test.each([
    ["empty", ""],
    ["pid 0", JSON.stringify({ pid: 0, since: "now" })],
    ["pid -5", JSON.stringify({ pid: -5, since: "now" })],
    ["pid 1.5", JSON.stringify({ pid: 1.5, since: "now" })],
  ])("that is unreadable (%s) and under a second old is not taken: it may be being written", (_label, content) => {
    const data = folder();
    writeLock(lockIn(data), content);
    expect(() => lockDataFolder(data)).toThrow(`could not take the lock ${lockIn(data)}`);
    expect(fs.readFileSync(lockIn(data), "utf8")).toBe(content);
  });

  test("being written is looked at three times, 50 ms apart, before the lock fails", () => {
    const data = folder();
    writeLock(lockIn(data), "");
    const started = Date.now();
    expect(() => lockDataFolder(data)).toThrow("could not take the lock");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test.each([
    ["empty", ""],
    ["pid 0", JSON.stringify({ pid: 0, since: "then" })],
  ])("that is unreadable (%s) and older than a second is stale: it is taken over", (_label, content) => {
    const data = folder();
    writeLock(lockIn(data), content, 5);
    const release = lockDataFolder(data);
    expect(JSON.parse(fs.readFileSync(lockIn(data), "utf8")).pid).toBe(process.pid);
    release();
  });
});

describe("releasing a lock", () => {
  test("leaves a lock another process took over meanwhile", () => {
    const data = folder();
    const release = lockDataFolder(data);
    const other = JSON.stringify({ pid: 1, since: "later" });
    fs.writeFileSync(lockIn(data), other);
    release();
    expect(fs.readFileSync(lockIn(data), "utf8")).toBe(other);
  });

  test("does nothing when the lock file is gone", () => {
    const data = folder();
    const release = lockDataFolder(data);
    fs.rmSync(lockIn(data));
    expect(release).not.toThrow();
  });
});

describe("withFileLock", () => {
  test("waits for another process to let go of the lock, then runs", async () => {
    const file = path.join(folder(), "outputs.json");
    const lock = `${file}.lock`;
    // Holds the lock with its own pid for 300 ms, then removes it.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); fs.writeFileSync(process.argv[1], JSON.stringify({ pid: process.pid, since: "now" }));` +
          `setTimeout(() => fs.rmSync(process.argv[1]), 300);`,
        lock,
      ],
      { stdio: "ignore" },
    );
    try {
      while (!fs.existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 10));
      const started = Date.now();
      expect(withFileLock(file, () => "ran", 5000)).toBe("ran");
      expect(Date.now() - started).toBeGreaterThan(100);
    } finally {
      holder.kill("SIGKILL");
      await exited(holder);
    }
  });

  test("fails with the system's error when the lock cannot be created", () => {
    const file = path.join(dir, "missing-folder", "outputs.json");
    expect(() => withFileLock(file, () => "ran")).toThrow(/^ENOENT: no such file or directory, open '.+\.lock'$/);
  });

  test("removes its lock after the body, also when the body throws", () => {
    const file = path.join(folder(), "outputs.json");
    expect(() =>
      withFileLock(file, () => {
        throw new Error("body failed");
      }),
    ).toThrow("body failed");
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
});
