import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { copyProject, runIn } from "./support/project-copy";

// cdktf.json's app and `npm run synth` (scripts/synth.cjs), in a scratch copy of the project: the
// build and the synth each run again exactly when something they depend on changed. Each step
// writes a state file with a new id when it runs, which is how a test sees that it ran.
describe("the synth launcher (cdktf.json's app, npm run synth)", () => {
  let dir: string;
  let app: string;
  const id = (file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")).id;
  const runs = () => ({ build: id("dist/.build-state.json"), synth: id("dist/.synth-state.json") });
  const launch = (env: NodeJS.ProcessEnv = {}) => {
    const result = runIn(dir, app, env);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    return result;
  };
  const append = (file: string, text: string) => fs.appendFileSync(path.join(dir, file), text);

  beforeAll(() => {
    dir = copyProject();
    app = JSON.parse(fs.readFileSync(path.join(dir, "cdktf.json"), "utf8")).app;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("is what cdktf.json runs", () => {
    expect(app).toBe("node scripts/synth.cjs");
  });

  test("builds and synthesizes every stack on the first run", () => {
    launch();
    expect(fs.readdirSync(path.join(dir, "cdktf.out", "stacks")).sort()).toEqual([
      "orders-dev",
      "orders-prod",
      "orders-state-bootstrap",
    ]);
    expect(fs.existsSync(path.join(dir, "dist", "functions", "process-order", "index.js"))).toBe(true);
  });

  test("neither builds nor synthesizes again when nothing changed", () => {
    const before = runs();
    launch();
    expect(runs()).toEqual(before);
  });

  test("does not rebuild when a source file is only touched (content, not modification time, counts)", () => {
    const before = runs();
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(dir, "main.ts"), later, later);
    launch();
    expect(runs()).toEqual(before);
  });

  test("rebuilds and synthesizes after a change to the app's source, and runs the changed code", () => {
    const before = runs();
    append("main.ts", '\nprocess.stdout.write("changed main.ts ran\\n");\n');
    const result = launch();
    expect(result.stdout).toContain("changed main.ts ran");
    expect(runs().build).not.toBe(before.build);
    expect(runs().synth).not.toBe(before.synth);
  });

  test("rebuilds when a built file is missing", () => {
    const before = runs();
    fs.rmSync(path.join(dir, "dist", "functions", "process-order", "index.js"));
    launch();
    expect(runs().build).not.toBe(before.build);
    expect(fs.existsSync(path.join(dir, "dist", "functions", "process-order", "index.js"))).toBe(true);
  });

  test("synthesizes again, without building, when an environment variable changes", () => {
    const before = runs();
    launch({ ORDERS_NAME_PREFIX: "shop" });
    expect(runs().build).toBe(before.build);
    expect(runs().synth).not.toBe(before.synth);
    expect(fs.existsSync(path.join(dir, "cdktf.out", "stacks", "shop-dev", "cdk.tf.json"))).toBe(true);
  });

  test("does not synthesize again when only variables the app never reads change (npm's own, a shell's)", () => {
    launch({ ORDERS_NAME_PREFIX: "shop" });
    const before = runs();
    launch({ ORDERS_NAME_PREFIX: "shop", npm_config_loglevel: "silent", SHLVL: "7", ORDERS_UNRELATED: "x" });
    expect(runs()).toEqual(before);
  });

  test("synthesizes again, without building, when an environments file outside the project changes", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-envs-")), "environments.json");
    const synthesized = (stack: string) => fs.existsSync(path.join(dir, "cdktf.out", "stacks", stack, "cdk.tf.json"));
    fs.writeFileSync(file, JSON.stringify({ environments: [{ name: "dev" }, { name: "qa" }] }));
    launch({ ORDERS_ENVIRONMENTS_FILE: file });
    expect(synthesized("orders-qa")).toBe(true);
    const before = runs();
    launch({ ORDERS_ENVIRONMENTS_FILE: file });
    expect(runs()).toEqual(before);
    fs.writeFileSync(file, JSON.stringify({ environments: [{ name: "dev" }, { name: "uat" }] }));
    launch({ ORDERS_ENVIRONMENTS_FILE: file });
    expect(runs().build).toBe(before.build);
    expect(runs().synth).not.toBe(before.synth);
    expect(synthesized("orders-uat")).toBe(true);
  });

  test("removes an HCL export's cdk.tf beside the JSON it writes, so terraform never loads both", () => {
    const hcl = path.join(dir, "cdktf.out", "stacks", "orders-dev", "cdk.tf");
    fs.writeFileSync(hcl, 'resource "null_resource" "left_by_synth_hcl" {}\n');
    launch();
    expect(fs.existsSync(hcl)).toBe(false);
    expect(fs.existsSync(path.join(dir, "cdktf.out", "stacks", "orders-dev", "cdk.tf.json"))).toBe(true);
  });

  test("synthesizes again, without building, after a change to the launcher", () => {
    const before = runs();
    append("scripts/synth-cache.cjs", "\n// changed\n");
    launch();
    expect(runs().build).toBe(before.build);
    expect(runs().synth).not.toBe(before.synth);
  });

  test("synthesizes again when a synthesized file was edited, and restores it", () => {
    launch();
    const file = path.join(dir, "cdktf.out", "stacks", "orders-dev", "cdk.tf.json");
    const synthesized = fs.readFileSync(file, "utf8");
    fs.writeFileSync(file, "{}");
    const before = runs();
    launch();
    expect(runs().synth).not.toBe(before.synth);
    expect(fs.readFileSync(file, "utf8")).toBe(synthesized);
  });

  test("keeps a stack folder's .terraform (terraform init) without synthesizing again", () => {
    fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", "orders-dev", ".terraform"));
    fs.writeFileSync(path.join(dir, "cdktf.out", "stacks", "orders-dev", ".terraform", "provider"), "binary");
    const before = runs();
    launch();
    expect(runs()).toEqual(before);
  });

  test("with --clean (npm run synth), synthesizes again when the output folder holds anything else", () => {
    const before = runs();
    const result = runIn(dir, "node scripts/synth.cjs --clean");
    expect(result.status).toBe(0);
    expect(runs().synth).not.toBe(before.synth);
    expect(fs.existsSync(path.join(dir, "cdktf.out", "stacks", "orders-dev", ".terraform"))).toBe(false);
  });

  test("with --clean, prints the stacks it wrote, and that nothing changed on the next run", () => {
    // The last line: an earlier test's main.ts prints a line of its own.
    const lastLine = (command: string) => runIn(dir, command).stdout.trimEnd().split("\n").pop();
    const stacks = "cdktf.out/stacks: orders-dev, orders-prod, orders-state-bootstrap";
    expect(lastLine("node scripts/synth.cjs --clean --force")).toBe(`${stacks} (synthesized)`);
    expect(lastLine("node scripts/synth.cjs --clean")).toBe(`${stacks} (unchanged since the last synth)`);
  });

  test("prints nothing of its own as cdktf.json's app, where cdktf-cli shows the app's output", () => {
    expect(launch().stdout).not.toContain("cdktf.out/stacks");
  });

  test("with --clean, refuses to empty an output folder that holds something else, exit code 2", () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "orders-not-out-"));
    fs.writeFileSync(path.join(elsewhere, "notes.txt"), "keep me");
    const result = runIn(dir, "node scripts/synth.cjs --clean", { CDKTF_OUTDIR: elsewhere });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `CDKTF_OUTDIR ${elsewhere} is not empty and holds no synth output (manifest.json, stacks/): not removing it\n`,
    );
    expect(fs.readdirSync(elsewhere)).toEqual(["notes.txt"]);
  });

  test("with --force, builds and synthesizes although nothing changed", () => {
    const before = runs();
    expect(runIn(dir, "node scripts/synth.cjs --force").status).toBe(0);
    expect(runs().build).not.toBe(before.build);
    expect(runs().synth).not.toBe(before.synth);
  });
});
