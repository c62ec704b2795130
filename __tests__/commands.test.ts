import * as fs from "fs";
import * as path from "path";
import { LOCAL_BATCH_ARGS, LOCAL_BATCH_SUMMARY, lines, localSummary, runBuilt, synthesized } from "./support/commands";
import { copyProject, runIn } from "./support/project-copy";

// The built commands, run as their npm scripts run them (after the build): a packaging mistake
// (a module the build did not emit, two commands' mains in one bundle) fails here.
const COMMANDS = [
  ["npm run local", "dist/local/cli.js", "../local/local-command"],
  ["npm run sandbox", "dist/local/sandbox.js", "../local/sandbox-command"],
  ["npm run publish", "dist/ops/publish.js", "../ops/publish-command"],
  ["npm run smoke", "dist/ops/smoke.js", "../ops/smoke-command"],
  ["npm run dlq", "dist/ops/dlq.js", "../ops/dlq-command"],
  ["npm run status", "dist/ops/status.js", "../ops/status-command"],
  ["npm run estimate", "dist/estimate/estimate.js", "../estimate/estimate-command"],
  ["npm run policy", "dist/policy/policy.js", "../policy/policy-command"],
] as const;

describe.each(COMMANDS)("%s (%s)", (name, file, library) => {
  test("answers --help with its own usage only, and exit code 0", async () => {
    const result = await runBuilt(file, ["--help"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout.split("\n").filter((l) => l.startsWith("Usage:"))).toEqual([
      expect.stringMatching(new RegExp(`^Usage: ${name}( |$)`)),
    ]);
  });

  test("has a library module that runs nothing when imported", async () => {
    const exit = jest.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const out = jest.spyOn(process.stdout, "write");
    const err = jest.spyOn(process.stderr, "write");
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(library);
      });
      // A main started on import would have parsed jest's arguments and answered by now.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect([exit.mock.calls, out.mock.calls, err.mock.calls]).toEqual([[], [], []]);
    } finally {
      exit.mockRestore();
      out.mockRestore();
      err.mockRestore();
    }
  });
});

// As a user types them in a fresh checkout: --help answers before anything is built but the command
// itself (no function bundle, no program, no synth), and sandbox's own synth reports a bad setting.
describe("npm run <command> in a fresh checkout", () => {
  let project: string;
  const built = () =>
    ["dist/main.js", "dist/functions", "cdktf.out"].filter((p) => fs.existsSync(path.join(project, p)));
  beforeAll(() => {
    project = copyProject();
  });
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  test.each(COMMANDS.map(([name]) => [name]))(
    "%s -- --help answers before any build of the app or synth",
    (name) => {
      const result = runIn(project, `${name} -- --help`);
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
      expect(result.stdout).toMatch(new RegExp(`^Usage: ${name}( |$)`, "m"));
      expect(built()).toEqual([]);
    },
    60_000,
  );

  test("npm run sandbox prints a bad setting once from its synth and exits 2, starting nothing", () => {
    const result = runIn(project, "npm run --silent sandbox", { ORDERS_REGION: "mars-1" });
    expect([result.status, result.stdout]).toEqual([2, ""]);
    expect(result.stderr).toBe(
      'Invalid configuration:\n  - ORDERS_REGION must be an AWS region such as eu-west-1 (given "mars-1")\n' +
        'See "npm run sandbox -- --help".\n',
    );
  }, 120_000);
});

describe("npm run smoke", () => {
  test("takes its own --timeout option (once rejected by a bundle that ran publish's main first)", async () => {
    const result = await runBuilt("dist/ops/smoke.js", ["--timeout", "0"]);
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe('--timeout must be an integer between 1 and 900 (given "0")');
  });
});

describe("npm run local as a process", () => {
  test("runs a batch through the pipeline on local servers and prints the checks it made", async () => {
    const out = await synthesized();
    const result = await runBuilt("dist/local/cli.js", ["--out", out, ...LOCAL_BATCH_ARGS]);
    const printed = lines(result.stdout);
    // One comparison, so that a failure shows which check failed beside the exit code.
    expect({ status: result.status, stderr: result.stderr, summary: localSummary(result.stdout) }).toEqual({
      status: 0,
      stderr: "",
      summary: LOCAL_BATCH_SUMMARY,
    });
    expect(printed).toContain("  visibility timeout 1 s for this run (the stack's: 180 s)");
    expect(printed).toContain(
      "  topic orders-dev-OrderTopic -> queue orders-dev-OrderQueue (raw message delivery off)",
    );
  }, 60_000);
});
