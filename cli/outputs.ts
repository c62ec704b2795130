import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./cli";
import { cutText, jsonDepthProblem, quote, readBoundedFile } from "../config/input";
import { displayPath } from "../config/project";
import { withFileLock } from "./lock";
import { chooseStack, defaultStackName } from "./stacks";

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

/**
 * The output the sandbox adds for `npm run status`: the file where it keeps the EMF documents its
 * functions printed (one JSON document a line, the last hour's).
 */
export const LOCAL_METRICS_OUTPUT = "local_metrics_file";

/** `{ "<stack>": { "<output>": "<value>" } }`, as `cdktf deploy --outputs-file` writes it. */
export type OutputsFile = Record<string, Record<string, string>>;

/** One stack's outputs, read from a file. */
export interface StackOutputs {
  readonly file: string;
  /** The stack, or undefined for a file of one stack's `terraform output -json`. */
  readonly stack?: string;
  /** As the file holds them: each is checked to be a string when it is used. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** 4 MiB: the most an outputs file may hold (a stack's outputs take a few hundred bytes). */
export const MAX_OUTPUTS_BYTES = 4 * 1024 * 1024;

/** The JSON of an outputs file, read within limits (a regular file, 4 MiB, 64 levels). */
function readOutputsJson(file: string, option: string): Record<string, unknown> {
  const shown = cutText(displayPath(file));
  const text = readBoundedFile(file, { what: `${option} ${shown}`, maxBytes: MAX_OUTPUTS_BYTES });
  const tooDeep = jsonDepthProblem(text, `${option} ${shown}`);
  if (tooDeep) throw new UsageError(tooDeep);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} ${shown} is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(json)) {
    throw new UsageError(`${option} ${shown} must hold a JSON object of stack outputs (given ${kindOf(json)})`);
  }
  return json;
}

/**
 * Reads `stack`'s outputs (default: the configured dev stack) from `file`. A missing or unreadable
 * file, a stack it does not hold, or a stack entry that is not an object is a UsageError naming
 * the option and what exists.
 */
export function readStackOutputs(file: string, stack: string | undefined, env?: NodeJS.ProcessEnv): StackOutputs {
  const shown = cutText(displayPath(file));
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `--outputs ${shown} does not exist: "npm run deploy -- <stack>" writes ${DEPLOY_OUTPUTS_FILE}, ` +
        `"npm run sandbox" writes ${LOCAL_OUTPUTS_FILE}; or save "terraform output -json" to a file`,
    );
  }
  const json = readOutputsJson(file, "--outputs");
  const entries = Object.entries(json);
  // terraform output -json: { "topic_arn": { "value": "...", "type": "string" } }, one stack, no names.
  const isTerraformOutput = entries.length > 0 && entries.every(([, v]) => isObject(v) && "value" in v);
  if (isTerraformOutput) {
    return { file, values: Object.fromEntries(entries.map(([k, v]) => [k, (v as { value: unknown }).value])) };
  }
  const stacks = entries.filter(([, v]) => isObject(v)).map(([k]) => k);
  const wanted = stack ?? defaultStackName(env);
  if (Object.hasOwn(json, wanted) && !isObject(json[wanted])) {
    throw new UsageError(
      `--outputs ${shown}: stack ${cutText(wanted)} must be an object of outputs such as ` +
        `{"topic_arn": "arn:aws:sns:..."} (given ${quote(json[wanted])})`,
    );
  }
  const chosen = chooseStack(stack, stacks, shown, env);
  return { file, stack: chosen, values: json[chosen] as Record<string, unknown> };
}

/** The named output; a UsageError naming the output, the file and the flag that replaces it when missing or not a string. */
export function requireOutput(outputs: StackOutputs, output: string, flag: string): string {
  const value = optionalOutput(outputs, output);
  if (value) return value;
  const known = Object.keys(outputs.values);
  throw new UsageError(
    `stack output ${output} not found for ${cutText(outputs.stack ?? "the stack")} in ${cutText(displayPath(outputs.file))} ` +
      `(found: ${known.length ? cutText(known.join(", ")) : "none"}); pass --${flag} instead`,
  );
}

/** The named output when the file has it; a UsageError when it is there but not a string. */
export function optionalOutput(outputs: StackOutputs, output: string): string | undefined {
  const value = outputs.values[output];
  if (value === undefined || typeof value === "string") return value;
  throw new UsageError(`${outputField(outputs, output)} must be a string (given ${quote(value)}, ${kindOf(value)})`);
}

/** How to name an output in a message: `topic_arn in outputs.local.json (stack orders-dev)`. */
export function outputField(outputs: StackOutputs, output: string): string {
  const file = cutText(displayPath(outputs.file));
  return `${output} in ${file}${outputs.stack ? ` (stack ${cutText(outputs.stack)})` : ""}`;
}

/**
 * Checks, before anything starts, that `file` can take a stack's outputs: its folder exists, a
 * file can be created there, and what the file holds already (another stack's outputs) reads as
 * an outputs file, so that `writeStackOutputs` will not fail or clobber it later.
 */
export function checkOutputsWritable(file: string, option: string): void {
  const shown = quote(file);
  if (!fs.existsSync(path.dirname(file))) {
    throw new UsageError(`${option} must be in an existing folder (given ${shown})`);
  }
  const probe = `${file}.${process.pid}.probe`;
  try {
    fs.closeSync(fs.openSync(probe, "wx"));
    fs.rmSync(probe);
  } catch (error) {
    throw new UsageError(
      `${option} cannot be written (given ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  if (fs.existsSync(file)) readOutputsJson(file, option);
}

/**
 * Sets `stack`'s entry of the outputs file `file` to `values`, keeping every other stack's entry
 * (two sandboxes of two stacks share outputs.local.json): read, change and write under the file's
 * lock, the write through a temporary file so a reader never sees half of it.
 */
export function writeStackOutputs(file: string, stack: string, values: Readonly<Record<string, string>>): void {
  withFileLock(file, () => {
    const content = fs.existsSync(file) ? readOutputsJson(file, "--outputs-file") : {};
    content[stack] = values;
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`);
    fs.renameSync(temporary, file);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A JSON value's kind, for messages: "a number", "a list", "null" ... */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
