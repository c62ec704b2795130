import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/**
 * A scratch copy of the project to build and synthesize in: every file git tracks (or would),
 * with node_modules linked to ours (never copied). With `built`, also our dist/ (jest's global
 * setup built it). Nothing in the repo is touched.
 */
export function copyProject({ built = false } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-project-"));
  const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  for (const file of files.stdout.split("\n").filter((f) => f && fs.existsSync(path.join(ROOT, f)))) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  if (built) {
    fs.cpSync(path.join(ROOT, "dist"), path.join(dir, "dist"), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** Runs `command` (through a shell, as npm scripts and cdktf-cli do) in `cwd`. */
export function runIn(cwd: string, command: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, {
    cwd,
    shell: true,
    encoding: "utf8",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env },
    timeout: 120_000,
  });
}
