import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandIo } from "../cli/cli";
import { localMain } from "../local/local-command";
import { sandboxMain } from "../local/sandbox-command";
import { dlqMain } from "../ops/dlq-command";
import { publishMain } from "../ops/publish-command";
import { smokeMain } from "../ops/smoke-command";
import { projectDefaultStack, projectPipelineStacks, unusedEnvironmentName } from "./support/configuration";
import { CommandResult, closedEndpoint, commandEnv, pooled, runBuilt } from "./support/commands";
import { recordingIo } from "./support/io";
import { synthApp } from "./support/tf-json";

/**
 * Errors for people: every command a user runs, given bad input, prints one message (naming the
 * option or field, what is allowed and what was given) and where its usage is, without a stack
 * trace, and exits 2; a failure outside the input prints its message and exits 1. Rows marked
 * `built`, and those that need standard input or their own variables, run the built command as a
 * child process, as npm runs it: for each command at least one row per exit code, so each entry
 * file's mapping of the outcome to the process's exit code and output is proven. The other rows
 * call the same command's main function in this process, with the same arguments.
 */

const COMMANDS = {
  local: "dist/local/cli.js",
  sandbox: "dist/local/sandbox.js",
  publish: "dist/ops/publish.js",
  smoke: "dist/ops/smoke.js",
  dlq: "dist/ops/dlq.js",
} as const;

/** Each command's main function, which its entry file runs as the process. */
const MAINS: Record<keyof typeof COMMANDS, (argv: string[], io: CommandIo) => Promise<number>> = {
  local: localMain,
  sandbox: sandboxMain,
  publish: publishMain,
  smoke: smokeMain,
  dlq: dlqMain,
};

type Name = keyof typeof COMMANDS;

interface Row {
  readonly command: Name;
  readonly args: readonly string[];
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  /** The first line of standard error (a function of the closed endpoint for failures to connect). */
  readonly message: string | RegExp | ((closed: string) => string);
  readonly exit: 1 | 2;
  /** Run the built command as a child process (rows with `stdin` or `env` always are). */
  readonly built?: true;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-bad-input-"));
const file = (name: string, content: unknown): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
};
/** The commands' default stack (the first environment's), which the outputs files hold. */
const STACK = projectDefaultStack();
/** The stacks a synth of the project holds, as the commands list them. */
const SYNTHESIZED = [...projectPipelineStacks()].sort().join(", ");
/** A stack the outputs files do not hold. */
const OTHER_STACK = `orders-${unusedEnvironmentName("other")}`;
const TOPIC = `arn:aws:sns:us-east-1:000000000000:${STACK}-OrderTopic`;
const outputsWith = (
  closed: string,
  overrides: Record<string, string> = {},
): Record<string, Record<string, string>> => ({
  [STACK]: {
    topic_arn: TOPIC,
    queue_url: `${closed}/000000000000/${STACK}-OrderQueue`,
    dlq_url: `${closed}/000000000000/${STACK}-OrderQueueDLQ`,
    table_name: `${STACK}-Orders`,
    function_name: `${STACK}-ProcessOrderLambda`,
    aws_region: "us-east-1",
    aws_endpoint_url_sns: closed,
    aws_endpoint_url_sqs: closed,
    aws_endpoint_url_dynamodb: closed,
    ...overrides,
  },
});

const ORDER_FLAGS = [
  "--order-id=o-1",
  "--customer-id=c-1",
  "--sku=SKU-1",
  "--quantity=2",
  "--unit-price=4.5",
  "--currency=EUR",
];
const withFlag = (flag: string, value: string): string[] => [
  ...ORDER_FLAGS.filter((f) => !f.startsWith(`${flag}=`)),
  flag,
  value,
];
const range = (option: string, kind: string, min: number, max: number, given: string): string =>
  `${option} must be ${kind} between ${min} and ${max} (given "${given}")`;

/** Files the rows name; the outputs files are written once the closed endpoint is known. */
const fx = {
  out: path.join(dir, "cdktf.out"),
  outputs: path.join(dir, "outputs.json"),
  badArn: path.join(dir, "bad-arn.json"),
  badEndpoint: path.join(dir, "bad-endpoint.json"),
  aFile: file("a-file", "not a folder"),
};

