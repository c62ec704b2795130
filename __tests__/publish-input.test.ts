import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { readBoundedStream } from "../config/input";
import { sampleOrder } from "../contract/samples";
import { publishMain } from "../ops/publish-command";
import { recordingIo } from "./support/io";

/**
 * What `npm run publish` refuses before it sends anything, run in jest's process: where the
 * orders come from (--file, standard input, --count, the order flags; --seed's rule is in ops-publish), the contract
 * and SNS's size limit, and --ids-file. Each refusal is one message, the usage line, exit 2 and
 * nothing on standard output. bad-input.test.ts runs the built command for the exit codes.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-publish-input-"));
const file = (name: string, content: string): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic";
const target = ["--topic-arn", TOPIC];
const FLAGS = {
  "order-id": "o-1",
  "customer-id": "c-1",
  sku: "SKU-1",
  quantity: "2",
  "unit-price": "4.5",
  currency: "EUR",
};
/** The order flags, with `changes` over the valid ones. */
const flags = (changes: Record<string, string>): string[] =>
  Object.entries({ ...FLAGS, ...changes }).flatMap(([name, value]) => [`--${name}`, value]);
const deep = (levels: number): string => `${"[".repeat(levels)}${"]".repeat(levels)}`;
const bigOrder = JSON.stringify(sampleOrder({ orderId: "o-big", note: "x".repeat(300 * 1024) }));

/** Runs publish in this process; standard input holds `stdin`. */
async function publish(argv: string[], stdin = ""): Promise<{ exit: number; stderr: string[]; stdout: string }> {
  const io = recordingIo();
  const exit = await publishMain(argv, io, {
    readStdin: (maxBytes) => readBoundedStream(Readable.from([Buffer.from(stdin)]), "standard input", maxBytes),
    root: dir,
  });
  return { exit, stderr: io.err().split("\n").filter(Boolean), stdout: io.out() };
}

const refusal = (message: string): { exit: number; stderr: string[]; stdout: string } => ({
  exit: 2,
  stderr: [message, 'See "npm run publish -- --help".'],
  stdout: "",
});

describe("npm run publish refuses before sending", () => {
  test.each([
    ["an empty --seed", ["--count", "1", "--seed", "", ...target], '--seed must not be empty (given "")'],
    [
      "--count with order flags",
      ["--count", "1", ...flags({}), ...target],
      "give exactly one of --file, --count or the order flags (--order-id ...)",
    ],
    ["no orders at all", [...target], "give exactly one of --file, --count or the order flags (--order-id ...)"],
    [
      "a blank --quantity, quoted as text",
      [...flags({ quantity: " " }), ...target],
      'the order does not match the contract: --quantity must be an integer >= 1 (given " ")',
    ],
    [
      "--unit-price Infinity, quoted as text",
      [...flags({ "unit-price": "Infinity" }), ...target],
      'the order does not match the contract: --unit-price must be a number >= 0 (given "Infinity")',
    ],
    [
      "--quantity 1.5, read as a number",
      [...flags({ quantity: "1.5" }), ...target],
      "the order does not match the contract: --quantity must be an integer >= 1 (given 1.5)",
    ],
    [
      "--order-id alone: each missing order flag named",
      ["--order-id", "o-1", ...target],
      "the order does not match the contract: --customer-id is required: a non-empty string (given nothing); " +
        "--sku must be a non-empty string (given nothing); --quantity must be an integer >= 1 (given nothing); " +
        "--unit-price must be a number >= 0 (given nothing); --currency is required: an ISO 4217 code such as EUR (given nothing)",
    ],
    [
      "two order flags the contract refuses, each named",
      [...flags({ quantity: "0", currency: "eur" }), ...target],
      "the order does not match the contract: --quantity must be an integer >= 1 (given 0); " +
        '--currency must be an ISO 4217 code: three upper-case letters (given "eur")',
    ],
  ])("%s", async (_label, argv, message) => {
    expect(await publish(argv)).toEqual(refusal(message));
  });

  test("an order file that is not a regular file, saying that - reads standard input", async () => {
    expect(await publish(["--file", "/dev/null", ...target])).toEqual(
      refusal('--file must be a regular file or "-" for standard input (given "/dev/null", a character device)'),
    );
  });

  test("an order file that is a list, not an object", async () => {
    const order = file("list.json", "[1]");
    expect(await publish(["--file", order, ...target])).toEqual(
      refusal(`--file ${order} must be a JSON object (given an array)`),
    );
  });

  test("an order file nested deeper than 64 levels, before parsing it", async () => {
    const order = file("deep.json", `{"orderId": "o-1", "extra": ${deep(70)}}`);
    expect(await publish(["--file", order, ...target])).toEqual(
      refusal(`--file ${order} nests deeper than 64 levels of objects and lists`),
    );
  });

  test("an order on standard input nested deeper than 64 levels", async () => {
    expect(await publish(["--file", "-", ...target], `{"extra": ${deep(70)}}`)).toEqual(
      refusal("standard input nests deeper than 64 levels of objects and lists"),
    );
  });

  test("more than 1 MiB on standard input", async () => {
    expect(await publish(["--file", "-", ...target], " ".repeat(1024 * 1024 + 1))).toEqual(
      refusal("standard input must hold at most 1 MiB (it holds more)"),
    );
  });

  test("an order file the contract refuses", async () => {
    const order = file("bad-order.json", JSON.stringify({ ...sampleOrder(), items: [] }));
    expect(await publish(["--file", order, ...target])).toEqual(
      refusal("the order does not match the contract: invalid order: items must hold at least one item (given [])"),
    );
  });

  test("an order larger than SNS takes, with its size", async () => {
    const order = file("big.json", bigOrder);
    expect(await publish(["--file", order, ...target])).toEqual(
      refusal(
        `the order is ${Buffer.byteLength(bigOrder)} bytes as JSON; SNS takes at most 262144 bytes (256 KiB) per message`,
      ),
    );
  });

  test("an --ids-file in a folder that does not exist", async () => {
    const ids = path.join(dir, "no", "ids.txt");
    expect(await publish(["--count", "1", "--ids-file", ids, ...target])).toEqual(
      refusal(`--ids-file cannot be written (given ${JSON.stringify(ids)}: ENOENT)`),
    );
  });

  test("an --ids-file refused leaves no file open", async () => {
    const before = fs.readdirSync("/proc/self/fd").length;
    await publish(["--count", "1", "--ids-file", "/dev/null", ...target]);
    expect(fs.readdirSync("/proc/self/fd").length).toBe(before);
  });

  test("an --ids-file that is not a regular file", async () => {
    expect(await publish(["--count", "1", "--ids-file", "/dev/null", ...target])).toEqual(
      refusal('--ids-file must be a regular file (given "/dev/null")'),
    );
  });
});

describe("the default outputs file", () => {
  test("is outputs.json beside cdktf.json", async () => {
    const outputs = path.join(dir, "outputs.json");
    expect((await publish(["--count", "1"])).stderr[0]).toBe(
      `--outputs ${outputs} does not exist: "npm run deploy -- <stack>" writes outputs.json, ` +
        `"npm run sandbox" writes outputs.local.json; or save "terraform output -json" to a file`,
    );
  });
});
