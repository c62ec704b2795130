import { UsageError } from "./cli";
import { cutText, quote } from "../config/input";
import {
  ConfigurationError,
  ENVIRONMENTS_FILE_VARIABLE,
  defaultStackName as firstStackOf,
  readConfiguration,
} from "../config/environments";
import { projectRoot } from "../config/project";

/**
 * Which stack a command works on. Stack names come from the app's own configuration
 * (`common/environments.ts`: ORDERS_NAME_PREFIX and the environments file), the same
 * function main.ts uses, so the commands follow whatever synth builds.
 */

/** What the commands' help says of the default stack. */
export const DEFAULT_STACK_HELP =
  "<ORDERS_NAME_PREFIX>-<first environment of environments.json>, orders-dev as committed";

/**
 * The stack a command uses when no --stack is given: the first environment's stack
 * (`<namePrefix>-<name>`). A broken configuration is the user's input: a UsageError.
 */
export function defaultStackName(env: NodeJS.ProcessEnv = process.env, root = projectRoot(__dirname)): string {
  try {
    return firstStackOf(readConfiguration(env, root));
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * The stack to use: `given` (from --stack) or the default, which must be one of `existing`
 * (the stacks `where` holds, e.g. "cdktf.out" or "outputs.json"); otherwise a UsageError that
 * lists the ones that exist.
 */
export function chooseStack(
  given: string | undefined,
  existing: readonly string[],
  where: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const stack = given ?? defaultStackName(env);
  if (existing.includes(stack)) return stack;
  const holds = existing.length > 0 ? `it holds ${cutText([...existing].sort().join(", "))}` : "it holds none";
  if (given !== undefined) {
    throw new UsageError(`--stack must name a stack in ${where}: ${holds} (given ${quote(given)})`);
  }
  throw new UsageError(
    `the default stack ${stack} is not in ${where}: ${holds}; pass --stack <name>` +
      // The default comes from these two; a hint only when neither is set (set, they are the likely cause).
      (env.ORDERS_NAME_PREFIX || env[ENVIRONMENTS_FILE_VARIABLE]
        ? ""
        : ` (or set ORDERS_NAME_PREFIX or ${ENVIRONMENTS_FILE_VARIABLE} as for synth)`),
  );
}
