import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configLoadingDiagnostics, describeWithTerraform, terraform } from "./support/terraform";
import { SynthesizedApp, synthApp } from "./support/tf-json";

/** Copies a synthesized stack folder to `<new temp folder>/<relative>` and returns the copy. */
function copyStack(from: string, relative: string): { root: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "orders-stack-copy-"));
  const dir = path.join(root, relative);
  fs.cpSync(from, dir, { recursive: true });
  return { root, dir };
}

/** The state file path `terraform init` configured in `dir` (from .terraform/terraform.tfstate). */
function configuredStatePath(dir: string): string {
  const backend = JSON.parse(fs.readFileSync(path.join(dir, ".terraform", "terraform.tfstate"), "utf8")).backend;
  expect(backend.type).toBe("local");
  return path.resolve(dir, backend.config.path);
}

/** The value npm run bootstrap gives TF_CLI_ARGS_init, read from package.json. */
function bootstrapInitArgs(): string {
  const script: string = JSON.parse(fs.readFileSync("package.json", "utf8")).scripts.bootstrap;
  const match = /(?:^|\s)TF_CLI_ARGS_init=(\S+)/.exec(script);
  if (!match) throw new Error(`npm run bootstrap sets no TF_CLI_ARGS_init: ${script}`);
  return match[1];
}

describeWithTerraform("the synthesized stack folders (cdk.tf.json) under terraform", () => {
  let app: SynthesizedApp;
  let bootstrap: string;
  beforeAll(() => {
    app = synthApp();
    bootstrap = path.join(app.outdir, "stacks", "orders-state-bootstrap");
  });

  test("terraform init -backend=false loads every stack without a warning", async () => {
    for (const name of Object.keys(app.stacks)) {
      const reported = await configLoadingDiagnostics(path.join(app.outdir, "stacks", name));
      expect({ name, reported }).toEqual({ name, reported: [] });
    }
  });

  test("terraform init refuses the bootstrap stack until -backend-config names its state file", async () => {
    const { dir } = copyStack(bootstrap, "copy");
    const result = await terraform(dir, ["init", "-input=false", "-json"]);
    expect(result.code).toBe(1);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: "error",
        summary: "Invalid local state file path",
        detail: 'The "path" attribute value must not be empty.',
      }),
    ]);
    expect(fs.existsSync(path.join(dir, ".terraform", "terraform.tfstate"))).toBe(false);
  });

  test("a copy of the bootstrap stack folder uses the state file its init names, wherever the copy is", async () => {
    for (const relative of ["infra/orders-state-bootstrap", "a/b/c/d"]) {
      const { root, dir } = copyStack(bootstrap, relative);
      const statePath = path.join(root, "kept", "state-bootstrap.tfstate");
      // Offline, init configures the backend, then fails to install the AWS provider.
      await terraform(dir, ["init", "-input=false", `-backend-config=path=${path.relative(dir, statePath)}`]);
      expect(configuredStatePath(dir)).toBe(statePath);
    }
  });

  test("npm run bootstrap points init at state-bootstrap.tfstate in the project root, outside cdktf.out", async () => {
    const { root, dir } = copyStack(bootstrap, "cdktf.out/stacks/orders-state-bootstrap");
    await terraform(dir, ["init", "-input=false"], { TF_CLI_ARGS_init: bootstrapInitArgs() });
    expect(configuredStatePath(dir)).toBe(path.join(root, "state-bootstrap.tfstate"));
  });
});
