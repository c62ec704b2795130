import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandIo, numberOption, parseCommandLine } from "../cli/cli";
import { readConfiguration } from "../config/environments";
import { DLQ_HELP, dlqMain } from "../ops/dlq-command";
import { PUBLISH_HELP, publishMain } from "../ops/publish-command";
import { SMOKE_HELP, smokeMain } from "../ops/smoke-command";
import { STATUS_HELP, statusMain } from "../ops/status-command";
import { LOCAL_HELP, localMain } from "../local/local-command";
import { SANDBOX_HELP, sandboxMain } from "../local/sandbox-command";
import { recordingIo } from "./support/io";

/**
 * Option parsing is exact: integers are decimal digits, an option given twice or one its action
 * does not take is refused, every range the help states is the range enforced (both ends), and
 * every value a message quotes is cut. The commands run in-process; each call stops at bad input
 * or at a missing file named on purpose, before anything starts.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-cli-options-"));
const MISSING_OUTPUTS = path.join(dir, "missing-outputs.json");
const MISSING_OUT = path.join(dir, "missing-cdktf.out");
const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic";

type Main = (argv: string[], io: CommandIo) => Promise<number>;

interface Run {
  readonly exit: number;
  readonly first: string;
  readonly stderr: string;
}

async function run(main: Main, argv: string[]): Promise<Run> {
  const io = recordingIo();
  const exit = await main(argv, io);
  return { exit, first: io.err().split("\n")[0], stderr: io.err() };
}

const outputsFile = (name: string, content: unknown): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
};

describe("numbers", () => {
  test.each(["0x2", "2e0", "+2", " 2", "2 ", "2.0", "1_000", ""])(
    "refuses %j where an integer is needed: decimal digits only",
    (given) => {
      expect(() => numberOption({ count: given }, "count", 1, 1, 10_000)).toThrow(
        `--count must be an integer between 1 and 10000 (given ${JSON.stringify(given)})`,
      );
    },
  );

  test.each(["1e-1", "0x1", ".", "1.", "-", "Infinity"])("refuses %j where a decimal number is needed", (given) => {
    expect(() => numberOption({ share: given }, "share", 0, 0, 1, false)).toThrow(
      `--share must be a number between 0 and 1 (given ${JSON.stringify(given)})`,
    );
  });

  test.each([
    ["0.05", 0.05],
    [".5", 0.5],
    ["1", 1],
    ["0", 0],
  ])("reads the decimal number %j as %d", (given, expected) => {
    expect(numberOption({ share: given }, "share", 0, 0, 1, false)).toBe(expected);
  });

  test("publishes nothing for --count 0x2: the whole command refuses it", async () => {
    const result = await run(publishMain, ["--count", "0x2", "--topic-arn", TOPIC]);
    expect(result).toMatchObject({ exit: 2, first: '--count must be an integer between 1 and 10000 (given "0x2")' });
  });
});

describe("an option given twice", () => {
  test("is refused, naming both values, instead of taking the last", () => {
    expect(() => parseCommandLine(["--count", "1", "--count=2"], { count: { type: "string" } })).toThrow(
      '--count is given twice ("1", then "2"): give it once',
    );
  });

  test("is refused by a command before anything starts", async () => {
    const result = await run(publishMain, ["--count", "1", "--count", "2", "--topic-arn", TOPIC]);
    expect(result).toMatchObject({ exit: 2, first: '--count is given twice ("1", then "2"): give it once' });
  });
});

describe("an option its action does not take", () => {
  test.each([
    [["list", "--yes"], "--yes does not apply to list: it takes --max"],
    [["list", "--rate", "5"], "--rate does not apply to list: it takes --max"],
    [["list", "--interval", "100", "--yes"], "--interval, --yes do not apply to list: it takes --max"],
    [["redrive", "--max", "5"], "--max does not apply to redrive: it takes --rate, --interval"],
    [["purge", "--rate", "5"], "--rate does not apply to purge: it takes --max, --yes"],
  ])("dlq %j is refused", async (argv, message) => {
    const result = await run(dlqMain, [...argv, "--outputs", MISSING_OUTPUTS]);
    expect(result).toMatchObject({ exit: 2, first: message });
  });
});

/** Each range a help text states for an option: `--count <n> ... 1-10000`, with its continuation lines. */
function statedRanges(help: string): { option: string; min: number; max: number }[] {
  const ranges: { option: string; min: number; max: number }[] = [];
  let current: string | undefined;
  for (const line of help.split("\n")) {
    const start = /^ {2}--([a-z-]+) <[a-z]+>/.exec(line);
    if (start) current = start[1];
    else if (!/^ {20,}\S/.test(line)) current = undefined;
    const range = current ? /\b(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)\b/.exec(line) : null;
    if (current && range && !ranges.some((r) => r.option === current)) {
      ranges.push({ option: current, min: Number(range[1]), max: Number(range[2]) });
    }
  }
  return ranges;
}

