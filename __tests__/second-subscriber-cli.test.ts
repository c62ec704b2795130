import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "./support/commands";
import { EXAMPLE_DIR, synthExample } from "./support/example";

/**
 * The supported path, as typed: `npx cdktf synth` inside examples/second-subscriber runs the
 * example's own cdktf.json app (esbuild, then its main.ts) and writes its stack. A file of its own,
 * so jest runs it beside the other suites.
 */
describe("npx cdktf synth inside examples/second-subscriber", () => {
  test("builds the example with its own app and writes its stack", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "orders-example-cli-"));
    // An empty Terraform CLI configuration: without one, cdktf prints that none exists (harmless).
    const cliConfig = path.join(out, "terraformrc");
    fs.writeFileSync(cliConfig, "");
    // The project's CLI: cdktf, or cdktn in check:fork's copy on CDK Terrain.
    const root = path.join(__dirname, "..");
    const cli = fs.existsSync(path.join(root, "node_modules", ".bin", "cdktf")) ? "cdktf" : "cdktn";
    const result = await run("npx", [cli, "synth", "--output", path.join(out, "cdktf.out")], {
      cwd: EXAMPLE_DIR,
      env: { TF_CLI_CONFIG_FILE: cliConfig },
      timeoutMs: 120_000,
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const { name, tf } = synthExample();
    const written = JSON.parse(fs.readFileSync(path.join(out, "cdktf.out", "stacks", name, "cdk.tf.json"), "utf8"));
    // The same resources as the example synthesized in-process (the bundles' bytes, and so asset paths, differ).
    expect(Object.keys(written.resource).sort()).toEqual(Object.keys(tf.resource).sort());
    expect(written.resource.aws_sns_topic_subscription).toEqual(tf.resource.aws_sns_topic_subscription);
  }, 120_000);
});
