import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The built commands, run as the npm scripts run them: a packaging mistake (a module the
// build did not emit) fails here, not on a user's machine.
const run = (file: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [file, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });

describe.each([
  ["npm run local", "dist/local/cli.js"],
  ["npm run publish", "dist/ops/publish.js"],
  ["npm run smoke", "dist/ops/smoke.js"],
  ["npm run dlq", "dist/ops/dlq.js"],
])("%s (%s)", (name, file) => {
  test("answers --help with its usage and exit code 0", () => {
    const result = run(file, ["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Usage: ${name}`);
  });

  test("rejects an unknown option with exit code 2 and the usage", () => {
    const result = run(file, ["--no-such-option"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--no-such-option'");
    expect(result.stderr).toContain(`Usage: ${name}`);
  });
});

describe("npm run local as a process", () => {
  test("runs the pipeline from a synthesized stack and prints published = stored + DLQ", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "orders-local-"));
    expect(run("dist/synth.js", [], { CDKTF_OUTDIR: out }).status).toBe(0);
    const result = run("dist/local/cli.js", [
      "--out",
      out,
      "--orders",
      "20",
      "--bad-share",
      "0.1",
      "--visibility-timeout",
      "1",
    ]);
    expect(
      result.stderr
        .split("\n")
        .filter(
          (l) =>
            l && !/NodeVersionSupportWarning|node >=22|upgrade|a\.co|updates|versions published|trace-warnings/.test(l),
        ),
    ).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("visibility timeout 1 s for this run (the stack's: 180 s)");
    expect(result.stdout).toMatch(/published {4}20\n {2}stored {7}18\n {2}in the DLQ {3}2\n/);
    expect(result.stdout).toContain("published = stored + DLQ: yes");
  }, 60_000);

  test("says to synthesize first when the stack folder is missing", () => {
    const result = run("dist/local/cli.js", ["--out", path.join(os.tmpdir(), "nowhere")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cdk.tf.json does not exist: run "npm run synth" first');
  });
});
