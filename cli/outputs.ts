import * as fs from "fs";
import { UsageError } from "./cli";
import { displayPath } from "../config/project";
import { chooseStack } from "./stacks";

/**
 * The stack outputs file: what `npm run deploy` writes (`cdktf deploy --outputs-file outputs.json`),
 * what `npm run sandbox` writes for the servers on this machine (`outputs.local.json`, the same
 * shape plus endpoints), or `terraform output -json`. The operator commands read their topic,
 * queues, table and endpoints from it.
 */

/** The default file of a deployed stack, beside cdktf.json. */
export const DEPLOY_OUTPUTS_FILE = "outputs.json";
/** The default file `npm run sandbox` writes, beside cdktf.json. */
export const LOCAL_OUTPUTS_FILE = "outputs.local.json";

/** Outputs every pipeline stack has (the stack's TerraformOutputs) and the sandbox writes too. */
export interface PipelineOutputs {
  readonly topic_arn: string;
  readonly queue_url: string;
  readonly dlq_url: string;
  readonly table_name: string;
  readonly function_name: string;
}

/** What the sandbox adds: where its servers listen, and the region its ARNs use. */
export interface LocalEndpointOutputs {
  readonly aws_region: string;
  readonly aws_endpoint_url_sns: string;
  readonly aws_endpoint_url_sqs: string;
  readonly aws_endpoint_url_dynamodb: string;
}

/** `{ "<stack>": { "<output>": "<value>" } }`, as `cdktf deploy --outputs-file` writes it. */
export type OutputsFile = Record<string, Record<string, string>>;

/** One stack's outputs, read from a file. */
export interface StackOutputs {
  readonly file: string;
  /** The stack, or undefined for a file of one stack's `terraform output -json`. */
  readonly stack?: string;
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Reads `stack`'s outputs (default: the configured dev stack) from `file`. A missing or unreadable
 * file, or a stack it does not hold, is a UsageError naming the option and what exists.
 */
export function readStackOutputs(file: string, stack: string | undefined, env?: NodeJS.ProcessEnv): StackOutputs {
  const shown = displayPath(file);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `--outputs ${shown} does not exist: "npm run deploy -- <stack>" writes ${DEPLOY_OUTPUTS_FILE}, ` +
        `"npm run sandbox" writes ${LOCAL_OUTPUTS_FILE}; or save "terraform output -json" to a file`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--outputs ${shown} is not JSON: ${(error as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new UsageError(`--outputs ${shown} must hold a JSON object of stack outputs`);
  }
  const entries = Object.entries(json as Record<string, unknown>);
  // terraform output -json: { "topic_arn": { "value": "...", "type": "string" } }, one stack, no names.
  const isTerraformOutput = entries.length > 0 && entries.every(([, v]) => isObject(v) && "value" in v);
  if (isTerraformOutput) {
    return {
      file,
      values: stringValues(Object.fromEntries(entries.map(([k, v]) => [k, (v as { value: unknown }).value]))),
    };
  }
  const stacks = entries.filter(([, v]) => isObject(v)).map(([k]) => k);
  const chosen = chooseStack(stack, stacks, shown, env);
  return { file, stack: chosen, values: stringValues(json[chosen as keyof typeof json] as Record<string, unknown>) };
}

/** The named output; a UsageError naming the output, the file and the flag that replaces it when missing. */
export function requireOutput(outputs: StackOutputs, output: string, flag: string): string {
  const value = outputs.values[output];
  if (value) return value;
  const known = Object.keys(outputs.values);
  throw new UsageError(
    `stack output ${output} not found for ${outputs.stack ?? "the stack"} in ${displayPath(outputs.file)} ` +
      `(found: ${known.length ? known.join(", ") : "none"}); pass --${flag} instead`,
  );
}

/** How to name an output in a message: `topic_arn in outputs.local.json (stack orders-dev)`. */
export function outputField(outputs: StackOutputs, output: string): string {
  const file = displayPath(outputs.file);
  return `${output} in ${file}${outputs.stack ? ` (stack ${outputs.stack})` : ""}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => typeof e[1] === "string"));
}
