import * as fs from "fs";
import * as path from "path";
import { displayPath } from "../config/project";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** The function as the event source mapping calls it. */
export type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

/** The built bundle of `fn` (the file the stack zips and deploys), under the project root. */
export function functionBundle(root: string, fn: { readonly bundle: string }): string {
  return path.resolve(root, fn.bundle);
}

/**
 * Loads the built bundle as Lambda would start it: its environment first (the module reads it at
 * load time), then the module, a fresh instance each time (two functions may ship one bundle with
 * other variables). Its log lines and EMF metric documents are silenced unless `verbose`.
 */
export function loadFunction(bundle: string, env: Record<string, string>, verbose: boolean): Handler {
  if (!fs.existsSync(bundle)) {
    throw new Error(`${displayPath(bundle)} does not exist: run "npm run build" first`);
  }
  Object.assign(process.env, env);
  if (!verbose) {
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    // Its EMF metric documents too: they are log lines on stdout.
    process.env.POWERTOOLS_METRICS_DISABLED = "true";
  }
  delete require.cache[require.resolve(bundle)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(bundle).handler as Handler;
}
