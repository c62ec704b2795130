import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sampleOrder } from "../contract/samples";
import { CommandResult, closedEndpoint, pooled, runBuilt } from "./support/commands";

/**
 * Bounded input: files are read only when they are regular files within a size limit ("-" reads
 * standard input within the same limit), JSON is refused beyond a depth limit before anything
 * walks it, and an order larger than SNS takes is refused before anything is sent. Each case runs
 * the built command as a child process and expects exit 2, one message (and the usage line), no
 * stack trace, and nothing printed or written.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-cli-input-"));
const file = (name: string, content: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic";
const deep = (levels: number): string => `${"[".repeat(levels)}${"]".repeat(levels)}`;

interface Case {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  readonly message: string | RegExp;
}

const fifo = path.join(dir, "order.fifo");
execFileSync("mkfifo", [fifo]);
const bigOrder = JSON.stringify(sampleOrder({ note: "x".repeat(300 * 1024) }));
const deepEnvironments = file("deep-environments.json", `{"environments": [{"name": "dev", "alarms": ${deep(5000)}}]}`);
// A synth output with one stack folder: enough for the sandbox to reach the default stack.
const out = path.join(dir, "cdktf.out");
fs.mkdirSync(path.join(out, "stacks", "orders-dev"), { recursive: true });
fs.writeFileSync(path.join(out, "stacks", "orders-dev", "stack-manifest.json"), "{}");

function cases(closed: string): Case[] {
  const outputs = file(
    "outputs.json",
    JSON.stringify({ "orders-dev": { topic_arn: TOPIC, aws_region: "us-east-1", aws_endpoint_url_sns: closed } }),
  );
  const o = ["--outputs", outputs];
  return [
    {
      label: "publish --file /dev/zero",
      command: "dist/ops/publish.js",
      args: ["--file", "/dev/zero", ...o],
      message: '--file must be a regular file or "-" for standard input (given "/dev/zero", a character device)',
    },
    {
      label: "publish --file <a FIFO>",
      command: "dist/ops/publish.js",
      args: ["--file", fifo, ...o],
      message: `--file must be a regular file or "-" for standard input (given ${JSON.stringify(fifo)}, a FIFO)`,
    },
    {
      label: "publish --file <a folder>",
      command: "dist/ops/publish.js",
      args: ["--file", dir, ...o],
      message: `--file must be a regular file or "-" for standard input (given ${JSON.stringify(dir)}, a folder)`,
    },
    {
      label: "publish --file <2 MiB>",
      command: "dist/ops/publish.js",
      args: ["--file", file("two-mib.json", " ".repeat(2 * 1024 * 1024)), ...o],
      message: `--file must hold at most 1 MiB (given ${JSON.stringify(path.join(dir, "two-mib.json"))}, larger)`,
    },
    {
      label: "publish --file - with 2 MiB on standard input",
      command: "dist/ops/publish.js",
      args: ["--file", "-", ...o],
      stdin: " ".repeat(2 * 1024 * 1024),
      message: "standard input must hold at most 1 MiB (it holds more)",
    },
    {
      label: "publish --file - with an order of 300 KB",
      command: "dist/ops/publish.js",
      args: ["--file", "-", ...o],
      stdin: bigOrder,
      message: `the order is ${Buffer.byteLength(bigOrder)} bytes as JSON; SNS takes at most 262144 bytes (256 KiB) per message`,
    },
    {
      label: "publish --file <an order nested 5,000 deep>",
      command: "dist/ops/publish.js",
      args: ["--file", file("deep-order.json", `{"orderId": "o-1", "extra": ${deep(5000)}}`), ...o],
      message: `--file ${path.join(dir, "deep-order.json")} nests deeper than 64 levels of objects and lists`,
    },
    {
      label: "publish --outputs /dev/zero",
      command: "dist/ops/publish.js",
      args: ["--count", "1", "--outputs", "/dev/zero"],
      message: '--outputs /dev/zero must be a regular file (given "/dev/zero", a character device)',
    },
    {
      label: "smoke --outputs <nested 5,000 deep>",
      command: "dist/ops/smoke.js",
      args: ["--outputs", file("deep-outputs.json", `{"orders-dev": {"x": ${deep(5000)}}}`)],
      message: `--outputs ${path.join(dir, "deep-outputs.json")} nests deeper than 64 levels of objects and lists`,
    },
    {
      label: "dlq list --outputs <a FIFO>",
      command: "dist/ops/dlq.js",
      args: ["list", "--outputs", fifo],
      message: `--outputs ${fifo} must be a regular file (given ${JSON.stringify(fifo)}, a FIFO)`,
    },
    {
      label: "sandbox --outputs-file /proc/x.json",
      command: "dist/local/sandbox.js",
      args: ["--outputs-file", "/proc/x.json", "--out", out],
      message: /^--outputs-file cannot be written \(given "\/proc\/x\.json": E[A-Z]+\)$/,
    },
    {
      label: "sandbox --outputs-file <a file that is not an outputs file>",
      command: "dist/local/sandbox.js",
      args: ["--outputs-file", file("not-outputs.json", "[1, 2]"), "--out", out],
      message: `--outputs-file ${path.join(dir, "not-outputs.json")} must hold a JSON object of stack outputs (given a list)`,
    },
    {
      label: "sandbox with an environments file nested 5,000 deep",
      command: "dist/local/sandbox.js",
      args: ["--out", out],
      env: { ORDERS_ENVIRONMENTS_FILE: deepEnvironments },
      message: "Invalid configuration:",
    },
    {
      label: "sandbox with /dev/zero as environments file",
      command: "dist/local/sandbox.js",
      args: ["--out", out],
      env: { ORDERS_ENVIRONMENTS_FILE: "/dev/zero" },
      message: "Invalid configuration:",
    },
  ];
}

let table: Case[];
let results: CommandResult[];

beforeAll(async () => {
  table = cases(await closedEndpoint());
  results = await pooled(
    table.map((c) => () => runBuilt(c.command, c.args, { stdin: c.stdin, env: c.env, timeoutMs: 20_000 })),
    3,
  );
}, 90_000);

describe("bounded input to the commands", () => {
  test.each(cases("http://127.0.0.1:1").map((c, i) => [c.label, i] as const))(
    "%s: exit 2, one message, nothing started or written",
    (_label, i) => {
      const result = results[i];
      const err = result.stderr.split("\n").filter((l) => l !== "");
      const expected =
        typeof table[i].message === "string" ? table[i].message : expect.stringMatching(table[i].message);
      expect({ exit: result.status, first: err[0], stdout: result.stdout }).toEqual({
        exit: 2,
        first: expected,
        stdout: "",
      });
      expect(err.filter((l) => l.startsWith("    at ") || /RangeError|bad_alloc/.test(l))).toEqual([]);
    },
  );

  test("an environments file nested 5,000 deep is named with the depth limit (synth and sandbox)", () => {
    const i = table.findIndex((c) => c.label === "sandbox with an environments file nested 5,000 deep");
    expect(results[i].stderr).toContain(`${deepEnvironments} nests deeper than 64 levels of objects and lists`);
  });

  test("/dev/zero as the environments file is refused as a character device", () => {
    const i = table.findIndex((c) => c.label === "sandbox with /dev/zero as environments file");
    expect(results[i].stderr).toContain('/dev/zero must be a regular file (given "/dev/zero", a character device)');
  });

  test("synth refuses an environments file nested 5,000 deep with exit 2 and no stack trace", async () => {
    const result = await runBuilt("dist/main.js", [], {
      env: { ORDERS_ENVIRONMENTS_FILE: deepEnvironments, CDKTF_OUTDIR: path.join(dir, "synth-out") },
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: `Invalid configuration:\n  - ${deepEnvironments} nests deeper than 64 levels of objects and lists\n`,
    });
  });

  test("sandbox --outputs-file /proc/x.json leaves nothing behind in the folder it names", () => {
    expect(fs.readdirSync("/proc").filter((name) => name.startsWith("x.json"))).toEqual([]);
  });
});
