import { TfJson } from "../support/tf-json";
import { Finding, PolicyRule, RULES } from "./rules";
import { Stack, loadStack } from "./stack";
import { WAIVERS, accepts } from "./waivers";

/**
 * The policy suite as a function of any synthesized stacks: every rule passes on every stack, or
 * reports only findings a waiver accepts. policy.test.ts judges the project's stacks (and proves
 * the rules themselves); third-environment.test.ts runs this over an adopter's stacks.
 */

/** Findings no waiver accepts. */
export function unwaivedFindings(rule: PolicyRule, findings: Finding[]): Finding[] {
  const waivers = WAIVERS.filter((w) => w.rule === rule.id);
  return findings.filter((f) => !waivers.some((w) => accepts(w, f)));
}

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
