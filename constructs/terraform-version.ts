import * as fs from "fs";
import * as path from "path";
import { ISynthesisSession, TerraformStack } from "cdktf";

/** Terraform 1.11 brought native S3 state locking (`use_lockfile`), which every stack's state relies on. */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

/** The file, beside `cdk.tf.json` (or `cdk.tf`), that holds the Terraform version constraint. */
export const VERSIONS_FILE = "versions.tf.json";

/**
 * Constrains the Terraform version of `stack` through a `versions.tf.json` written
 * into the stack folder. Not through `addOverride("terraform.required_version")`:
 * cdktf 0.21's HCL renderer prints any such attribute of the terraform block as
 * `0 = "required_version"`, which breaks `cdktf synth --hcl`. Terraform reads every
 * `*.tf` and `*.tf.json` file of the folder, so both outputs carry the constraint.
 */
export function requireTerraformVersion(stack: TerraformStack, constraint: string = REQUIRED_TERRAFORM_VERSION): void {
  const synthesizeStack = stack.synthesizer;
  stack.synthesizer = {
    synthesize(session: ISynthesisSession): void {
      synthesizeStack.synthesize(session);
      const stackFile = path.join(session.outdir, session.manifest.forStack(stack).synthesizedStackPath);
      const content = { terraform: { required_version: constraint } };
      fs.writeFileSync(path.join(path.dirname(stackFile), VERSIONS_FILE), `${JSON.stringify(content, null, 2)}\n`);
    },
  };
}
