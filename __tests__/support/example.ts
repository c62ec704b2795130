import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { SecondSubscriberStack, settingsFromContext } from "../../examples/second-subscriber/stack";
import { BUNDLE_PATH, TfJson } from "./tf";

/** examples/second-subscriber, with its own cdktf.json. */
export const EXAMPLE_DIR = path.join(__dirname, "..", "..", "examples", "second-subscriber");

/** The example's configuration: its cdktf.json "context". */
export function exampleContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(EXAMPLE_DIR, "cdktf.json"), "utf8")).context;
}

/**
 * Synthesizes the example's stack in this process, the way its main.ts does (with the root build of
 * the same order function), from its cdktf.json context with `changes` applied.
 */
export function synthExample(changes: Record<string, unknown> = {}): { name: string; tf: TfJson } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-example-"));
  const app = new App({ outdir, stackTraces: false, context: { ...exampleContext(), ...changes } });
  const settings = settingsFromContext(app.node);
  new SecondSubscriberStack(app, settings.prefix, { ...settings, functionBundlePath: BUNDLE_PATH });
  app.synth();
  const file = path.join(outdir, "stacks", settings.prefix, "cdk.tf.json");
  return { name: settings.prefix, tf: JSON.parse(fs.readFileSync(file, "utf8")) };
}
