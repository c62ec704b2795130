import { UsageError } from "./cli";

/**
 * Which stack a command works on. The one place that knows how stack names are made, so the
 * commands follow the app's configuration: `<ORDERS_NAME_PREFIX>-<environment>` (main.ts).
 */

/** The name prefix when ORDERS_NAME_PREFIX is not set (main.ts's DEFAULT_SETTINGS.namePrefix). */
export const DEFAULT_NAME_PREFIX = "orders";

/** The environment a command uses when no --stack is given. */
export const DEFAULT_ENVIRONMENT = "dev";

/** The stack a command uses when no --stack is given: the dev stack of the configured name prefix. */
export function defaultStackName(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.ORDERS_NAME_PREFIX || DEFAULT_NAME_PREFIX}-${DEFAULT_ENVIRONMENT}`;
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
  const holds = existing.length > 0 ? `it holds ${[...existing].sort().join(", ")}` : "it holds none";
  if (given !== undefined) {
    throw new UsageError(`--stack must name a stack in ${where}: ${holds} (given ${JSON.stringify(given)})`);
  }
  throw new UsageError(
    `the default stack ${stack} is not in ${where}: ${holds}; pass --stack <name>` +
      (env.ORDERS_NAME_PREFIX ? "" : " (or set ORDERS_NAME_PREFIX as for synth)"),
  );
}
