import { TfJson, resourcesOf } from "./terraform-json";
import { documentId, documentStatement, toJson } from "./iam";

/**
 * How the policy suite damages a copy of a stack: in the form a policy is written
 * (an `aws_iam_policy_document` data source, inline JSON text, or `jsonencode`),
 * so each rule that reads policies is shown to fail on all three.
 */
export type PolicyForm = "document" | "json" | "jsonencode";

export const POLICY_FORMS: readonly PolicyForm[] = ["document", "json", "jsonencode"];

/** The policy attribute of each resource type the rules damage. */
const ATTRIBUTE: Record<string, string> = { aws_iam_role: "assume_role_policy" };

/**
 * Adds `statement` (IAM's JSON grammar) to the policy of the first resource of `type`,
 * rewriting that policy into `form`.
 */
export function addStatement(
  tf: TfJson,
  type: string,
  statement: TfJson,
  form: PolicyForm = "document",
  position: "first" | "last" = "last",
): void {
  const attribute = ATTRIBUTE[type] ?? "policy";
  const body = Object.values(resourcesOf(tf, type)).find((r) => r[attribute] !== undefined);
  if (!body) throw new Error(`no ${type} with a ${attribute} to damage`);
  const document = documentAt(tf, body[attribute]);
  const blocks: TfJson[] = document?.statement ?? [];
  if (form === "document") {
    if (!document) throw new Error(`${type}.${attribute} is not a policy document`);
    if (position === "first") blocks.unshift(documentBlock(statement));
    else blocks.push(documentBlock(statement));
    return;
  }
  const existing = blocks.map((block) => toJson(documentStatement(block)));
  const all = position === "first" ? [statement, ...existing] : [...existing, statement];
  const policy = { Version: "2012-10-17", Statement: all };
  body[attribute] = form === "json" ? JSON.stringify(policy) : `\${jsonencode(${hcl(policy)})}`;
}

/**
 * Rewrites the policy of every resource of `type` through `change` (statements in IAM's JSON grammar),
 * writing the result in `form`: how a rule that reads a resource's own policy is damaged in each form.
 * The policy must be a data-source document or JSON text (what a synthesized stack holds).
 */
export function rewriteStatements(
  tf: TfJson,
  type: string,
  change: (statements: TfJson[]) => TfJson[],
  form: PolicyForm = "document",
): void {
  const attribute = ATTRIBUTE[type] ?? "policy";
  const bodies = Object.values(resourcesOf(tf, type)).filter((r) => r[attribute] !== undefined);
  if (bodies.length === 0) throw new Error(`no ${type} with a ${attribute} to damage`);
  for (const body of bodies) {
    const document = documentAt(tf, body[attribute]);
    const current: TfJson[] = document
      ? ((document.statement ?? []) as TfJson[]).map((block) => toJson(documentStatement(block)))
      : [JSON.parse(body[attribute]).Statement].flat();
    const statements = change(current);
    if (form === "document") {
      if (!document) throw new Error(`${type}.${attribute} is not a policy document`);
      document.statement = statements.map(documentBlock);
    } else {
      const policy = { Version: "2012-10-17", Statement: statements };
      body[attribute] = form === "json" ? JSON.stringify(policy) : `\${jsonencode(${hcl(policy)})}`;
    }
  }
}

/** Removes the statements `drop` selects from the documents of every resource of `type`. */
export function removeStatements(tf: TfJson, type: string, drop: (block: TfJson) => boolean): void {
  const attribute = ATTRIBUTE[type] ?? "policy";
  for (const body of Object.values(resourcesOf(tf, type))) {
    const document = documentAt(tf, body[attribute]);
    if (document) document.statement = (document.statement as TfJson[]).filter((block) => !drop(block));
  }
}

/** The data source a `${data.aws_iam_policy_document.X.json}` reference names. */
export function documentAt(tf: TfJson, value: unknown): TfJson | undefined {
  const id = documentId(value);
  return id ? resourcesOf(tf, "aws_iam_policy_document", "data")[id] : undefined;
}

/** A statement in the data source's block shape. */
function documentBlock(statement: TfJson): TfJson {
  const list = (value: unknown): string[] => [value].flat() as string[];
  const block: TfJson = { effect: statement.Effect };
  if (statement.Sid) block.sid = statement.Sid;
  if (statement.Action) block.actions = list(statement.Action);
  if (statement.Resource) block.resources = list(statement.Resource);
  if (statement.Principal) {
    block.principals =
      statement.Principal === "*"
        ? [{ type: "*", identifiers: ["*"] }]
        : Object.entries(statement.Principal).map(([type, ids]) => ({ type, identifiers: list(ids) }));
  }
  if (statement.Condition) {
    block.condition = Object.entries(statement.Condition as Record<string, Record<string, unknown>>).flatMap(
      ([test, keys]) => Object.entries(keys).map(([variable, values]) => ({ test, variable, values: list(values) })),
    );
  }
  return block;
}

/** A JSON value as an HCL expression (what `cdktf synth` writes inside `jsonencode(...)`). */
function hcl(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(hcl).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)} = ${hcl(item)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}
