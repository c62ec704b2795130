import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { OptionValues, UsageError, stringOption } from "../cli/cli";
import { StackManifest, readStackManifest } from "./stack-manifest";

/**
 * The manifest of the stack `--stack` names (default: the configured dev stack). With `--out`, read
 * from that synth output folder as it is; without, synthesized first into cdktf.out. Called after
 * the command line is parsed, so `--help` and bad options answer before any build or synth.
 */
export function chosenManifest(values: OptionValues, root: string): { manifest: StackManifest; file: string } {
  const given = stringOption(values, "out");
  const out = given === undefined ? path.join(root, "cdktf.out") : path.resolve(given);
  if (given === undefined) synthesize(root, out);
  return readStackManifest(out, stringOption(values, "stack"));
}

/**
 * Runs cdktf.json's `app` in `root` as `cdktf synth` runs it (through a shell, CDKTF_OUTDIR set),
 * without the CLI: it builds the function bundle and writes every stack to `outdir`. Its bad-input
 * message (exit 2) becomes a UsageError, printed once; any other failure an Error with its output.
 */
function synthesize(root: string, outdir: string): void {
  const { app } = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as { app: string };
  const result = spawnSync(app, {
    cwd: root,
    shell: true,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: ["ignore", "inherit", "pipe"],
  });
  if (result.status === 0) return;
  const output = (result.stderr ?? "").trim();
  if (result.status === 2) throw new UsageError(output);
  throw new Error(`synth (cdktf.json's app, "${app}") failed (${result.status ?? result.signal}):\n${output}`);
}
