import * as fs from "fs";
import * as path from "path";
import { cutText } from "../config/input";
import { UsageError } from "./cli";

/**
 * Files two commands may share, owned one at a time: a lock file created with O_EXCL that holds
 * the owner's pid. A lock whose process is gone (killed with SIGKILL, the machine restarted) is
 * stale and taken over; a live one is reported with its pid.
 */

/** What a lock file holds. */
interface LockContent {
  readonly pid: number;
  readonly since: string;
}

/** Whether a process with `pid` runs (signal 0 checks without sending; EPERM: it runs as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(file: string): LockContent | undefined {
  try {
    const content = JSON.parse(fs.readFileSync(file, "utf8")) as LockContent;
    return Number.isInteger(content.pid) && content.pid > 0 ? content : undefined;
  } catch {
    // Half written (its owner was killed between create and write), or gone meanwhile.
    return undefined;
  }
}

/**
 * Creates `file` for this process, or returns the live owner's content. A stale lock (its
 * process gone, or unreadable and older than a second) is removed and the creation tried again.
 */
function tryLock(file: string): LockContent | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
      fs.closeSync(fd);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readLock(file);
    if (holder && alive(holder.pid)) return holder;
    if (!holder) {
      // Being written right now by its owner? Give it a second before calling it stale.
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age < 1000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
    }
    fs.rmSync(file, { force: true });
  }
  const holder = readLock(file);
  if (holder) return holder;
  throw new Error(`could not take the lock ${file}`);
}

/** Removes `file` if this process holds it. */
function unlock(file: string): void {
  if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}

/** The lock file of a sandbox's `--data` folder. */
export const DATA_LOCK_FILE = "sandbox.lock";

/**
 * Takes `dir` (a sandbox's `--data` folder, created if missing) for this process until the
 * returned release is called. Held by a live process: a UsageError naming its pid.
 */
export function lockDataFolder(dir: string, option = "--data"): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, DATA_LOCK_FILE);
  const holder = tryLock(file);
  if (holder) {
    throw new UsageError(
      `${option} ${cutText(dir)} is in use by another sandbox (pid ${holder.pid}, since ${holder.since}): ` +
        `stop it first, or give another folder`,
    );
  }
  return () => unlock(file);
}

/**
 * Runs `body` holding `file`'s sibling lock (`<file>.lock`): read-modify-write of a file two
 * processes share. Waits up to `waitMs` for another holder, then fails naming it.
 */
export function withFileLock<T>(file: string, body: () => T, waitMs = 5000): T {
  const lock = `${file}.lock`;
  const until = Date.now() + waitMs;
  for (;;) {
    const holder = tryLock(lock);
    if (!holder) break;
    if (Date.now() > until) {
      throw new Error(`${cutText(file)} is being written by process ${holder.pid} (its lock: ${cutText(lock)})`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  try {
    return body();
  } finally {
    unlock(lock);
  }
}
