import { TerraformStack } from "cdktf";
import { addStackFile } from "./stack-files";

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
  addStackFile(stack, VERSIONS_FILE, () => ({ terraform: { required_version: constraint } }));
}