/** Each command, its help, the arguments that make it stop at a later input, and that later message. */
const COMMANDS: [string, Main, string, (option: string) => string[], string][] = [
  [
    "publish",
    publishMain,
    PUBLISH_HELP,
    (option) => (option === "count" ? ["--outputs", MISSING_OUTPUTS] : ["--count", "1", "--outputs", MISSING_OUTPUTS]),
    `--outputs ${MISSING_OUTPUTS} does not exist`,
  ],
  ["smoke", smokeMain, SMOKE_HELP, () => ["--outputs", MISSING_OUTPUTS], `--outputs ${MISSING_OUTPUTS} does not exist`],
  [
    "dlq",
    dlqMain,
    DLQ_HELP,
    (option) => [option === "rate" || option === "interval" ? "redrive" : "list", "--outputs", MISSING_OUTPUTS],
    `--outputs ${MISSING_OUTPUTS} does not exist`,
  ],
  [
    "status",
    statusMain,
    STATUS_HELP,
    () => ["--outputs", MISSING_OUTPUTS],
    `--outputs ${MISSING_OUTPUTS} does not exist`,
  ],
  ["local", localMain, LOCAL_HELP, () => ["--out", MISSING_OUT], `--out ${MISSING_OUT} holds no synthesized`],
  ["sandbox", sandboxMain, SANDBOX_HELP, () => ["--out", MISSING_OUT], `--out ${MISSING_OUT} holds no synthesized`],
];

describe.each(COMMANDS)("npm run %s: the ranges its help states", (_name, main, help, rest, later) => {
  const ranges = statedRanges(help);

  test("are stated for its number options", () => {
    expect(ranges.length).toBeGreaterThan(0);
  });

  test.each(ranges.map((r) => [r.option, r.min, r.max] as const))(
    "--%s: accepts %d and the stated maximum %d, refuses one beyond either end",
    async (option, min, max) => {
      const step = Number.isInteger(min) && Number.isInteger(max) && !help.includes(`--${option} <x>`) ? 1 : 0.01;
      const at = async (value: number): Promise<Run> => run(main, [`--${option}`, String(value), ...rest(option)]);
      const accepted = [await at(min), await at(max)];
      for (const result of accepted) {
        expect({ exit: result.exit, first: result.first.slice(0, later.length) }).toEqual({ exit: 2, first: later });
      }
      const refused = [await at(+(min - step).toFixed(2)), await at(+(max + step).toFixed(2))];
      for (const result of refused) {
        expect(result.exit).toBe(2);
        expect(result.first).toMatch(
          new RegExp(`^--${option} must be an? (integer|number) between ${min} and ${max} `),
        );
      }
    },
  );
});

describe("dlq's action", () => {
  test("is needed: none is refused", async () => {
    const result = await run(dlqMain, ["--outputs", MISSING_OUTPUTS]);
    expect(result).toMatchObject({ exit: 2, first: "give one action: list, redrive or purge (given none)" });
  });

  test("is one: two are refused, naming both", async () => {
    const result = await run(dlqMain, ["list", "purge", "--outputs", MISSING_OUTPUTS]);
    expect(result).toMatchObject({ exit: 2, first: 'give one action: list, redrive or purge (given "list purge")' });
  });
});

