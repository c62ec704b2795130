import * as path from "path";
import { OptionValues, stringOption } from "../cli/cli";
import { StackManifest, readStackManifest } from "./stack-manifest";

/** The manifest of the stack `--stack` names (default: the configured dev stack) in the synth output `--out`. */
export function chosenManifest(values: OptionValues, root: string): { manifest: StackManifest; file: string } {
  const out = path.resolve(stringOption(values, "out") ?? path.join(root, "cdktf.out"));
  return readStackManifest(out, stringOption(values, "stack"));
}
