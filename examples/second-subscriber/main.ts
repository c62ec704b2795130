import * as path from "path";
import { App } from "cdktf";
import { SecondSubscriberStack, settingsFromContext } from "./stack";

// The program this example's cdktf.json runs (app.mjs builds it, and the order function beside it):
// one stack, configured by cdktf.json's "context". Bad input prints its one message and exits 2.
try {
  const app = new App();
  const settings = settingsFromContext(app.node);
  new SecondSubscriberStack(app, settings.prefix, {
    ...settings,
    functionBundlePath: path.join(__dirname, "process-order", "index.js"),
  });
  app.synth();
} catch (error) {
  if (!(error instanceof Error) || error.name !== "ConstructPropsError") throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 2;
}
