import * as fs from "fs";
import * as path from "path";
import { copyProject, runIn } from "./support/project-copy";

// How `npm run synth` and `npm run synth:cli` report failures, and how `npm run deploy` and
// `npm run diff` refuse a stack that does not exist, run as a user types them, in scratch copies of
// the project (the synth commands clean the output folder first).
const BAD_REGION = [
  "Invalid configuration:",
  '  - ORDERS_REGION must be an AWS region such as eu-west-1 (given "mars-1")',
].join("\n");

const occurrences = (text: string, part: string) => text.split(part).length - 1;
const stackFrames = (text: string) => text.split("\n").filter((line) => line.startsWith("    at "));

let unchanged: string;
/** A built copy whose main.ts ends by throwing what ORDERS_TEST_THROW names: a ConstructPropsError, or a bug. */
let throwing: string;
beforeAll(() => {
  unchanged = copyProject({ built: true });
  throwing = copyProject({ built: true });
  fs.appendFileSync(
    path.join(throwing, "main.ts"),
    [
      'if (process.env.ORDERS_TEST_THROW === "props") {',
      '  const error = new Error("Invalid QueueWithDlq props at x:\\n  - maxReceiveCount must be 1-1000 (given 0)");',
      '  error.name = "ConstructPropsError";',
      "  throw error;",
      "}",
      'if (process.env.ORDERS_TEST_THROW === "bug") throw new Error("a bug, not bad input");',
      "",
    ].join("\n"),
  );
  expect(runIn(throwing, "node scripts/build.mjs").status).toBe(0);
});

afterAll(() => {
  for (const dir of [unchanged, throwing]) fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(["npm run synth", "npm run synth:cli"])("%s", (command) => {
  describe("with an invalid setting (ORDERS_REGION=mars-1)", () => {
    let output: string;
    let status: number | null;
    beforeAll(() => {
      const result = runIn(unchanged, command, { ORDERS_REGION: "mars-1" });
      output = result.stdout + result.stderr;
      status = result.status;
    });

    test("exits with code 2", () => {
      expect(status).toBe(2);
    });

    test("prints the message once", () => {
      expect(occurrences(output, BAD_REGION)).toBe(1);
      expect(occurrences(output, "ORDERS_REGION must be")).toBe(1);
    });

    test("prints no stack trace and no source line", () => {
      expect(stackFrames(output)).toEqual([]);
      expect(output).not.toContain("dist/synth.js");
    });
  });

  test("exits with code 1, keeping the stack trace, for any other error", () => {
    const result = runIn(throwing, command, { ORDERS_TEST_THROW: "bug" });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain("Error: a bug, not bad input");
    expect(stackFrames(result.stdout + result.stderr).length).toBeGreaterThan(0);
  });
});

// Which errors are bad input is the launcher's choice (by the error's name), the same under both
// commands: synth:cli hands on whatever message the launcher marks, as the bad setting above shows.
test("npm run synth exits with code 2 and prints the message alone once for invalid construct props (ConstructPropsError)", () => {
  const result = runIn(throwing, "npm run synth", { ORDERS_TEST_THROW: "props" });
  expect(result.status).toBe(2);
  expect(result.stderr).toBe("Invalid QueueWithDlq props at x:\n  - maxReceiveCount must be 1-1000 (given 0)\n");
});

// deploy and diff check the stack before cdktf-cli or Terraform starts (neither could run here:
// no provider and no credentials), so each of these ends in the launcher's own message.
const STACKS = "orders-dev, orders-prod, orders-state-bootstrap";
describe.each(["npm run deploy --", "npm run diff --"])("%s", (command) => {
  test("exits with code 2 and lists the stacks for a stack that does not exist", () => {
    const result = runIn(unchanged, `${command} orders-typo`);
    expect([result.status, result.stderr]).toEqual([2, `the stack must be one of ${STACKS} (given "orders-typo")\n`]);
  });

  test("exits with code 2 and lists the stacks when none is given", () => {
    const result = runIn(unchanged, command);
    expect([result.status, result.stderr]).toEqual([2, `give a stack: one of ${STACKS} (given none)\n`]);
  });

  test("names only the stacks that do not exist among several, patterns included", () => {
    const result = runIn(unchanged, `${command} 'orders-*' 'nope-?' orders-dev`);
    expect([result.status, result.stderr]).toEqual([2, `the stack must be one of ${STACKS} (given "nope-?")\n`]);
  });

  test("refuses the state bootstrap stack, even through a pattern, unless its state file is named at init", () => {
    const result = runIn(unchanged, `${command} 'orders-*'`);
    expect([result.status, result.stderr]).toEqual([
      2,
      'the state bootstrap stack keeps its state in state-bootstrap.tfstate: deploy it with "npm run bootstrap", ' +
        'or set TF_CLI_ARGS_init as docs/pipeline.md shows (given "orders-*")\n',
    ]);
  });

  test("prints the bad setting once and exits with code 2", () => {
    const result = runIn(unchanged, `${command} orders-dev`, { ORDERS_REGION: "mars-1" });
    expect([result.status, result.stderr]).toEqual([2, `${BAD_REGION}\n`]);
  });
});
