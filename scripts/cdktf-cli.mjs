#!/usr/bin/env node
// Runs a cdktf-cli command that synthesizes (npm run synth:cli) so that bad input reads as it does
// under `npm run synth`: the message once, no stack trace, exit code 2.
// cdktf-cli echoes the app's stderr as it arrives, prints it again in its closing error block and
// exits 1 whatever the app's exit code. So the app (scripts/synth.cjs) writes a bad-input message
// to the file ORDERS_SYNTH_ERROR_FILE names instead of stderr; this script passes the CLI's output
// through until that file exists (the closing block can only come after the app has exited), then
// prints the message and exits 2. Any other outcome keeps the CLI's output and exit code.
//
// For deploy, diff and destroy it first synthesizes (the build is shared with the CLI's own synth,
// which follows; a bad setting stops here, once) and checks the stacks named on the command line
// against the ones written, so a typo exits 2 with the list of stacks before the CLI or Terraform starts.
//
// node scripts/cdktf-cli.mjs <cli> <arguments>   e.g. cdktf synth
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [cli, ...args] = process.argv.slice(2);
if (!cli) {
  process.stderr.write("usage: node scripts/cdktf-cli.mjs <cli> <arguments>, e.g. cdktf synth\n");
  process.exit(1);
}

/** cdktf's options that take a value: the word after one is not a stack. */
const VALUE_OPTIONS = new Set([
  "-a",
  "--app",
  "-o",
  "--output",
  "--outputs-file",
  "--parallelism",
  "--terraform-parallelism",
  "--var",
  "--var-file",
]);

/**
 * What is wrong with the stacks (names or patterns with `*` and `?`, as cdktf takes them) on a
 * command line, if anything. `localState(stack)`: whether the stack keeps its state in a local file.
 */
function stackProblem(words, stacks, localState) {
  const names = words.filter((word, i) => !word.startsWith("-") && !VALUE_OPTIONS.has(words[i - 1]));
  const list = stacks.join(", ");
  if (names.length === 0) {
    return stacks.length > 1 ? `give a stack: one of ${list} (given none)` : undefined;
  }
  const matching = (name) => {
    const pattern = new RegExp(
      `^${name
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replaceAll("*", ".*")
        .replaceAll("?", ".")}$`,
    );
    return stacks.filter((stack) => pattern.test(stack));
  };
  const quoted = (given) => given.map((name) => JSON.stringify(name)).join(", ");
  const unknown = names.filter((name) => matching(name).length === 0);
  if (unknown.length > 0) return `the stack must be one of ${list} (given ${quoted(unknown)})`;
  // A local backend's state file (the state bootstrap stack's) is named at terraform init (npm run
  // bootstrap does it): without it, Terraform would keep that state inside the stack folder, which
  // synth empties.
  const bootstrap = names.filter((name) => matching(name).some(localState));
  if (bootstrap.length > 0 && !/-backend-config=path=/.test(process.env.TF_CLI_ARGS_init ?? "")) {
    return (
      `the state bootstrap stack keeps its state in state-bootstrap.tfstate: deploy it with "npm run bootstrap", ` +
      `or set TF_CLI_ARGS_init as docs/pipeline.md shows (given ${quoted(bootstrap)})`
    );
  }
  return undefined;
}

if (["deploy", "diff", "destroy"].includes(args[0])) {
  const synth = spawnSync(process.execPath, [join(root, "scripts", "synth.cjs")], { stdio: "inherit" });
  if (synth.status !== 0) process.exit(synth.status ?? 1);
  // Where scripts/synth.cjs (and cdktf) write.
  const outdir = process.env.CDKTF_OUTDIR || "cdktf.out";
  const readJson = (...parts) => JSON.parse(readFileSync(join(outdir, ...parts), "utf8"));
  const problem = stackProblem(
    args.slice(1),
    Object.keys(readJson("manifest.json").stacks),
    (stack) => readJson("stacks", stack, "cdk.tf.json").terraform?.backend?.local !== undefined,
  );
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(2);
  }
}

const scratch = mkdtempSync(join(tmpdir(), "orders-cli-"));
const errorFile = join(scratch, "bad-input.txt");
const child = spawn(cli, args, {
  env: {
    ...process.env,
    PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
    ORDERS_SYNTH_ERROR_FILE: errorFile,
  },
  stdio: ["inherit", "pipe", "pipe"],
});
const passThrough = (target) => (chunk) => {
  if (!existsSync(errorFile)) target.write(chunk);
};
child.stdout.on("data", passThrough(process.stdout));
child.stderr.on("data", passThrough(process.stderr));
child.on("error", (error) => {
  process.stderr.write(`${cli}: ${error.message}\n`);
  process.exitCode = 1;
});
child.on("close", (code) => {
  const badInput = existsSync(errorFile) ? readFileSync(errorFile, "utf8") : undefined;
  rmSync(scratch, { recursive: true, force: true });
  if (badInput !== undefined) {
    process.stderr.write(badInput);
    process.exitCode = 2;
  } else {
    process.exitCode = code ?? 1;
  }
});
