#!/usr/bin/env node
// Runs a cdktf-cli command that synthesizes (npm run synth:cli) so that bad input reads as it does
// under `npm run synth`: the message once, no stack trace, exit code 2.
// cdktf-cli echoes the app's stderr as it arrives, prints it again in its closing error block and
// exits 1 whatever the app's exit code. So the app (scripts/synth.cjs) writes a bad-input message
// to the file ORDERS_SYNTH_ERROR_FILE names instead of stderr; this script passes the CLI's output
// through until that file exists (the closing block can only come after the app has exited), then
// prints the message and exits 2. Any other outcome keeps the CLI's output and exit code.
//
// node scripts/cdktf-cli.mjs <cli> <arguments>   e.g. cdktf synth
import { spawn } from "node:child_process";
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