describe("a refusal", () => {
  test.each(COMMANDS.map(([name, main]) => [name, main] as const))(
    "by npm run %s ends saying where its usage is",
    async (name, main) => {
      const result = await run(main, ["--no-such-option"]);
      expect(result.stderr.split("\n").slice(1)).toEqual([`See "npm run ${name} -- --help".`, ""]);
    },
  );
});

describe("the commands' help", () => {
  test.each(COMMANDS.map(([name, , help]) => [name, help] as const))(
    "of %s says where the default stack comes from",
    (_name, help) => {
      expect(help).toContain(
        "(default: <ORDERS_NAME_PREFIX>-<first environment of environments.json>, orders-dev as committed)",
      );
    },
  );
});

describe("long values in messages", () => {
  const huge = "9".repeat(128 * 1024);
  const outputs = outputsFile("outputs.json", {
    "orders-dev": { topic_arn: TOPIC, table_name: "orders-dev-Orders", dlq_url: "http://127.0.0.1:1/000000000000/q" },
  });

  test.each([
    ["publish --count", publishMain, ["--count", huge, "--topic-arn", TOPIC]],
    ["publish --stack", publishMain, ["--count", "1", "--outputs", outputs, "--stack", huge]],
    ["publish --timeout", publishMain, ["--count", "1", "--timeout", huge]],
    ["publish --topic-arn", publishMain, ["--count", "1", "--topic-arn", huge]],
    ["smoke --timeout", smokeMain, ["--timeout", huge]],
    ["smoke --table-name", smokeMain, ["--outputs", outputs, "--table-name", huge]],
    ["dlq list --max", dlqMain, ["list", "--max", huge]],
    ["dlq list --dlq-url", dlqMain, ["list", "--dlq-url", huge]],
    ["dlq with an unknown action", dlqMain, [huge]],
    ["publish with an unknown option", publishMain, [`--${huge}`]],
  ] as const)("%s of 128 KB is quoted cut, like --order-id", async (_label, main, argv) => {
    const result = await run(main as Main, [...argv]);
    expect(result.exit).toBe(2);
    expect(result.first).toMatch(/… \(13107\d characters\)/);
    expect(result.stderr.length).toBeLessThan(2000);
  });

  test("an environment name of 100 KB is quoted cut in the configuration's message", () => {
    const file = path.join(dir, "long-name.json");
    const name = "a".repeat(100 * 1024);
    fs.writeFileSync(file, JSON.stringify({ environments: [{ name }] }));
    let message = "";
    try {
      readConfiguration({ ORDERS_ENVIRONMENTS_FILE: file }, dir);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`environment #1: name must be 1-14 characters`);
    expect(message).toContain(`… (${name.length + 2} characters)`);
    expect(message.length).toBeLessThan(1000);
  });
});

describe("wrong types in an outputs file", () => {
  test("a stack entry that is not an object is named as such, not as a file that holds no stack", async () => {
    const file = outputsFile("stack-number.json", { "orders-dev": 5 });
    const result = await run(publishMain, ["--count", "1", "--outputs", file]);
    expect(result).toMatchObject({
      exit: 2,
      first: `--outputs ${file}: stack orders-dev must be an object of outputs such as {"topic_arn": "arn:aws:sns:..."} (given 5)`,
    });
  });

  test("an output that is not a string is named as a wrong type, not as missing", async () => {
    const file = outputsFile("topic-number.json", { "orders-dev": { topic_arn: 5 } });
    const result = await run(publishMain, ["--count", "1", "--outputs", file]);
    expect(result).toMatchObject({
      exit: 2,
      first: `topic_arn in ${file} (stack orders-dev) must be a string (given 5, a number)`,
    });
  });

  test("an endpoint that is not a string is named as a wrong type", async () => {
    const file = outputsFile("endpoint-list.json", { "orders-dev": { topic_arn: TOPIC, aws_endpoint_url_sns: [] } });
    const result = await run(publishMain, ["--count", "1", "--outputs", file]);
    expect(result).toMatchObject({
      exit: 2,
      first: `aws_endpoint_url_sns in ${file} (stack orders-dev) must be a string (given [], a list)`,
    });
  });
});
