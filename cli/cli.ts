import { parseArgs } from "util";
import { InputError, cutText as cut, quote } from "../config/input";

/**
 * What every command a user runs shares (`npm run local`, `sandbox`, `publish`, `smoke`, `dlq`):
 * exit codes, the command-line parser, number options, and errors printed for people: the
 * message once, no stack trace, exit 2 for bad input and 1 for a failure outside it.
 * Nothing here runs on import: each command's entry file calls `runAsProcess` once.
 */

/** 0 done, 1 the operation failed (a pipeline should stop), 2 the command was called wrongly. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad input: the command prints the message once and exits 2 (as for any InputError). */
export class UsageError extends InputError {
  public override readonly name = "UsageError";
}

/** Where a command writes and reads; tests pass their own. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Answers a yes/no question (dlq purge); undefined where no one can answer. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/** The process's own streams; `confirm` only where a person at a terminal can answer. */
export function processIo(): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    confirm: process.stdin.isTTY
      ? async (question) => {
          const readline = await import("node:readline/promises");
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          try {
            return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
          } finally {
            rl.close();
          }
        }
      : undefined,
  };
}

/** An option a command accepts: `--name <value>` (string) or `--name` (boolean), with an optional `-x`. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;
export type OptionValues = Record<string, string | boolean | undefined>;

/** A value that reads as a negative number (`-5`, `-0.1`, `-.5`): an option's value, never an option. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Parses a command line. Unlike `util.parseArgs` alone, `--orders -5` reads as the value -5 (so
 * the range rule answers, not "argument is ambiguous"), and every malformed line is a UsageError
 * that names the option: unknown, missing its value, given a value it does not take, or given
 * twice (`--count 1 --count 2` would otherwise take the last). Values are quoted cut.
 */
