import { TfJson } from "../support/tf-json";
import { unwaivedFindings } from "../../policy/evaluate";
import { RULES } from "../../policy/rules";
import { Stack, loadStack } from "../../policy/stack";

/**
 * The policy suite as jest tests over any synthesized stacks: every rule passes on every stack, or
 * reports only findings a waiver accepts. policy.test.ts judges the project's stacks (and proves
 * the rules themselves); third-environment.test.ts runs this over an adopter's stacks. The engine
 * (policy/) is the one `npm run policy` runs.
 */

/**
 * One test per rule and stack. `stackNames` must be known when the tests are declared; `load`
 * returns the stacks by name and runs once, in `beforeAll`.
 */
export function describePolicyRules(stackNames: readonly string[], load: () => Record<string, TfJson>): void {
  let stacks: Record<string, Stack>;
  beforeAll(async () => {
    const tfs = load();
    stacks = Object.fromEntries(await Promise.all(stackNames.map(async (name) => [name, await loadStack(tfs[name])])));
  });

  describe.each(stackNames.map((name) => [name]))("policy rules on %s", (stackName) => {
    test.each(RULES.map((r) => [r.id, r] as const))("%s passes (or only waived findings)", (_, rule) => {
      expect(unwaivedFindings(rule, rule.check(stacks[stackName]))).toEqual([]);
    });
  });
}
