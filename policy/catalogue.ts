import { PolicyRule, RULES } from "./rules";
import { WAIVERS } from "./waivers";

/**
 * The rule catalogue of docs/guardrails.md, generated from the rules (never written by hand):
 * `npm run policy -- --catalogue docs/guardrails.md` rewrites the part between the markers, and a
 * test fails when the committed page differs from what the rules generate.
 */

export const CATALOGUE_BEGIN =
  "<!-- policy catalogue: generated from policy/rules.ts by `npm run policy -- --catalogue docs/guardrails.md` -->";
export const CATALOGUE_END = "<!-- end of the policy catalogue -->";

const RELATION = { same: "Checkov's condition", stricter: "stricter", own: "own rule" } as const;

/** A table cell: `*` and `|` escaped, so Markdown shows them (a `*` pair reads as emphasis, `|` ends the cell). */
function cell(text: string): string {
  return text.replaceAll("*", "\\*").replaceAll("|", "\\|");
}

/** A rule's row: ID, what it reads, what it checks, and how it stands against Checkov's own check. */
export function catalogueRow(rule: PolicyRule): string {
  const relation = RELATION[rule.relation];
  let against = !rule.note
    ? relation
    : rule.relation === "same"
      ? `${relation} (${rule.note})`
      : `${relation}: ${rule.note}`;
  if (rule.checkov) against += `. Checkov: ${rule.checkov}`;
  const cells = [`\`${rule.id}\``, rule.on.map((on) => `\`${on}\``).join(", "), cell(rule.title), cell(against)];
  return `| ${cells.join(" | ")} |`;
}

/** The closing figures: rules by kind, and the rules waived. */
export function catalogueCounts(rules: readonly PolicyRule[] = RULES): string {
  const count = (relation: PolicyRule["relation"]): number => rules.filter((r) => r.relation === relation).length;
  return (
    `${rules.length} rules: ${count("same")} with Checkov's condition, ${count("stricter")} stricter than Checkov, ` +
    `${count("own")} of our own; ${new Set(WAIVERS.map((w) => w.rule)).size} waived for the resources named.`
  );
}

/** The generated part of the page, markers included. */
export function catalogueMarkdown(): string {
  return [
    CATALOGUE_BEGIN,
    "",
    "<!-- prettier-ignore -->",
    "| Rule | Reads | Checks | Against Checkov |",
    "| --- | --- | --- | --- |",
    ...RULES.map(catalogueRow),
    "",
    catalogueCounts(),
    "",
    CATALOGUE_END,
  ].join("\n");
}

/** `page` with its catalogue replaced by the generated one; an Error when the markers are missing. */
export function withCatalogue(page: string): string {
  const begin = page.indexOf(CATALOGUE_BEGIN);
  const end = page.indexOf(CATALOGUE_END);
  if (begin < 0 || end < begin) {
    throw new Error(`the page has no catalogue markers: put ${CATALOGUE_BEGIN} and ${CATALOGUE_END} where it goes`);
  }
  return page.slice(0, begin) + catalogueMarkdown() + page.slice(end + CATALOGUE_END.length);
}
