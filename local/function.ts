import * as fs from "fs";
import * as path from "path";
import { displayPath } from "../config/project";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** The function as the event source mapping calls it. */
export type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

/** The built ProcessOrderLambda bundle (what the stack zips and deploys), under the project root. */
export function functionBundle(root: string): string {
  return path.join(root, "dist", "functions", "process-order", "index.js");
}

/**
 * Loads the built bundle as Lambda would start it: its environment first (the module reads it at
 * load time), then the module. Its log lines are silenced unless `verbose`.
 */
export function loadFunction(bundle: string, env: Record<string, string>, verbose: boolean): Handler {
  if (!fs.existsSync(bundle)) {
    throw new Error(`${displayPath(bundle)} does not exist: run "npm run build" first`);
  }
  Object.assign(process.env, env);
  if (!verbose) process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(bundle).handler as Handler;
}