function rows(): Row[] {
  const o = ["--outputs", fx.outputs];
  const unreachable =
    (service: string) =>
    (closed: string): string =>
      `could not reach ${service} at ${closed} (ECONNREFUSED): is "npm run sandbox" running? It rewrites the outputs file each start`;
  const localOptions =
    "the options are --stack, --out, --orders, --bad-share, --batch-size, --concurrency, --visibility-timeout, --timeout, --verbose, --help";
  return [
    // npm run local
    {
      command: "local",
      args: ["--orders", "-5"],
      message: range("--orders", "an integer", 1, 100000, "-5"),
      exit: 2,
      built: true,
    },
    {
      command: "local",
      args: ["--orders", "abc"],
      message: range("--orders", "an integer", 1, 100000, "abc"),
      exit: 2,
    },
    { command: "local", args: ["--orders=2.5"], message: range("--orders", "an integer", 1, 100000, "2.5"), exit: 2 },
    {
      command: "local",
      args: ["--concurrency", "-1"],
      message: range("--concurrency", "an integer", 1, 100, "-1"),
      exit: 2,
    },
    {
      command: "local",
      args: ["--bad-share", "-0.1"],
      message: range("--bad-share", "a number", 0, 1, "-0.1"),
      exit: 2,
    },
    {
      command: "local",
      args: ["--batch-size", "0"],
      message: range("--batch-size", "an integer", 1, 10000, "0"),
      exit: 2,
    },
    { command: "local", args: ["--timeout", ""], message: range("--timeout", "an integer", 1, 3600, ""), exit: 2 },
    {
      command: "local",
      args: ["--stack", "nope", "--out", fx.out],
      message: `--stack must name a stack in ${fx.out}: it holds ${SYNTHESIZED} (given "nope")`,
      exit: 2,
    },
    {
      command: "local",
      args: ["--out", path.join(dir, "nowhere")],
      message: `--out ${path.join(dir, "nowhere")} holds no synthesized pipeline stack (no stacks/*/stack-manifest.json): run "npm run synth" first`,
      exit: 2,
    },
    { command: "local", args: ["--bogus"], message: `unknown option --bogus: ${localOptions}`, exit: 2 },
    { command: "local", args: ["-x"], message: `unknown option -x: ${localOptions}`, exit: 2 },
    { command: "local", args: ["--orders"], message: "--orders needs a value", exit: 2 },
    { command: "local", args: ["--verbose=yes"], message: '--verbose takes no value (given "yes")', exit: 2 },
    {
      command: "local",
      args: ["extra"],
      message: 'unexpected argument "extra": this command takes options only',
      exit: 2,
    },
    // npm run sandbox
    {
      command: "sandbox",
      args: ["--visibility-timeout", "-1"],
      message: range("--visibility-timeout", "an integer", 1, 43200, "-1"),
      exit: 2,
      built: true,
    },
    {
      command: "sandbox",
      args: ["--concurrency", "abc"],
      message: range("--concurrency", "an integer", 1, 100, "abc"),
      exit: 2,
    },
    {
      command: "sandbox",
      args: ["--stack", "orders-state-bootstrap", "--out", fx.out],
      message: `--stack must name a stack in ${fx.out}: it holds ${SYNTHESIZED} (given "orders-state-bootstrap")`,
      exit: 2,
    },
    {
      command: "sandbox",
      args: ["--out", fx.out],
      env: { ORDERS_NAME_PREFIX: "orders-alice" },
      message: `the default stack ${STACK.replace(/^orders-/, "orders-alice-")} is not in ${fx.out}: it holds ${SYNTHESIZED}; pass --stack <name>`,
      exit: 2,
    },
    {
      command: "sandbox",
      args: ["--data", fx.aFile, "--out", fx.out],
      message: `--data must be a folder (given ${JSON.stringify(fx.aFile)}, a file)`,
      exit: 2,
    },
    {
      command: "sandbox",
      args: ["--outputs-file", path.join(dir, "no", "such", "outputs.json"), "--out", fx.out],
      message: `--outputs-file must be in an existing folder (given ${JSON.stringify(path.join(dir, "no", "such", "outputs.json"))})`,
      exit: 2,
    },
    // npm run publish
    {
      command: "publish",
      args: ["--count", "-5", ...o],
      message: range("--count", "an integer", 1, 10000, "-5"),
      exit: 2,
      built: true,
    },
    {
      command: "publish",
      args: ["--count", "abc", ...o],
      message: range("--count", "an integer", 1, 10000, "abc"),
      exit: 2,
    },
    {
      command: "publish",
      args: [...withFlag("--quantity", "abc"), ...o],
      message: 'the order does not match the contract: --quantity must be an integer >= 1 (given "abc")',
      exit: 2,
    },
    {
      command: "publish",
      args: [...withFlag("--unit-price", "-1"), ...o],
      message: "the order does not match the contract: --unit-price must be a number >= 0 (given -1)",
      exit: 2,
    },
    {
      command: "publish",
      args: [...withFlag("--currency", "eur"), ...o],
      message:
        'the order does not match the contract: --currency must be an ISO 4217 code: three upper-case letters (given "eur")',
      exit: 2,
    },
    {
      command: "publish",
      args: ["--count", "1", "--topic-arn", "not-an-arn"],
      message:
        '--topic-arn must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:orders-dev-OrderTopic (given "not-an-arn")',
      exit: 2,
    },
    {
      command: "publish",
      args: ["--count", "1", ...o, "--stack", "nope"],
      message: `--stack must name a stack in ${fx.outputs}: it holds ${STACK} (given "nope")`,
      exit: 2,
    },
    {
      command: "publish",
      args: ["--count", "1", "--outputs", path.join(dir, "missing.json")],
      message: `--outputs ${path.join(dir, "missing.json")} does not exist: "npm run deploy -- <stack>" writes outputs.json, "npm run sandbox" writes outputs.local.json; or save "terraform output -json" to a file`,
      exit: 2,
    },
    {
      command: "publish",
      args: ["--count", "1", "--outputs", fx.badArn],
      message: `topic_arn in ${fx.badArn} (stack ${STACK}) must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:orders-dev-OrderTopic (given "not-an-arn")`,
      exit: 2,
    },
    {
      command: "publish",
      args: ["--count", "1", "--outputs", fx.badEndpoint],
      message: `aws_endpoint_url_sns in ${fx.badEndpoint} (stack ${STACK}) must be an endpoint URL such as http://127.0.0.1:4566 (given "nowhere")`,
      exit: 2,
    },
    {
      command: "publish",
      args: ["--count", "2", "--file", "order.json", ...o],
      message: "give exactly one of --file, --count or the order flags (--order-id ...)",
      exit: 2,
    },
    {
      command: "publish",
      args: ["--file", path.join(dir, "none.json"), ...o],
      message: `--file must name an existing file (given ${JSON.stringify(path.join(dir, "none.json"))})`,
      exit: 2,
    },
    {
      command: "publish",
      args: ["--file", "-", ...o],
      stdin: "{not json",
      message: /^standard input is not JSON: /,
      exit: 2,
    },
    {
      command: "publish",
      args: ["--file", "-", ...o],
      stdin: JSON.stringify({ orderId: "o-1", customerId: "c-1", items: [], currency: "eur" }),
      message:
        'the order does not match the contract: invalid order: items must hold at least one item (given []); currency must be an ISO 4217 code: three upper-case letters (given "eur")',
      exit: 2,
    },
    { command: "publish", args: ["--count", "1", ...o], message: unreachable("SNS"), exit: 1, built: true },
    // npm run smoke
    {
      command: "smoke",
      args: ["--timeout", "-1", ...o],
      message: range("--timeout", "an integer", 1, 900, "-1"),
      exit: 2,
      built: true,
    },
    {
      command: "smoke",
      args: ["--interval", "abc", ...o],
      message: range("--interval", "an integer", 50, 10000, "abc"),
      exit: 2,
    },
    {
      command: "smoke",
      args: ["--table-name", "x", ...o],
      message: '--table-name must be a DynamoDB table name: 3-255 letters, digits, _, - and . (given "x")',
      exit: 2,
    },
    {
      command: "smoke",
      args: ["--topic-arn", "arn:aws:sqs:us-east-1:000000000000:orders-dev-OrderQueue", ...o],
      message:
        '--topic-arn must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:orders-dev-OrderTopic (given "arn:aws:sqs:us-east-1:000000000000:orders-dev-OrderQueue")',
      exit: 2,
    },
    {
      command: "smoke",
      args: [...o, "--stack", OTHER_STACK],
      message: `--stack must name a stack in ${fx.outputs}: it holds ${STACK} (given "${OTHER_STACK}")`,
      exit: 2,
    },
    { command: "smoke", args: [...o], message: unreachable("SNS"), exit: 1, built: true },
    // npm run dlq
    {
      command: "dlq",
      args: ["drain", ...o],
      message: 'give one action: list, redrive or purge (given "drain")',
      exit: 2,
      built: true,
    },
    { command: "dlq", args: [...o], message: "give one action: list, redrive or purge (given none)", exit: 2 },
    {
      command: "dlq",
      args: ["list", "--max", "-1", ...o],
      message: range("--max", "an integer", 1, 1000, "-1"),
      exit: 2,
    },
    {
      command: "dlq",
      args: ["redrive", "--rate", "0", ...o],
      message: range("--rate", "an integer", 1, 500, "0"),
      exit: 2,
    },
    {
      command: "dlq",
      args: ["list", "--dlq-url", "not-a-url"],
      message:
        '--dlq-url must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/orders-dev-OrderQueueDLQ (given "not-a-url")',
      exit: 2,
    },
    {
      command: "dlq",
      args: ["list", ...o, "--stack", "nope"],
      message: `--stack must name a stack in ${fx.outputs}: it holds ${STACK} (given "nope")`,
      exit: 2,
    },
    {
      command: "dlq",
      args: ["purge", ...o],
      message: "purge deletes every message on the DLQ: run it in a terminal to confirm, or pass --yes",
      exit: 2,
    },
    { command: "dlq", args: ["list", ...o], message: unreachable("SQS"), exit: 1, built: true },
  ];
}

