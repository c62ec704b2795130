import * as path from "path";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

/** The function as the event source mapping calls it. */
export type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

/** The built bundle of `fn` (the file the stack zips and deploys), under the project root. */
export function functionBundle(root: string, fn: { readonly bundle: string }): string {
  return path.resolve(root, fn.bundle);
}
