import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import {
  InputError,
  JSON_MAX_DEPTH,
  cutText,
  jsonDepthProblem,
  quote,
  readBoundedFile,
  readBoundedStream,
  sizeText,
} from "../config/input";

// config/input.ts in this process: the commands and synth that use it are tested as users run them
// (bad-input, cli-input, bad-config), which `npm run mutate` cannot see; these tests judge its mutants.

// A path can change between readBoundedFile's stat and its open (removed, or replaced by a FIFO): no test can
// time that race, so what the second look finds is simulated here; every other call is the real fs.
const mockRace: { openError?: NodeJS.ErrnoException; notAFile?: boolean } = {};
jest.mock("fs", () => {
  const real = jest.requireActual<typeof import("fs")>("fs");
  return {
    ...real,
    openSync: (...args: Parameters<typeof real.openSync>) => {
      if (mockRace.openError) throw mockRace.openError;
      return real.openSync(...args);
    },
    fstatSync: (fd: number) => {
      const stat = real.fstatSync(fd);
      return mockRace.notAFile ? Object.assign(stat, { isFile: () => false }) : stat;
    },
  };
});
afterEach(() => {
  delete mockRace.openError;
  delete mockRace.notAFile;
});

const folder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-input-"));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

/** A file of `text` in this test's folder. */
const fileOf = (name: string, text: string): string => {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  return file;
};