const table = rows();
let results: CommandResult[];
let closedUrl: string;
/** Timers and sockets alive in this process before and after the in-process rows ran. */
let held: { before: string[]; after: string[] };
const timersAndSockets = (): string[] =>
  process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r.startsWith("TCP"));

/** Runs a row's main function in this process, with the environment the built command gets. */
async function runInProcess(row: Row): Promise<CommandResult> {
  const io = recordingIo();
  const status = await MAINS[row.command]([...row.args], io);
  return { status, signal: null, stdout: io.out(), stderr: io.err() };
}

beforeAll(async () => {
  const closed = await closedEndpoint();
  file("outputs.json", outputsWith(closed));
  file("bad-arn.json", outputsWith(closed, { topic_arn: "not-an-arn" }));
  file("bad-endpoint.json", outputsWith(closed, { aws_endpoint_url_sns: "nowhere" }));
  fs.renameSync(synthApp().outdir, fx.out);
  const isBuilt = (row: Row): boolean => row.built === true || row.stdin !== undefined || row.env !== undefined;
  // The in-process rows see what the child processes see: none of the variables that change a command's defaults.
  // They run first, alone, so that what they leave running is theirs (the child processes below hold timers).
  const saved = process.env;
  process.env = commandEnv();
  let inProcess: (CommandResult | undefined)[];
  const before = timersAndSockets();
  try {
    inProcess = await pooled(
      table.map((row) => () => (isBuilt(row) ? Promise.resolve(undefined) : runInProcess(row))),
      4,
    );
  } finally {
    process.env = saved;
  }
  held = { before, after: timersAndSockets() };
  const built = pooled(
    table.map(
      (row) => () =>
        isBuilt(row)
          ? runBuilt(COMMANDS[row.command], row.args, { stdin: row.stdin, env: row.env })
          : Promise.resolve(undefined),
    ),
    4,
  );
  const builtResults = await built;
  results = table.map((_, i) => (builtResults[i] ?? inProcess[i])!);
  closedUrl = closed;
}, 120_000);

describe("bad input to the commands a user runs", () => {
  test.each(table.map((row, i) => [`npm run ${row.command} -- ${row.args.join(" ")}`, i] as const))(
    "%s: one message, its exit code, no stack trace",
    (_label, i) => {
      const row = table[i];
      const result = results[i];
      const err = result.stderr.split("\n").filter((l) => l !== "");
      const expected =
        typeof row.message === "function"
          ? row.message(closedUrl)
          : typeof row.message === "string"
            ? row.message
            : expect.stringMatching(row.message);
      expect({ exit: result.status, first: err[0] }).toEqual({ exit: row.exit, first: expected });
      expect(err.filter((l) => l.startsWith("    at "))).toEqual([]);
      if (row.exit === 2) {
        expect(err).toEqual([err[0], `See "npm run ${row.command} -- --help".`]);
        expect(result.stdout).toBe("");
      } else {
        expect(err).toHaveLength(1);
      }
    },
  );
});

describe("a command that refuses its input", () => {
  test("leaves no timer or socket behind (a deadline started before the check kept the process alive 60 s)", () => {
    expect(held.after).toEqual(held.before);
  });
});
