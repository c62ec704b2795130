import * as fs from "fs";
import * as path from "path";
import { copyProject, runIn } from "./support/project-copy";

// How `npm run synth` and `npm run synth:cli` report failures, run as a user types them, in
// scratch copies of the project (both commands clean the output folder first).
const BAD_REGION = [
  "Invalid configuration:",
  '  - ORDERS_REGION must be an AWS region such as eu-west-1 (given "mars-1")',
  '  - ORDERS_STATE_REGION must be an AWS region such as eu-west-1 (given "mars-1")',
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
