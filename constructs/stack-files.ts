import * as fs from "fs";
import * as path from "path";
import { ISynthesisSession, TerraformStack } from "cdktf";

/**
 * Writes `fileName` into `stack`'s synthesized folder (beside `cdk.tf.json`, or `cdk.tf` with
 * `--hcl`) on every synth, as JSON computed at synth time, when every construct exists.
 * Wraps the stack's synthesizer, so several files can be added to one stack.
 */
export function addStackFile(stack: TerraformStack, fileName: string, content: () => unknown): void {
  const synthesizeStack = stack.synthesizer;
  stack.synthesizer = {
    synthesize(session: ISynthesisSession): void {
      synthesizeStack.synthesize(session);
      const stackFile = path.join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath);
      fs.writeFileSync(path.join(path.dirname(stackFile), fileName), `${JSON.stringify(content(), null, 2)}\n`);
    },
  };
}
