import * as fs from "fs";
import * as path from "path";
import { appCommand, copyProject, runIn } from "./support/project-copy";

// How bad input and bugs come out of cdktf.json's app (what `cdktf synth|diff|deploy` run) and out
// of `npm run synth` (`cdktf synth`), run as a user types them in scratch copies of the project.
const BAD_REGION = [
  "Invalid configuration:",
  '  - ORDERS_REGION must be an AWS region such as eu-west-1 (given "mars-1")',
].join("\n");
/** The user's everyday runs build and synthesize several processes on a starved machine. */
const SLOW = 180_000;

const occurrences = (text: string, part: string) => text.split(part).length - 1;
const stackFrames = (text: string) => text.split("\n").filter((line) => line.startsWith("    at "));
/** The stack folders in a copy's cdktf.out/stacks (which cdktf's App creates, empty, before anything fails). */
const stacksIn = (dir: string): string[] => {
  const stacks = path.join(dir, "cdktf.out", "stacks");
  return fs.existsSync(stacks) ? fs.readdirSync(stacks) : [];
};

let project: string;
/** A copy whose main.ts, inside its error handling, first throws what ORDERS_TEST_THROW names: a ConstructPropsError, or a bug. */
let throwing: string;
beforeAll(() => {
  project = copyProject();
  throwing = copyProject();
  const main = path.join(throwing, "main.ts");
  const source = fs.readFileSync(main, "utf8");
  expect(source).toMatch(/^try \{$/m);
  const throws = [
    'if (process.env.ORDERS_TEST_THROW === "props") {',
    '  const error = new Error("Invalid QueueWithDlq props at x:\\n  - maxReceiveCount must be 1-1000 (given 0)");',
    '  error.name = "ConstructPropsError";',
    "  throw error;",
    "}",
    'if (process.env.ORDERS_TEST_THROW === "bug") throw new Error("a bug, not bad input");',
  ];
  fs.writeFileSync(main, source.replace(/^try \{$/m, `try {\n${throws.join("\n")}`));
});

afterAll(() => {
  for (const dir of [project, throwing]) fs.rmSync(dir, { recursive: true, force: true });
});

describe("cdktf.json's app", () => {
  describe("with an invalid setting (ORDERS_REGION=mars-1)", () => {
    let result: ReturnType<typeof runIn>;
    beforeAll(() => {
      result = runIn(project, appCommand(project), { ORDERS_REGION: "mars-1" });
    }, SLOW);

    test("exits with code 2 and prints the message alone, once, on stderr", () => {
      expect([result.status, result.stdout, result.stderr]).toEqual([2, "", `${BAD_REGION}\n`]);
    });

    test("writes no stack", () => {
      expect(stacksIn(project)).toEqual([]);
    });
  });

  test(
    "exits with code 2 and prints the message alone for invalid construct props (ConstructPropsError)",
    () => {
      const result = runIn(throwing, appCommand(throwing), { ORDERS_TEST_THROW: "props" });
      expect([result.status, result.stderr]).toEqual([
        2,
        "Invalid QueueWithDlq props at x:\n  - maxReceiveCount must be 1-1000 (given 0)\n",
      ]);
    },
    SLOW,
  );

  test(
    "exits with code 1, with the stack trace, for any other error",
    () => {
      const result = runIn(throwing, appCommand(throwing), { ORDERS_TEST_THROW: "bug" });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("Error: a bug, not bad input");
      expect(stackFrames(result.stderr).length).toBeGreaterThan(0);
    },
    SLOW,
  );
});

// cdktf-cli shows an app's error output as it arrives, then again in its closing block, and exits 1
// whatever the app's code (docs/synth.md shows what the user sees). It is the CLI's, not ours.
describe("npm run synth (cdktf synth) with an invalid setting", () => {
  let result: ReturnType<typeof runIn>;
  beforeAll(() => {
    fs.mkdirSync(path.join(project, "cdktf.out", "stacks", "orders-stale"), { recursive: true });
    fs.writeFileSync(path.join(project, "cdktf.out", "stacks", "orders-stale", "cdk.tf.json"), "{}");
    result = runIn(project, "npm run synth", { ORDERS_REGION: "mars-1" });
  }, SLOW);

  // cdktf-cli words it "non-zero exit code 2", CDK Terrain's (in check:fork's copy) "exited with code 2".
  test("exits with code 1, the CLI's, and names the app's exit code 2", () => {
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cdkt[fn] encountered an error while synthesizing/);
    expect(result.stderr).toMatch(/(non-zero exit code|exited with code) 2\n/);
  });

  test("shows the app's message in its closing block, with no stack trace", () => {
    const indented = BAD_REGION.split("\n").map((line) => `    ${line}`);
    expect(result.stderr).toContain(`Command output on stderr:\n\n${indented.join("\n")}\n`);
    expect(occurrences(result.stdout + result.stderr, "ORDERS_REGION must be")).toBeGreaterThanOrEqual(1);
    expect(stackFrames(result.stdout + result.stderr)).toEqual([]);
  });

  test("leaves no stack of an earlier synth for a pipeline to ship", () => {
    expect(stacksIn(project)).toEqual([]);
  });
});
