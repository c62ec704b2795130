import { SubscriptionManifest } from "./stack-manifest";

/**
 * What the local SNS server (fauxqs 2.x) does not evaluate as SNS does, found in a subscription's
 * filter policy before the sandbox starts: an operator it does not know matches nothing there (every
 * message dropped), and an "anything-but" over an operator it does not know matches everything (every
 * message delivered). Either way a local run would say the wrong thing, so the sandbox refuses to
 * start and says why, instead.
 *
 * What fauxqs evaluates (read from its dist/sns/filter.js): exact strings, numbers and booleans,
 * `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `cidr`, `exists`, `numeric` (=, <, <=, >, >=),
 * `anything-but` over values, `prefix`, `suffix` or `wildcard`, `$or`, nested keys in the
 * `MessageBody` scope. One difference no policy shows: with `MessageBody`, fauxqs skips arrays in
 * the message, which SNS matches element by element (the order contract has none).
 */

const OPERATORS = ["prefix", "suffix", "equals-ignore-case", "wildcard", "cidr", "exists", "numeric", "anything-but"];
const ANYTHING_BUT_OPERATORS = ["prefix", "suffix", "wildcard"];
const NUMERIC_OPERATORS = ["=", "<", "<=", ">", ">="];

/** Why fauxqs would not filter `subscription` as SNS does; empty when it would. */
export function unsupportedFilterFeatures(subscription: SubscriptionManifest): string[] {
  if (subscription.filterPolicy === undefined) return [];
  const problems: string[] = [];
  const condition = (key: string, value: unknown): void => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    for (const [operator, operand] of Object.entries(value)) {
      if (!OPERATORS.includes(operator)) {
        problems.push(`"${operator}" (on ${key})`);
      } else if (operator === "anything-but" && operand && typeof operand === "object" && !Array.isArray(operand)) {
        for (const inner of Object.keys(operand).filter((o) => !ANYTHING_BUT_OPERATORS.includes(o))) {
          problems.push(`"${inner}" inside "anything-but" (on ${key})`);
        }
      } else if (operator === "numeric" && Array.isArray(operand)) {
        for (const inner of operand.filter((o, i) => i % 2 === 0 && !NUMERIC_OPERATORS.includes(String(o)))) {
          problems.push(`numeric "${inner}" (on ${key})`);
        }
      }
    }
  };
  const policy = (value: Record<string, unknown>, prefix: string): void => {
    for (const [key, conditions] of Object.entries(value)) {
      if (key === "$or" && Array.isArray(conditions)) {
        for (const group of conditions) if (group && typeof group === "object") policy(group, prefix);
      } else if (Array.isArray(conditions)) {
        for (const c of conditions) condition(`${prefix}${key}`, c);
      } else if (conditions && typeof conditions === "object") {
        const isOperator = Object.keys(conditions).some((k) => OPERATORS.includes(k));
        if (isOperator) condition(`${prefix}${key}`, conditions);
        else policy(conditions as Record<string, unknown>, `${prefix}${key}.`);
      }
    }
  };
  policy(JSON.parse(subscription.filterPolicy) as Record<string, unknown>, "");
  return problems;
}