export function parseCommandLine(
  argv: readonly string[],
  options: OptionSpecs,
  allowPositionals = false,
): { values: OptionValues; positionals: string[] } {
  const names = Object.keys(options);
  const known = `the options are ${names.map((n) => `--${n}`).join(", ")}`;
  const shortNames = new Map(names.filter((n) => options[n].short).map((n) => [options[n].short!, n]));
  const args: string[] = [];
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--") {
      args.push(...argv.slice(i));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      name = eq < 0 ? token.slice(2) : token.slice(2, eq);
      inline = eq < 0 ? undefined : token.slice(eq + 1);
      if (!Object.hasOwn(options, name)) throw new UsageError(`unknown option ${cut(`--${name}`)}: ${known}`);
    } else if (token.startsWith("-") && token.length > 1 && !NEGATIVE_NUMBER.test(token)) {
      const short = token.slice(1, 2);
      name = shortNames.get(short);
      if (!name || token.length > 2) throw new UsageError(`unknown option ${cut(token)}: ${known}`);
    }
    if (name === undefined) {
      args.push(token);
      continue;
    }
    if (options[name].type === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value (given ${quote(inline)})`);
      args.push(`--${name}`);
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      // "-" alone is a value (standard input), as is a negative number.
      if (next === undefined || (next.startsWith("-") && next !== "-" && !NEGATIVE_NUMBER.test(next))) {
        throw new UsageError(`--${name} needs a value`);
      }
      inline = next;
      i++;
    }
    const earlier = given.get(name);
    if (earlier !== undefined) {
      throw new UsageError(`--${name} is given twice (${quote(earlier)}, then ${quote(inline)}): give it once`);
    }
    given.set(name, inline);
    args.push(`--${name}=${inline}`);
  }
  const { values, positionals } = parseArgs({
    args,
    options: options as Record<string, OptionSpec>,
    allowPositionals: true,
    strict: true,
  });
  if (!allowPositionals && positionals.length > 0) {
    throw new UsageError(`unexpected argument ${quote(positionals[0])}: this command takes options only`);
  }
  return { values: values as OptionValues, positionals };
}

/** An integer as people write one: decimal digits, an optional minus (no `0x2`, `2e0`, `+2` or blanks). */
const INTEGER = /^-?\d+$/;
/** A number as people write one: decimal digits with an optional fraction (no exponent, no hex). */
const DECIMAL = /^-?(\d+(\.\d+)?|\.\d+)$/;

/** A number option in a range: `--orders must be an integer between 1 and 100000 (given "-5")`. */
export function numberOption(
  values: OptionValues,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
  integer = true,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !(integer ? INTEGER : DECIMAL).test(raw) || value < min || value > max) {
    const kind = integer ? "an integer" : "a number";
    throw new UsageError(`--${name} must be ${kind} between ${min} and ${max} (given ${quote(raw)})`);
  }
  return value;
}

/** A string option that, when given, must not be empty. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || raw.trim() === "") throw new UsageError(`--${name} must not be empty (given "")`);
  return raw;
}

/**
 * Refuses the options given that `action` does not use (`dlq list --yes`): each option of
 * `options` that is set and not in `applies` is a UsageError naming it and the action.
 */
export function onlyOptionsFor(
  action: string,
  values: OptionValues,
  options: readonly string[],
  applies: readonly string[],
): void {
  const wrong = options.filter((name) => values[name] !== undefined && !applies.includes(name));
  if (wrong.length > 0) {
    const list = wrong.map((name) => `--${name}`).join(", ");
    throw new UsageError(
      `${list} ${wrong.length > 1 ? "do" : "does"} not apply to ${action}: it takes ${applies.map((n) => `--${n}`).join(", ")}`,
    );
  }
}

/** The message of anything thrown; a stack trace only with ORDERS_DEBUG=1. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return process.env.ORDERS_DEBUG === "1" && error.stack ? error.stack : error.message;
}

/**
 * Runs a command body: bad input prints its message once and where the usage is (exit 2),
 * any other failure prints its message (exit 1). `command` is how a user runs it, e.g. "npm run publish".
 */
export async function guarded(io: CommandIo, command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr.write(`${error.message}\nSee "${command} -- --help".\n`);
      return EXIT.usage;
    }
    io.stderr.write(`${errorText(error)}\n`);
    return EXIT.failed;
  }
}

/** A command as a user runs it. */
export interface CommandSpec {
  /** How a user runs it, e.g. "npm run publish". */
  readonly name: string;
  readonly help: string;
  readonly options: OptionSpecs;
  /** Whether it takes arguments besides options (dlq's action). */
  readonly positionals?: boolean;
}

/**
 * Runs a command: parses `argv` by `spec`, answers --help, else runs `body`; errors as `guarded` prints them.
 */
export function runCommand(
  spec: CommandSpec,
  argv: string[],
  io: CommandIo,
  body: (parsed: { values: OptionValues; positionals: string[] }) => Promise<number>,
): Promise<number> {
  return guarded(io, spec.name, async () => {
    const parsed = parseCommandLine(argv, spec.options, spec.positionals);
    if (parsed.values.help) {
      io.stdout.write(spec.help);
      return EXIT.ok;
    }
    return body(parsed);
  });
}

/** What a command's entry file runs: its main function as this process, with its exit code. */
export type CommandMain = (argv: string[], io: CommandIo) => Promise<number>;

/**
 * Resolves on the first SIGINT or SIGTERM. The listeners stay for the life of the process: npm
 * forwards the terminal's Ctrl-C, so a second signal follows the first at once, and a moment with
 * no listener (Node restores the default action, termination, when the last one goes) would let it
 * kill the process mid-stop.
 */
export function firstStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => resolve(signal);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Runs `main` as the process; nothing escapes as a stack trace, not even an unexpected error. */
export function runAsProcess(main: CommandMain): void {
  const fail = (error: unknown): void => {
    process.stderr.write(`${errorText(error)}\n`);
    process.exit(EXIT.failed);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  main(process.argv.slice(2), processIo()).then((code) => process.exit(code), fail);
}
