import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * The real terraform binary, run so that nothing leaves the machine: a CLI configuration whose
 * only provider source is an empty folder (no registry), no checkpoint calls, AWS endpoints on a
 * closed loopback port tried once, no instance metadata. Offline, terraform still loads configurations
 * (`init` reports their warnings before it fails to install providers), formats them, checks
 * backend blocks, and plans a folder holding only `variable` blocks (no provider needed).
 */

/** The terraform binary on PATH, if any. */
export const TERRAFORM: string | undefined = (process.env.PATH ?? "")
  .split(path.delimiter)
  .filter(Boolean)
  .map((dir) => path.join(dir, "terraform"))
  .find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });

/** Set on CI machines, which have terraform: a missing binary then fails the suite instead of skipping. */
const REQUIRED = process.env.REQUIRE_TERRAFORM === "1";

/**
 * `describe` when terraform is on PATH. Without it, one skipped test says so in the results and a
 * note goes to stderr (never a silent pass); with REQUIRE_TERRAFORM=1, one failing test says so.
 */
export function describeWithTerraform(title: string, body: () => void): void {
  if (TERRAFORM) {
    describe(title, body);
    return;
  }
  const note = "needs a terraform binary on PATH and found none (install terraform >= 1.11 to run it)";
  describe(title, () => {
    if (REQUIRED) {
      test(`${note}; REQUIRE_TERRAFORM=1 makes that a failure`, () => {
        throw new Error(`${title}: ${note}`);
      });
    } else {
      process.stderr.write(`NOT RUN: "${title}" ${note}\n`);
      test.skip(note, () => undefined);
    }
  });
}

let offlineEnv: NodeJS.ProcessEnv | undefined;

/** The environment every terraform run of the tests uses (see the module comment). */
export function terraformEnv(): NodeJS.ProcessEnv {
  if (!offlineEnv) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-tf-cli-"));
    fs.mkdirSync(path.join(dir, "mirror"));
    const config = path.join(dir, "cli.tfrc");
    fs.writeFileSync(
      config,
      `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(path.join(dir, "mirror"))}\n  }\n}\n`,
    );
    // Port 1 on loopback: nothing listens there, so any AWS call is refused at once.
    const closed = "http://127.0.0.1:1";
    offlineEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      TMPDIR: os.tmpdir(),
      TF_CLI_CONFIG_FILE: config,
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      CHECKPOINT_DISABLE: "1",
      AWS_ENDPOINT_URL: closed,
      AWS_ENDPOINT_URL_STS: closed,
      AWS_ENDPOINT_URL_S3: closed,
      AWS_EC2_METADATA_DISABLED: "true",
      // One attempt: a refused call is final (the S3 backend's STS check otherwise backs off for 4 s).
      AWS_MAX_ATTEMPTS: "1",
    };
  }
  return offlineEnv;
}

/** One diagnostic of terraform's machine-readable output (`-json`). */
export interface Diagnostic {
  readonly severity: "error" | "warning";
  readonly summary: string;
  readonly detail: string;
}

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The diagnostics of a `-json` run, in order. */
  readonly diagnostics: Diagnostic[];
}

/** Runs `terraform <args>` in `cwd` offline (plus `env`); never rejects on a non-zero exit code. */
export function terraform(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<TerraformResult> {
  if (!TERRAFORM) throw new Error("no terraform binary on PATH");
  return new Promise((resolve, reject) => {
    const child = spawn(TERRAFORM!, args, {
      cwd,
      env: { ...terraformEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const diagnostics = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line))
        .filter((message) => message.type === "diagnostic")
        .map((message) => message.diagnostic as Diagnostic);
      resolve({ code: code ?? -1, stdout, stderr, diagnostics });
    });
  });
}

/** `run` over `items`, at most `limit` at a time, results in the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * What `terraform init -backend=false` reports while it loads the configuration in `dir`:
 * every warning, and every error except the provider installation that follows (offline, no
 * provider can be installed). A copy of `dir` is used, so `dir` gets no `.terraform` folder.
 */
export async function configLoadingDiagnostics(dir: string): Promise<Diagnostic[]> {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "orders-tf-init-"));
  fs.cpSync(dir, copy, { recursive: true });
  const result = await terraform(copy, ["init", "-backend=false", "-input=false", "-json"]);
  const reported = result.diagnostics.filter(
    (d) => !(d.severity === "error" && d.summary === "Failed to query available provider packages"),
  );
  if (result.code !== 0 && !result.diagnostics.some((d) => d.severity === "error")) {
    throw new Error(`terraform init failed without a diagnostic:\n${result.stdout}${result.stderr}`);
  }
  return reported;
}

/**
 * A folder holding only the `variable` blocks of a synthesized stack (`variables.tf.json`),
 * initialized: `terraform plan` runs in it offline and judges values by the stack's own
 * validation blocks.
 */
export async function variablesFolder(variables: Record<string, unknown>): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-tf-vars-"));
  fs.writeFileSync(path.join(dir, "variables.tf.json"), `${JSON.stringify({ variable: variables }, null, 2)}\n`);
  const init = await terraform(dir, ["init", "-input=false", "-no-color"]);
  if (init.code !== 0) throw new Error(`terraform init failed in ${dir}:\n${init.stdout}${init.stderr}`);
  return dir;
}

export interface VariablesPlan {
  /** terraform plan's exit code: 0 when every value passes, 1 when one fails. */
  readonly code: number;
  /** The message of each error, without terraform's closing "This was checked by ..." paragraph. */
  readonly errors: string[];
}

/** `terraform plan -var name=value ...` (and `-var-file` when given) in a folder from `variablesFolder`. */
export async function planVariables(
  dir: string,
  values: Record<string, unknown>,
  varFile?: string,
): Promise<VariablesPlan> {
  const vars = Object.entries(values).flatMap(([name, value]) => [
    "-var",
    `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`,
  ]);
  const files = varFile ? [`-var-file=${varFile}`] : [];
  // -lock=false: several plans read the same (empty) state at once.
  const result = await terraform(dir, ["plan", "-input=false", "-lock=false", "-json", ...vars, ...files]);
  const errors = result.diagnostics.filter((d) => d.severity === "error").map((d) => d.detail.split("\n\n")[0]);
  if (result.code !== 0 && errors.length === 0) {
    throw new Error(`terraform plan failed without a diagnostic:\n${result.stdout}${result.stderr}`);
  }
  return { code: result.code, errors };
}
