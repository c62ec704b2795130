import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commandEnv } from "./commands";

const ROOT = path.join(__dirname, "..", "..");

/** What a checkout's build, synth, tests and tools write: never copied. */
const GENERATED =
  /^(node_modules|dist|cdktf\.out|\.git|bench-out|coverage|reports|\.stryker-tmp|\.terraform)$|^outputs.*\.json$|\.tfstate/;

/**
 * A scratch copy of the project to build and synthesize in: its sources (everything but what
 * GENERATED names, so that it works without git too, as in check:fork's copy), with node_modules
 * linked to ours (never copied), in `into` (default: a new temporary folder). Nothing in the repo
 * is touched.
 */
export function copyProject({ into }: { into?: string } = {}): string {
  const dir = into ?? fs.mkdtempSync(path.join(os.tmpdir(), "orders-project-"));
  for (const entry of fs.readdirSync(ROOT).filter((name) => !GENERATED.test(name))) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** cdktf.json's `app` in `dir`: the command `cdktf synth|diff|deploy` run. */
export function appCommand(dir: string): string {
  return JSON.parse(fs.readFileSync(path.join(dir, "cdktf.json"), "utf8")).app;
}

/**
 * Runs `command` (through a shell, as npm scripts and cdktf-cli do) in `cwd`, with this process's
 * environment minus what changes a command's defaults (ORDERS_*, AWS_*, CDKTF_OUTDIR), plus `env`.
 */
export function runIn(
  cwd: string,
  command: string,
  env: Record<string, string | undefined> = {},
): SpawnSyncReturns<string> {
  return spawnSync(command, { cwd, shell: true, encoding: "utf8", env: commandEnv(env), timeout: 180_000 });
}
