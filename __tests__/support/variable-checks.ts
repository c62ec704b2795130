import * as path from "path";
import { LAMBDA_LIMITS, LOG_RETENTION_DAYS } from "../../constructs/defaults";
import { VariablesPlan, mapLimit, planVariables, variablesFolder } from "./terraform";
import { TfJson } from "./tf-json";

/**
 * The variable suite as a function of any synthesized pipeline stacks: terraform plan, offline,
 * judges values by each stack's own validation blocks. Stacks whose blocks are the same (all of
 * them, usually: only the defaults differ by environment) share one initialized folder, and each
 * stack's defaults are judged there as the values they are. Call it inside describeWithTerraform.
 */

const MEMORY = LAMBDA_LIMITS.memorySizeMb;
const UNLISTED_RETENTION = Array.from({ length: 10 }, (_, i) => i + 1).find((d) => !LOG_RETENTION_DAYS.includes(d))!;

/** Values each stack must refuse, with the message its validation block gives. */
export const INVALID_VARIABLES: readonly [string, unknown, string][] = [
  [
    "log_retention_days",
    UNLISTED_RETENTION,
    `log_retention_days must be one of ${LOG_RETENTION_DAYS.join(", ")} (given ${UNLISTED_RETENTION}).`,
  ],
  ...[MEMORY.min - 1, MEMORY.max + 1, MEMORY.min + 0.5].map((memory): [string, unknown, string] => [
    "function_memory_mb",
    memory,
    `function_memory_mb must be a whole number from ${MEMORY.min} to ${MEMORY.max} (given ${memory}).`,
  ]),
  [
    "alarm_emails",
    ["ops@example.com", "not-an-address"],
    'alarm_emails must be a list of e-mail addresses such as ops@example.com (given ["ops@example.com","not-an-address"]).',
  ],
];

/** Values each stack must accept: the ends of every range. */
export const VALID_VARIABLES: readonly [string, unknown][] = [
  ["log_retention_days", LOG_RETENTION_DAYS[0]],
  ["log_retention_days", LOG_RETENTION_DAYS[LOG_RETENTION_DAYS.length - 1]],
  ["function_memory_mb", MEMORY.min],
  ["function_memory_mb", MEMORY.max],
  ["alarm_emails", []],
  ["alarm_emails", ["ops@example.com", "on-call+orders@example.org"]],
];

const EXAMPLE = path.join(__dirname, "..", "..", "terraform.tfvars.example");

/** A stack's variable blocks without what may differ by environment (defaults, descriptions). */
function validationsOf(variables: Record<string, TfJson>): string {
  return JSON.stringify(Object.entries(variables).map(([name, { type, validation }]) => [name, type, validation]));
}

/** The tests, over the pipeline stacks `load` returns by name (run once, in `beforeAll`). */
export function describeVariableValidations(load: () => Record<string, TfJson>): void {
  let stackNames: string[];
  /** Each stack's plan of `values` (a -var-file when given). */
  let planOf: (stack: string, values: Record<string, unknown>, varFile?: string) => VariablesPlan;
  /** A stack's default values, by variable. */
  let defaultsOf: (stack: string) => Record<string, unknown>;

  beforeAll(async () => {
    const stacks = load();
    stackNames = Object.keys(stacks);
    const groups = new Map<string, string[]>();
    for (const name of stackNames) {
      const key = validationsOf(stacks[name].variable);
      groups.set(key, [...(groups.get(key) ?? []), name]);
    }
    const folders = new Map<string, string>();
    await Promise.all(
      [...groups.values()].map(async (names) => {
        const dir = await variablesFolder(stacks[names[0]].variable);
        for (const name of names) folders.set(name, dir);
      }),
    );
    const runs: { dir: string; values: Record<string, unknown>; varFile?: string }[] = [];
    const index = new Map<string, number>();
    const key = (dir: string, values: Record<string, unknown>, varFile?: string) =>
      JSON.stringify([dir, values, varFile ?? null]);
    const add = (dir: string, values: Record<string, unknown>, varFile?: string): void => {
      if (index.has(key(dir, values, varFile))) return;
      index.set(key(dir, values, varFile), runs.length);
      runs.push({ dir, values, varFile });
    };
    defaultsOf = (stack) =>
      Object.fromEntries(
        Object.entries(stacks[stack].variable as Record<string, TfJson>).map(([n, v]) => [n, v.default]),
      );
    for (const stack of stackNames) {
      const dir = folders.get(stack)!;
      for (const [name, value] of [...INVALID_VARIABLES, ...VALID_VARIABLES]) add(dir, { [name]: value });
      add(dir, defaultsOf(stack));
      add(dir, {}, EXAMPLE);
    }
    const results = await mapLimit(runs, 4, (run) => planVariables(run.dir, run.values, run.varFile));
    planOf = (stack, values, varFile) => results[index.get(key(folders.get(stack)!, values, varFile))!];
  }, 180_000); // a few seconds; a minute on a starved machine

  test("runs for at least one stack", () => {
    expect(stackNames.length).toBeGreaterThan(0);
  });

  test.each(INVALID_VARIABLES)(
    "rejects %s = %j with the stack's own message and exit code 1",
    (name, value, message) => {
      for (const stack of stackNames) {
        expect({ stack, ...planOf(stack, { [name]: value }) }).toEqual({ stack, code: 1, errors: [message] });
      }
    },
  );

  test.each(VALID_VARIABLES)("accepts %s = %j", (name, value) => {
    for (const stack of stackNames) {
      expect({ stack, ...planOf(stack, { [name]: value }) }).toEqual({ stack, code: 0, errors: [] });
    }
  });

  test("accepts every default of every stack", () => {
    for (const stack of stackNames) {
      expect({ stack, ...planOf(stack, defaultsOf(stack)) }).toEqual({ stack, code: 0, errors: [] });
    }
  });

  test("accepts every value in terraform.tfvars.example", () => {
    for (const stack of stackNames) {
      expect({ stack, ...planOf(stack, {}, EXAMPLE) }).toEqual({ stack, code: 0, errors: [] });
    }
  });
}
