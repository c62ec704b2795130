import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCAL_CREDENTIALS, clientSettings, isLoopback, queueUrlProblem, regionOf } from "../cli/aws";
import { UsageError, numberOption, parseCommandLine } from "../cli/cli";
import {
  checkOutputsWritable,
  optionalOutput,
  readStackOutputs,
  requireOutput,
  writeStackOutputs,
} from "../cli/outputs";
import { projectRoot } from "../config/project";
import { chooseStack, defaultStackName } from "../cli/stacks";
import { projectEnvironmentEntries } from "./support/configuration";

const OPTIONS = {
  orders: { type: "string" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

describe("the command-line parser", () => {
  test("reads a negative number after an option as its value, so the range rule can answer", () => {
    expect(parseCommandLine(["--orders", "-5"], OPTIONS).values).toEqual({ orders: "-5" });
    expect(parseCommandLine(["--orders", "-.5"], OPTIONS).values).toEqual({ orders: "-.5" });
  });

  test("reads --name=value, --name value and a short boolean alike", () => {
    expect(parseCommandLine(["--orders=3", "--verbose", "-h"], OPTIONS).values).toEqual({
      orders: "3",
      verbose: true,
      help: true,
    });
  });

  test("takes the value after an option literally, even when it looks like another option's name", () => {
    expect(parseCommandLine(["--orders", "verbose"], OPTIONS).values).toEqual({ orders: "verbose" });
  });

  test("rejects an option followed by another option as missing its value", () => {
    expect(() => parseCommandLine(["--orders", "--verbose"], OPTIONS)).toThrow(
      new UsageError("--orders needs a value"),
    );
  });

  test("keeps arguments after -- as positionals", () => {
    expect(parseCommandLine(["--", "--orders"], OPTIONS, true).positionals).toEqual(["--orders"]);
  });
});

describe("number options", () => {
  test.each([
    [{ n: "1000" }, 1000],
    [{ n: "7" }, 7],
    [{}, 5],
  ])("reads %j as %d", (values, expected) => {
    expect(numberOption(values, "n", 5, 1, 10_000)).toBe(expected);
  });

  test("rejects a fraction where an integer is needed, quoting what was given", () => {
    expect(() => numberOption({ n: "2.5" }, "n", 5, 1, 10)).toThrow(
      '--n must be an integer between 1 and 10 (given "2.5")',
    );
  });
});

describe("the stack a command uses", () => {
  const firstEnvironment = projectEnvironmentEntries()[0].name;

  test("defaults to the stack of the first environment in environments.json, under the configured name prefix", () => {
    expect(defaultStackName({})).toBe(`orders-${firstEnvironment}`);
    expect(defaultStackName({ ORDERS_NAME_PREFIX: "orders-alice" })).toBe(`orders-alice-${firstEnvironment}`);
  });

  test("is refused as bad input (a UsageError, exit 2) when the configuration is broken", () => {
    const broken = (): string => defaultStackName({ ORDERS_NAME_PREFIX: "Bad!" });
    expect(broken).toThrow(UsageError);
    expect(broken).toThrow(
      new Error(
        'Invalid configuration:\n  - ORDERS_NAME_PREFIX must be 1-30 characters: a lower-case letter, then lower-case letters, digits and - (given "Bad!")',
      ),
    );
  });

  test("refuses a stack that does not exist, listing those that do", () => {
    expect(() => chooseStack("orders-qa", ["orders-prod", "orders-dev"], "cdktf.out", {})).toThrow(
      new UsageError('--stack must name a stack in cdktf.out: it holds orders-dev, orders-prod (given "orders-qa")'),
    );
  });

  test("suggests the settings the default comes from when neither is set", () => {
    expect(() => chooseStack(undefined, ["shop-dev"], "outputs.json", {})).toThrow(
      new UsageError(
        `the default stack orders-${firstEnvironment} is not in outputs.json: it holds shop-dev; pass --stack <name> ` +
          "(or set ORDERS_NAME_PREFIX or ORDERS_ENVIRONMENTS_FILE as for synth)",
      ),
    );
  });

  test("gives no hint about the settings when an environments file is named", () => {
    const file = path.join(os.tmpdir(), `orders-staging-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ environments: [{ name: "staging" }] }));
    expect(() =>
      chooseStack(undefined, ["orders-dev"], "outputs.local.json", { ORDERS_ENVIRONMENTS_FILE: file }),
    ).toThrow(
      new UsageError(
        "the default stack orders-staging is not in outputs.local.json: it holds orders-dev; pass --stack <name>",
      ),
    );
    fs.rmSync(file);
  });

  test("says when there is no stack at all", () => {
    expect(() => chooseStack(undefined, [], "outputs.json", { ORDERS_NAME_PREFIX: "x" })).toThrow(
      new UsageError(
        `the default stack x-${firstEnvironment} is not in outputs.json: it holds none; pass --stack <name>`,
      ),
    );
  });
});

describe("stack outputs files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-outputs-"));
  const write = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(content));
    return file;
  };

  test("reads the file cdktf deploy --outputs-file writes, by stack", () => {
    const file = write("deploy.json", {
      "orders-dev": { topic_arn: "a", count: 3 },
      "orders-prod": { topic_arn: "b" },
    });
    expect(readStackOutputs(file, "orders-prod", {})).toEqual({
      file,
      stack: "orders-prod",
      values: { topic_arn: "b" },
    });
  });

  test("reads a deploy file by stack even when one stack has an output named value", () => {
    const file = write("value-output.json", {
      "orders-dev": { value: "x", topic_arn: "a" },
      "orders-prod": { topic_arn: "b" },
    });
    expect(readStackOutputs(file, "orders-prod", {}).values).toEqual({ topic_arn: "b" });
  });

  test("lists as its stacks only the entries that are objects", () => {
    const file = write("with-note.json", { note: "kept by hand", "orders-dev": { topic_arn: "a" } });
    expect(() => readStackOutputs(file, "orders-qa", {})).toThrow(
      new UsageError(`--stack must name a stack in ${file}: it holds orders-dev (given "orders-qa")`),
    );
  });

  test("says an empty file holds no stack", () => {
    const file = write("empty.json", {});
    expect(() => readStackOutputs(file, "orders-dev", {})).toThrow(
      new UsageError(`--stack must name a stack in ${file}: it holds none (given "orders-dev")`),
    );
  });

  test("reads terraform output -json, which names no stack", () => {
    const file = write("tf.json", { topic_arn: { value: "a", type: "string", sensitive: false } });
    expect(readStackOutputs(file, undefined, {})).toEqual({ file, values: { topic_arn: "a" } });
  });

  test("says which commands write an outputs file when the file named does not exist", () => {
    const file = path.join(dir, "none.json");
    expect(() => readStackOutputs(file, undefined, {})).toThrow(
      new UsageError(
        `--outputs ${file} does not exist: "npm run deploy -- <stack>" writes outputs.json, ` +
          `"npm run sandbox" writes outputs.local.json; or save "terraform output -json" to a file`,
      ),
    );
  });

  test("refuses a file that is not a regular file, naming the option", () => {
    expect(() => readStackOutputs("/dev/null", undefined, {})).toThrow(
      new UsageError('--outputs /dev/null must be a regular file (given "/dev/null", a character device)'),
    );
  });

  test("refuses a file nested deeper than 64 levels before parsing it", () => {
    const file = write("deep.json", { "orders-dev": { x: JSON.parse(`${"[".repeat(70)}${"]".repeat(70)}`) } });
    expect(() => readStackOutputs(file, undefined, {})).toThrow(
      new UsageError(`--outputs ${file} nests deeper than 64 levels of objects and lists`),
    );
  });

  test("refuses a file that holds a list, not stacks", () => {
    const file = write("list.json", [1, 2]);
    expect(() => readStackOutputs(file, undefined, {})).toThrow(
      new UsageError(`--outputs ${file} must hold a JSON object of stack outputs (given a list)`),
    );
  });

  test("refuses a file that holds null, not stacks", () => {
    const file = write("null.json", null);
    expect(() => readStackOutputs(file, undefined, {})).toThrow(
      new UsageError(`--outputs ${file} must hold a JSON object of stack outputs (given null)`),
    );
  });

  test("refuses a stack whose entry is null, not outputs", () => {
    const file = write("null-stack.json", { "orders-dev": null });
    expect(() => readStackOutputs(file, "orders-dev", {})).toThrow(
      new UsageError(
        `--outputs ${file}: stack orders-dev must be an object of outputs such as {"topic_arn": "arn:aws:sns:..."} (given null)`,
      ),
    );
  });

  test.each([
    ["missing", {}],
    ["empty", { topic_arn: "" }],
  ])("refuses an output that is %s, listing those there are and the flag that replaces it", (_label, values) => {
    const outputs = { file: path.join(dir, "deploy.json"), stack: "orders-dev", values: { ...values, queue_url: "q" } };
    expect(() => requireOutput(outputs, "topic_arn", "topic-arn")).toThrow(
      new UsageError(
        `stack output topic_arn not found for orders-dev in ${outputs.file} (found: ${Object.keys(outputs.values).join(", ")}); pass --topic-arn instead`,
      ),
    );
  });

  test("says of a terraform output file with no outputs that it names no stack and holds none", () => {
    const outputs = { file: path.join(dir, "tf.json"), values: {} };
    expect(() => requireOutput(outputs, "topic_arn", "topic-arn")).toThrow(
      new UsageError(
        `stack output topic_arn not found for the stack in ${outputs.file} (found: none); pass --topic-arn instead`,
      ),
    );
  });

  test.each([
    [5, "5, a number"],
    [null, "null, null"],
    [{}, "{}, an object"],
    [[], "[], a list"],
  ])("refuses an output that is %j, not a string, naming its kind", (value, given) => {
    const outputs = { file: path.join(dir, "tf.json"), values: { topic_arn: value } };
    expect(() => optionalOutput(outputs, "topic_arn")).toThrow(
      new UsageError(`topic_arn in ${outputs.file} must be a string (given ${given})`),
    );
  });

  test("refuses a file that is not JSON", () => {
    const file = path.join(dir, "broken.json");
    fs.writeFileSync(file, "{");
    expect(() => readStackOutputs(file, undefined, {})).toThrow(/^--outputs \S+broken\.json is not JSON: /);
  });
});

describe("AWS clients", () => {
  test.each([
    ["http://127.0.0.1:4566", true],
    ["http://127.1.2.3:80", true],
    ["http://[::1]:4566", true],
    ["http://localhost:4566", true],
    ["http://sqs.us-east-1.localhost:4566/000000000000/q", true],
    ["https://sqs.us-east-1.amazonaws.com", false],
    ["http://169.254.169.254", false],
    ["not a url", false],
  ])("knows whether %s is this machine (%s)", (url, expected) => {
    expect(isLoopback(url)).toBe(expected);
  });

  test("gives a loopback endpoint static local credentials and the region, so real credentials are never looked up", () => {
    expect(clientSettings("sns", { endpoint: "http://127.0.0.1:4566", region: "eu-west-1", env: {} })).toMatchObject({
      endpoint: "http://127.0.0.1:4566",
      region: "eu-west-1",
      credentials: LOCAL_CREDENTIALS,
    });
  });

  test("treats a loopback endpoint from AWS_ENDPOINT_URL_SQS the same way", () => {
    const settings = clientSettings("sqs", { env: { AWS_ENDPOINT_URL_SQS: "http://127.0.0.1:9324" } });
    expect(settings).toMatchObject({ region: "us-east-1", credentials: LOCAL_CREDENTIALS });
    expect(settings).not.toHaveProperty("endpoint");
  });

  test("leaves credentials to the SDK for AWS, with the region of the ARN", () => {
    const settings = clientSettings("sns", { target: "arn:aws:sns:eu-west-1:123456789012:t", env: {} });
    expect(settings).toMatchObject({ region: "eu-west-1", maxAttempts: 3 });
    expect(settings).not.toHaveProperty("credentials");
  });

  test("bounds every request, so a server that never answers cannot hang a command", () => {
    expect(clientSettings("dynamodb", { env: {} }).requestHandler).toEqual({
      connectionTimeout: 3000,
      socketTimeout: 10_000,
      requestTimeout: 20_000,
      throwOnRequestTimeout: true,
    });
  });

  test("reads the region of an AWS queue URL", () => {
    expect(regionOf("https://sqs.eu-central-1.amazonaws.com/123456789012/q")).toBe("eu-central-1");
  });

  test.each([
    "http://127.0.0.1:4566/000000000000/orders-dev-OrderQueueDLQ",
    "https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo",
  ])("accepts the queue URL %s", (url) => {
    expect(queueUrlProblem(url, "--dlq-url")).toBeUndefined();
  });
});

describe("the project root", () => {
  test("is the folder of cdktf.json, from a source or a built file", () => {
    const root = path.join(__dirname, "..");
    expect(projectRoot(path.join(root, "dist", "ops"))).toBe(root);
    expect(projectRoot(__dirname)).toBe(root);
  });

  test("says so when no folder above holds cdktf.json", () => {
    expect(() => projectRoot(os.tmpdir())).toThrow(`cdktf.json not found in ${os.tmpdir()} or any folder above it`);
  });
});

describe("an outputs file the sandbox writes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-outputs-written-"));

  test("must be in an existing folder", () => {
    const file = path.join(dir, "no", "outputs.json");
    expect(() => checkOutputsWritable(file, "--outputs-file")).toThrow(
      new UsageError(`--outputs-file must be in an existing folder (given ${JSON.stringify(file)})`),
    );
  });

  test("must be creatable, naming the system's code", () => {
    const notAFolder = path.join(dir, "a-file");
    fs.writeFileSync(notAFolder, "");
    const file = path.join(notAFolder, "outputs.json");
    expect(() => checkOutputsWritable(file, "--outputs-file")).toThrow(
      new UsageError(`--outputs-file cannot be written (given ${JSON.stringify(file)}: ENOTDIR)`),
    );
  });

  test("that exists must already read as an outputs file", () => {
    const file = path.join(dir, "list.json");
    fs.writeFileSync(file, "[1, 2]");
    expect(() => checkOutputsWritable(file, "--outputs-file")).toThrow(
      new UsageError(`--outputs-file ${file} must hold a JSON object of stack outputs (given a list)`),
    );
  });

  test("is checked without leaving anything behind", () => {
    const folder = fs.mkdtempSync(path.join(dir, "clean-"));
    checkOutputsWritable(path.join(folder, "outputs.json"), "--outputs-file");
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  test("is not written over when it holds something else", () => {
    const file = path.join(dir, "not-outputs.json");
    fs.writeFileSync(file, '"text"');
    expect(() => writeStackOutputs(file, "orders-dev", { topic_arn: "a" })).toThrow(
      new UsageError(`--outputs-file ${file} must hold a JSON object of stack outputs (given a string)`),
    );
    expect(fs.readFileSync(file, "utf8")).toBe('"text"');
  });
});
