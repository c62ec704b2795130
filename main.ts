import { App } from "cdktf";
import { buildApp, configurationFromEnv } from "./stacks/app";

// The program cdktf.json's app runs (scripts/app.mjs builds it first): every stack of the
// configuration in environments.json and the ORDERS_* variables. Bad input prints its one
// message, without a stack trace, and exits 2.
const BAD_INPUT = ["ConfigurationError", "ConstructPropsError"];
try {
  const app = new App();
  buildApp(app, configurationFromEnv(process.env));
  app.synth();
} catch (error) {
  if (!(error instanceof Error) || !BAD_INPUT.includes(error.name)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 2;
}