/** The message readBoundedFile throws, checked to be an InputError. */
const readError = (file: string, maxBytes = 10, stdinAllowed?: boolean): string => {
  try {
    readBoundedFile(file, { what: "--file", maxBytes, stdinAllowed });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("expected readBoundedFile to throw");
};

test("an InputError is named InputError", () => {
  expect(new InputError("x").name).toBe("InputError");
});

describe("quote", () => {
  test("quotes a missing value as nothing", () => {
    expect(quote(undefined)).toBe("nothing");
  });

  test.each([
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
    [NaN, "NaN"],
  ])("quotes the number %p as written, not as JSON's null", (value, text) => {
    expect(quote(value)).toBe(text);
  });

  test("quotes text, numbers and objects as JSON", () => {
    expect([quote("a b"), quote(5), quote({ a: [1] }), quote(null)]).toEqual(['"a b"', "5", '{"a":[1]}', "null"]);
  });

  test("quotes a value JSON cannot write (a symbol) as String() writes it", () => {
    expect(quote(Symbol("s"))).toBe("Symbol(s)");
  });

  test("names a value JSON cannot render (a bigint, a cycle) by its kind", () => {
    const cyclicList: unknown[] = [];
    cyclicList.push(cyclicList);
    const cyclicObject: Record<string, unknown> = {};
    cyclicObject.self = cyclicObject;
    expect([quote(1n), quote(cyclicList), quote(cyclicObject)]).toEqual(["bigint", "a list", "object"]);
  });

  test("keeps a quoted value of 200 characters whole", () => {
    expect(quote("a".repeat(198))).toBe(`"${"a".repeat(198)}"`);
  });

  test("cuts a quoted value of 201 characters to its first 200, then its length", () => {
    expect(quote("a".repeat(199))).toBe(`"${"a".repeat(199)}… (201 characters)`);
  });
});

describe("cutText", () => {
  test("keeps text of 200 characters whole", () => {
    expect(cutText("b".repeat(200))).toBe("b".repeat(200));
  });

  test("cuts text of 201 characters to its first 200, then its length", () => {
    expect(cutText("b".repeat(201))).toBe(`${"b".repeat(200)}… (201 characters)`);
  });
});

describe("sizeText", () => {
  test.each([
    [1023, "1023 bytes"],
    [1024, "1 KiB"],
    [1025, "2 KiB"],
    [300_000, "293 KiB"],
    [1024 * 1024 - 1, "1024 KiB"],
    [1024 * 1024, "1 MiB"],
    [1.5 * 1024 * 1024, "1.5 MiB"],
  ])("writes %p bytes as %p", (bytes, text) => {
    expect(sizeText(bytes)).toBe(text);
  });
});

describe("readBoundedFile", () => {
  test("returns a file of exactly the limit whole", () => {
    expect(readBoundedFile(fileOf("ten", "0123456789"), { what: "--file", maxBytes: 10 })).toBe("0123456789");
  });

  test("refuses a file one byte over the limit, naming the limit", () => {
    const file = fileOf("eleven", "0123456789a");
    expect(readError(file)).toBe(`--file must hold at most 10 bytes (given ${JSON.stringify(file)}, larger)`);
  });

  test("refuses a file whose stat says 0 bytes but which holds more than the limit (a /proc file)", () => {
    expect(fs.statSync("/proc/self/status").size).toBe(0);
    expect(readError("/proc/self/status", 100)).toBe(
      '--file must hold at most 100 bytes (given "/proc/self/status", larger)',
    );
  });

  test("reads a file whose stat says 0 bytes to its end (a /proc file)", () => {
    expect(readBoundedFile("/proc/self/status", { what: "--file", maxBytes: 1024 * 1024 })).toMatch(
      /^Name:.*\n[^]*\n$/,
    );
  });

  test("closes the file it opened, whether it returns the text or refuses it", () => {
    const open = () => fs.readdirSync("/proc/self/fd").length;
    const before = open();
    readBoundedFile(fileOf("small", "x"), { what: "--file", maxBytes: 10 });
    readError("/proc/self/status", 100);
    expect(open()).toBe(before);
  });

  test("names a missing file", () => {
    const file = path.join(folder, "none.json");
    expect(readError(file)).toBe(`--file must name an existing file (given ${JSON.stringify(file)})`);
  });

  test("names a path under a regular file as missing", () => {
    const file = path.join(fileOf("plain", "x"), "below.json");
    expect(readError(file)).toBe(`--file must name an existing file (given ${JSON.stringify(file)})`);
  });

  test("names any other reason a path cannot be looked at by its error code", () => {
    const loop = path.join(folder, "loop");
    fs.symlinkSync(loop, loop);
    expect(readError(loop)).toBe(`--file cannot be read (given ${JSON.stringify(loop)}: ELOOP)`);
  });

  test("refuses a folder, naming it one", () => {
    expect(readError(folder)).toBe(`--file must be a regular file (given ${JSON.stringify(folder)}, a folder)`);
  });

  test("says standard input is allowed where it is", () => {
    expect(readError(folder, 10, true)).toBe(
      `--file must be a regular file or "-" for standard input (given ${JSON.stringify(folder)}, a folder)`,
    );
  });

  test("refuses a FIFO without opening it (which would wait for a writer)", () => {
    const fifo = path.join(folder, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(readError(fifo)).toBe(`--file must be a regular file (given ${JSON.stringify(fifo)}, a FIFO)`);
  });

  test("refuses a character device (/dev/zero never ends)", () => {
    expect(readError("/dev/zero")).toBe('--file must be a regular file (given "/dev/zero", a character device)');
  });

  test("refuses a socket", async () => {
    const socket = path.join(folder, "socket");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(readError(socket)).toBe(`--file must be a regular file (given ${JSON.stringify(socket)}, a socket)`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("quotes a long path cut to 200 characters", () => {
    const file = path.join(folder, "n".repeat(250));
    expect(readError(file)).toBe(
      `--file must name an existing file (given ${JSON.stringify(file).slice(0, 200)}… (${file.length + 2} characters))`,
    );
  });

  test("names the reason a file that passed the stat cannot be opened", () => {
    const file = fileOf("gone", "x");
    mockRace.openError = Object.assign(new Error("gone"), { code: "ENOENT" });
    expect(readError(file)).toBe(`--file cannot be read (given ${JSON.stringify(file)}: ENOENT)`);
  });

  test("refuses a path that is no longer a regular file once opened", () => {
    const file = fileOf("swapped", "x");
    mockRace.notAFile = true;
    expect(readError(file, 10, true)).toBe(
      `--file must be a regular file or "-" for standard input (given ${JSON.stringify(file)})`,
    );
  });
});

describe("readBoundedStream", () => {
  test("joins every chunk, text or bytes, up to the limit", async () => {
    const stream = Readable.from([Buffer.from("01234"), "56789"], { objectMode: true });
    await expect(readBoundedStream(stream, "standard input", 10)).resolves.toBe("0123456789");
  });

  test("refuses a stream one byte over the limit and stops reading it", async () => {
    const stream = Readable.from(["0123456789", "a", "never read"], { objectMode: true });
    await expect(readBoundedStream(stream, "standard input", 10)).rejects.toThrow(
      new InputError("standard input must hold at most 10 bytes (it holds more)"),
    );
    expect(stream.destroyed).toBe(true);
  });
});

describe("jsonDepthProblem", () => {
  const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

  test(`accepts JSON nested ${JSON_MAX_DEPTH} levels`, () => {
    expect(jsonDepthProblem(nested(JSON_MAX_DEPTH), "--file")).toBeUndefined();
  });

  test(`refuses JSON nested ${JSON_MAX_DEPTH + 1} levels of lists and objects, naming the input`, () => {
    expect(jsonDepthProblem(`{"a":${nested(JSON_MAX_DEPTH)}}`, "--file")).toBe(
      `--file nests deeper than ${JSON_MAX_DEPTH} levels of objects and lists`,
    );
  });

  test("counts a closed object out again", () => {
    expect(jsonDepthProblem("[{},{},{}]", "x", 2)).toBeUndefined();
  });

  test("counts a closed level out again", () => {
    expect(jsonDepthProblem(`[${nested(2)},{}]`, "x", 3)).toBeUndefined();
  });

  test("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonDepthProblem('["[[[\\"{{{", "\\\\", "]"]', "x", 1)).toBeUndefined();
  });

  test("counts brackets after a string that ends in an escaped backslash", () => {
    expect(jsonDepthProblem('["\\\\",[]]', "x", 1)).toBe("x nests deeper than 1 levels of objects and lists");
  });
});
