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

/** A built copy whose main.ts ends by throwing what `throwing` evaluates to. */
function copyThrowing(throwing: string): string {
  const dir = copyProject({ built: true });
  fs.appendFileSync(path.join(dir, "main.ts"), `\nthrow ${throwing};\n`);
  expect(runIn(dir, "node scripts/build.mjs").status).toBe(0);
  return dir;
}

let unchanged: string;
let propsError: string;
let bug: string;
beforeAll(() => {
  unchanged = copyProject({ built: true });
  propsError = copyThrowing(
    'Object.assign(new Error("Invalid QueueWithDlq props at x:\\n  - maxReceiveCount must be 1-1000 (given 0)"), { name: "ConstructPropsError" })',
  );
  bug = copyThrowing('new Error("a bug, not bad input")');
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

  test("exits with code 2 and prints the message alone once for invalid construct props (ConstructPropsError)", () => {
    const result = runIn(propsError, command);
    expect(result.status).toBe(2);
    expect(occurrences(result.stdout + result.stderr, "Invalid QueueWithDlq props at x:")).toBe(1);
    expect(stackFrames(result.stdout + result.stderr)).toEqual([]);
  });

  test("exits with code 1, keeping the stack trace, for any other error", () => {
    const result = runIn(bug, command);
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain("Error: a bug, not bad input");
    expect(stackFrames(result.stdout + result.stderr).length).toBeGreaterThan(0);
  });
});
