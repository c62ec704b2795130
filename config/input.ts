import * as fs from "fs";
import type { Readable } from "stream";

/**
 * Reading what a user gives (files, standard input, JSON, option values) within limits, so bad
 * input is refused with one message instead of hanging, exhausting memory or the stack:
 * files must be regular files of a bounded size (`/dev/zero` never ends, a FIFO blocks), JSON
 * is checked for depth before it is parsed (a 5,000-deep value overflows the stack of whatever
 * walks it), and every value a message quotes is cut. Shared by the configuration and the
 * commands (cli/), which may import nothing else in common.
 */

/** Bad input: the caller reports the message once (a command exits 2). */
export class InputError extends Error {
  public override readonly name: string = "InputError";
}

/** How much of a value a message quotes: its first 200 characters, then its length (as the order contract does). */
export const QUOTE_MAX_CHARS = 200;

/** The deepest JSON any input file may nest (an order nests 32 levels at most; the contract names deeper ones). */
export const JSON_MAX_DEPTH = 64;

/** 1 MiB: the most an environments file, an order file or standard input may hold. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * A value as a message quotes it: JSON, cut to its first 200 characters plus its length
 * (`"aaaa…" (131072 characters)`), so a 128 KB argument never becomes a 128 KB error line.
 */
export function quote(value: unknown): string {
  let text: string;
  if (value === undefined) text = "nothing";
  else if (typeof value === "number" && !Number.isFinite(value)) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      // A value too deep (or cyclic) to render: its kind is enough.
      text = Array.isArray(value) ? "a list" : typeof value;
    }
  }
  return text.length <= QUOTE_MAX_CHARS ? text : `${text.slice(0, QUOTE_MAX_CHARS)}… (${text.length} characters)`;
}

/** Text as a message shows it, unquoted: cut to its first 200 characters plus its length. */
export function cutText(text: string): string {
  return text.length <= QUOTE_MAX_CHARS ? text : `${text.slice(0, QUOTE_MAX_CHARS)}… (${text.length} characters)`;
}

/** What a path names, for a message: "a folder", "a FIFO", "a character device" ... */
function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** `1048576` as "1 MiB", `300000` as "293 KiB". */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.ceil(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

export interface FileLimits {
  /** How the message names the input, e.g. `--file` or `--outputs`. */
  readonly what: string;
  /** The most bytes it may hold. */
  readonly maxBytes: number;
  /** Whether "-" (standard input) is also allowed: the message then says so. */
  readonly stdinAllowed?: boolean;
}

/**
 * The text of `file`, which must be a regular file of at most `maxBytes`. Checked with `stat`
 * before it is opened (opening a FIFO blocks until a writer comes), and read no further than
 * `maxBytes + 1` (a file may grow, and /proc files report size 0). Throws InputError.
 */
export function readBoundedFile(file: string, limits: FileLimits): string {
  const { what, maxBytes } = limits;
  const orStdin = limits.stdinAllowed ? ' or "-" for standard input' : "";
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT" || code === "ENOTDIR"
        ? `${what} must name an existing file (given ${quote(file)})`
        : `${what} cannot be read (given ${quote(file)}: ${code ?? (error as Error).message})`,
    );
  }
  if (!stat.isFile()) {
    throw new InputError(`${what} must be a regular file${orStdin} (given ${quote(file)}, ${kindOf(stat)})`);
  }
  let fd: number;
  try {
    // Non-blocking: should the path have become a FIFO since the stat, opening it does not wait.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw new InputError(
      `${what} cannot be read (given ${quote(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    if (!fs.fstatSync(fd).isFile()) {
      throw new InputError(`${what} must be a regular file${orStdin} (given ${quote(file)})`);
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      // Read, not the stat's size: a file may grow after the stat.
      if (length > maxBytes) {
        throw new InputError(`${what} must hold at most ${sizeText(maxBytes)} (given ${quote(file)}, larger)`);
      }
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Everything `stream` holds, up to `maxBytes`; an InputError as soon as it holds more (the
 * stream is not read further).
 */
export async function readBoundedStream(stream: Readable, what: string, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.from(chunk as string | Buffer);
    length += buffer.length;
    // Leaving the loop (the throw) destroys the stream: it is not read further.
    if (length > maxBytes) {
      throw new InputError(`${what} must hold at most ${sizeText(maxBytes)} (it holds more)`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Why JSON `text` nests deeper than `maxDepth` levels of objects and lists, or undefined. A
 * scan of the text, without recursion, before anything parses or walks it.
 */
export function jsonDepthProblem(text: string, what: string, maxDepth = JSON_MAX_DEPTH): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return `${what} nests deeper than ${maxDepth} levels of objects and lists`;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}
