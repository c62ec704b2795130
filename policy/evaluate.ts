import { Finding, PolicyRule, RULES } from "./rules";
import { Stack } from "./stack";
import { WAIVERS, Waiver, accepts } from "./waivers";

/**
 * The policy suite as a function of one synthesized stack: what the tests (__tests__/policy/) and
 * `npm run policy` both run, so a finding in the pipeline is the finding the tests report.
 */

/** A rule's finding, with the waiver that accepts it (if one does). */
export interface Verdict {
  readonly rule: PolicyRule;
  readonly finding: Finding;
  readonly waiver?: Waiver;
}

/** The waiver that accepts `finding` of `rule`, if any. */
export function waiverFor(
  rule: PolicyRule,
  finding: Finding,
  waivers: readonly Waiver[] = WAIVERS,
): Waiver | undefined {
  return waivers.find((w) => w.rule === rule.id && accepts(w, finding));
}

/** Findings no waiver accepts. */
export function unwaivedFindings(rule: PolicyRule, findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => waiverFor(rule, f) === undefined);
}

/** Every rule over `stack`: each finding, with its waiver where one accepts it, in rule order. */
export function evaluateStack(stack: Stack, rules: readonly PolicyRule[] = RULES): Verdict[] {
  return rules.flatMap((rule) =>
    rule.check(stack).map((finding) => ({ rule, finding, waiver: waiverFor(rule, finding) })),
  );
}

/** A finding's reason without the address it starts with (`aws_sqs_queue.Q: is not encrypted` -> `is not encrypted`). */
export function reasonOf(finding: Finding): string {
  const prefix = `${finding.subject}: `;
  return finding.message.startsWith(prefix) ? finding.message.slice(prefix.length) : finding.message;
}
