import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../cli/cli";
import { Check, Target } from "../ops/target";

/**
 * Where an operator command finds what it works on (ops/target.ts): a flag, else the stack
 * outputs file, each value checked and named by where it came from; the file's endpoints and
 * region go to the clients. Run in jest's process on files of its own.
 */

const root = fs.mkdtempSync(path.join(os.tmpdir(), "orders-target-"));
const outputsFile = (name: string, outputs: Record<string, string | number>): string => {
  const file = path.join(root, name);
  fs.writeFileSync(file, JSON.stringify({ "orders-dev": outputs }));
  return file;
};
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:orders-dev-OrderTopic";
const local = outputsFile("local.json", {
  topic_arn: TOPIC,
  table_name: "",
  aws_region: "eu-central-1",
  aws_endpoint_url_sns: "http://127.0.0.1:4566",
});
/** A check that refuses the value "bad". */
const notBad: Check = (value, field) => (value === "bad" ? `${field} must not be bad` : undefined);
const target = (values: Record<string, string>): Target => new Target({ stack: "orders-dev", ...values }, root);

describe("a value", () => {
  test("comes from its flag, without reading the outputs file (none exists)", () => {
    expect(target({ "topic-arn": TOPIC }).value("topic-arn", "topic_arn", notBad)).toBe(TOPIC);
  });

  test("from its flag is checked, naming the flag", () => {
    expect(() => target({ "topic-arn": "bad" }).value("topic-arn", "topic_arn", notBad)).toThrow(
      new UsageError("--topic-arn must not be bad"),
    );
  });

  test("comes from the stack output when no flag gives it", () => {
    expect(target({ outputs: local }).value("topic-arn", "topic_arn", notBad)).toBe(TOPIC);
  });

  test("from the outputs file is checked, naming the output, the file and the stack", () => {
    const file = outputsFile("bad.json", { topic_arn: "bad" });
    expect(() => target({ outputs: file }).value("topic-arn", "topic_arn", notBad)).toThrow(
      new UsageError(`topic_arn in ${file} (stack orders-dev) must not be bad`),
    );
  });

  test("comes by default from outputs.json in the root folder", () => {
    const file = path.join(root, "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ "orders-dev": { topic_arn: TOPIC } }));
    try {
      expect(target({}).value("topic-arn", "topic_arn", notBad)).toBe(TOPIC);
    } finally {
      fs.rmSync(file);
    }
  });
});

describe("an outputs file given by --outputs", () => {
  test("is read at once, even when flags give every value", () => {
    const missing = path.join(root, "missing.json");
    expect(() => target({ outputs: missing, "topic-arn": TOPIC })).toThrow(
      /^--outputs \S+missing\.json does not exist/,
    );
  });

  test("gives the clients its endpoint and region, even for a value from a flag", () => {
    const settings = target({ outputs: local, "topic-arn": TOPIC }).client("sns", TOPIC);
    expect(settings).toMatchObject({ endpoint: "http://127.0.0.1:4566", region: "eu-central-1" });
  });

  test("with an endpoint that is not a URL is refused, naming the output", () => {
    const file = outputsFile("bad-endpoint.json", { topic_arn: TOPIC, aws_endpoint_url_sns: "nowhere" });
    expect(() => target({ outputs: file }).client("sns", TOPIC)).toThrow(
      new UsageError(
        `aws_endpoint_url_sns in ${file} (stack orders-dev) must be an endpoint URL such as http://127.0.0.1:4566 (given "nowhere")`,
      ),
    );
  });
});

describe("without an outputs file", () => {
  test("the clients get no endpoint and the region of the ARN", () => {
    const settings = target({ "topic-arn": TOPIC }).client("sns", TOPIC);
    expect(settings).not.toHaveProperty("endpoint");
    expect(settings.region).toBe("eu-west-1");
  });

  test("an optional output is undefined", () => {
    expect(target({ "topic-arn": TOPIC }).optional("aws_region")).toBeUndefined();
  });
});

describe("an optional output", () => {
  test("is the file's value once the file is read", () => {
    expect(target({ outputs: local }).optional("aws_region")).toBe("eu-central-1");
  });
});

describe("an output no flag replaces", () => {
  test("is read from the file", () => {
    expect(target({ outputs: local }).output("aws_region", "run the sandbox")).toBe("eu-central-1");
  });

  test.each([
    ["missing", "queue_url"],
    ["empty", "table_name"],
  ])("that is %s is refused, saying what to do", (_label, output) => {
    expect(() => target({ outputs: local }).output(output, "deploy the stack again")).toThrow(
      new UsageError(`${output} in ${local} (stack orders-dev) is missing: deploy the stack again`),
    );
  });

  test("is checked, naming the output", () => {
    expect(() => target({ outputs: local }).output("aws_region", "x", () => "the region is wrong")).toThrow(
      new UsageError("the region is wrong"),
    );
  });

  test("passes its value and its name to the check", () => {
    const seen: [string, string][] = [];
    target({ outputs: local }).output("aws_region", "x", (value, field) => {
      seen.push([value, field]);
      return undefined;
    });
    expect(seen).toEqual([["eu-central-1", `aws_region in ${local} (stack orders-dev)`]]);
  });
});

test("reads the outputs file once however many values come from it", () => {
  const file = outputsFile("once.json", { topic_arn: TOPIC, aws_region: "eu-west-1" });
  const t = target({ outputs: file });
  fs.rmSync(file);
  expect([t.value("topic-arn", "topic_arn", notBad), t.output("aws_region", "x")]).toEqual([TOPIC, "eu-west-1"]);
});

test("a --stack the outputs file does not hold is refused with the stacks it holds", () => {
  const file = outputsFile("one-stack.json", { topic_arn: TOPIC });
  expect(() => new Target({ outputs: file, stack: "orders-qa" }, root)).toThrow(
    new UsageError(`--stack must name a stack in ${file}: it holds orders-dev (given "orders-qa")`),
  );
});
