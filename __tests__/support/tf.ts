import { Testing } from "cdktf";
import { Construct } from "constructs";
import { FUNCTION_BUNDLE_PATH } from "../../stacks/app";
import { TfJson } from "./tf-json";

// Everything that reads a synth, for the tests that import it from here.
export * from "./tf-json";

/** The built bundle the stacks ship (built by the jest global setup). */
export const BUNDLE_PATH = FUNCTION_BUNDLE_PATH;

/** Synthesizes the constructs `build` adds to a fresh stack and parses the result. */
export function synthConstructs(build: (scope: Construct) => void): TfJson {
  return JSON.parse(Testing.synthScope(build));
}

/** The message of the error synthesizing `build` throws; fails the test when synth succeeds. */
export function synthError(build: (scope: Construct) => void): string {
  try {
    synthConstructs(build);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected synth to fail");
}
