import * as fs from "fs";
import * as path from "path";
import { ParseArgsConfig, parseArgs } from "util";

/**
 * What the operator commands share: exit codes, option checks, stack outputs,
 * and error messages that say what to do.
 */

/** 0 done, 1 the operation failed (a pipeline should stop), 2 the command was called wrongly. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad input: exits 2 with the message and the command's help. */
export class UsageError extends Error {
  public override readonly name = "UsageError";
}

/** Where a command writes and reads; tests pass their own. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Answers a yes/no question (dlq purge); undefined where no one can answer. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export const processIo: CommandIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  confirm: process.stdin.isTTY
    ? async (question) => {
        const readline = await import("readline/promises");
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        try {
          return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
        } finally {
          rl.close();
        }
      }
    : undefined,
};

/** Parses a command line; a malformed one (unknown option, missing value) is a UsageError. */
export function parseCommandLine(
  argv: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  allowPositionals = false,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A number option in a range: `--orders must be an integer between 1 and 100000 (given "abc")`. */
export function numberOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
  integer = true,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === "" || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    throw new UsageError(`--${name} must be ${kind} between ${min} and ${max} (given ${JSON.stringify(raw)})`);
  }
  return value;
}

export type StackOutputs = Record<string, string>;

/**
 * Reads a stack's outputs from the file `npm run deploy` writes (`cdktf deploy --outputs-file`:
 * `{ "<stack>": { "topic_arn": "..." } }`) or from `terraform output -json` (`{ "topic_arn": { "value": "..." } }`).
 */
export function readStackOutputs(file: string, stack: string): StackOutputs {
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `${file} does not exist: deploy with "npm run deploy -- ${stack}" (it writes the stack outputs there), ` +
        `save "terraform output -json" to it, or pass the value as a flag`,
    );
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const byStack = json[stack];
  const flat =
    byStack && typeof byStack === "object" && !("value" in byStack) ? (byStack as Record<string, unknown>) : json;
  const outputs: StackOutputs = {};
  for (const [name, value] of Object.entries(flat)) {
    const v = value && typeof value === "object" && "value" in value ? (value as { value: unknown }).value : value;
    if (typeof v === "string") outputs[name] = v;
  }
  return outputs;
}

/** The named output, a flag's value taking precedence; a clear error naming both when neither exists. */
export function requireOutput(
  flagValue: string | undefined,
  outputsFile: string,
  stack: string,
  output: string,
  flag: string,
): string {
  if (flagValue) return flagValue;
  const outputs = readStackOutputs(outputsFile, stack);
  const value = outputs[output];
  if (!value) {
    const known = Object.keys(outputs);
    throw new UsageError(
      `stack output ${output} not found for ${stack} in ${outputsFile} ` +
        `(found: ${known.length ? known.join(", ") : "none"}); pass --${flag} instead`,
    );
  }
  return value;
}

/** The region of an ARN (`arn:aws:sns:eu-west-1:...`) or an SQS URL (`https://sqs.eu-west-1.amazonaws.com/...`). */
export function regionOf(arnOrUrl: string): string | undefined {
  return (
    /^arn:[^:]+:[^:]+:([a-z0-9-]+):/.exec(arnOrUrl)?.[1] ??
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(arnOrUrl)?.[1]
  );
}

/** A message for an AWS call that failed: unreachable endpoints say so plainly. */
export function describeAwsError(service: string, error: unknown): string {
  const err = error as Error & { code?: string; $metadata?: { httpStatusCode?: number }; errno?: string };
  // The SDK wraps network errors; the code may sit on the error, its cause, or only in its message.
  const network = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET/;
  const code = [
    err.code,
    err.errno,
    (err as { cause?: { code?: string } }).cause?.code,
    network.exec(err.message)?.[0],
  ].find((c): c is string => typeof c === "string" && network.test(c));
  if (code) {
    return `could not reach ${service} (${code}): check the region, AWS_ENDPOINT_URL_${service.toUpperCase()} and the network`;
  }
  return `${service} call failed: ${err.name}: ${err.message}`;
}

/** The default outputs file, beside cdktf.json. */
export function defaultOutputsFile(root: string): string {
  return path.join(root, "outputs.json");
}

/** Runs a command's main function as a process, with its exit code. */
export function runAsProcess(main: (argv: string[], io: CommandIo) => Promise<number>): void {
  main(process.argv.slice(2), processIo).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT.failed);
    },
  );
}

/** Wraps a command body: usage errors exit 2 with help, anything else exits 1 with its message. */
export async function guarded(io: CommandIo, help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\n${help}`);
      return EXIT.usage;
    }
    io.stderr.write(`${(error as Error).message}\n`);
    return EXIT.failed;
  }
}

/** The project root (where cdktf.json is), from a compiled file in dist/ops or a source file in ops/. */
export function projectRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, "cdktf.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
