import { TfJson } from "./terraform-json";
import { Stack, entries, jsonValue } from "./stack";

/**
 * IAM policies in every form a stack can hold them, read into one shape: an
 * `aws_iam_policy_document` data source (its `json`), inline JSON text, or
 * `jsonencode(...)`. A policy that cannot be read (a variable, a file, a
 * malformed document) is reported, never skipped: the rules are stricter than
 * Checkov there, which marks such a policy UNKNOWN and passes it.
 */

export interface Principal {
  /** `*`, `AWS`, `Service`, `Federated`, `CanonicalUser`. */
  readonly type: string;
  readonly identifiers: readonly string[];
}

export interface Condition {
  /** The operator, e.g. `ArnEquals`, `StringNotEquals`, `ForAnyValue:StringLike`. */
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface Statement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  /** `undefined` when the statement has no Resource element (trust policies). */
  readonly resources?: readonly string[];
  readonly notResources: readonly string[];
  /** `undefined` when the statement has no Principal element (identity policies). */
  readonly principals?: readonly Principal[];
  readonly notPrincipals: readonly Principal[];
  readonly conditions: readonly Condition[];
}

export interface Policy {
  readonly statements: readonly Statement[];
}

/** Where a policy lives, and which kind of policy it is. */
export type PolicyKind = "identity" | "trust" | "key" | "resource" | "document";

export interface PolicySite {
  /** The resource holding the policy (`aws_kms_key.Key_1234`), or the data source when no resource uses it. */
  readonly subject: string;
  /** The resource type (`aws_kms_key`, `data.aws_iam_policy_document`). */
  readonly type: string;
  readonly attribute: string;
  readonly kind: PolicyKind;
  /** The policy, or why it could not be read. */
  readonly policy: Policy | Error;
}

/** Each resource type's policy attributes, and the kind of policy they hold. */
const POLICY_ATTRIBUTES: Record<string, [string, PolicyKind][]> = {
  aws_iam_role: [["assume_role_policy", "trust"]],
  aws_iam_role_policy: [["policy", "identity"]],
  aws_iam_policy: [["policy", "identity"]],
  aws_iam_user_policy: [["policy", "identity"]],
  aws_iam_group_policy: [["policy", "identity"]],
  // An identity policy too: Checkov's IAM checks (cloudsplaining's, CKV2_AWS_40) read it.
  aws_ssoadmin_permission_set_inline_policy: [["inline_policy", "identity"]],
  aws_kms_key: [["policy", "key"]],
  aws_kms_key_policy: [["policy", "key"]],
  aws_sqs_queue: [["policy", "resource"]],
  aws_sqs_queue_policy: [["policy", "resource"]],
  aws_sns_topic: [["policy", "resource"]],
  aws_sns_topic_policy: [["policy", "resource"]],
  aws_s3_bucket: [["policy", "resource"]],
  aws_s3_bucket_policy: [["policy", "resource"]],
};

/** The resource types that hold identity policies (and `aws_iam_role.inline_policy`). */
export const IDENTITY_POLICY_TYPES = [
  "aws_iam_role_policy",
  "aws_iam_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
];

/** An IAM Identity Center permission set's inline policy: an identity policy Checkov's IAM checks read. */
export const PERMISSION_SET_POLICY_TYPE = "aws_ssoadmin_permission_set_inline_policy";

const DOCUMENT_REF = /^\$\{data\.aws_iam_policy_document\.([^.}]+)\.json\}$/;

/** The ID of the `aws_iam_policy_document` a `${data.aws_iam_policy_document.X.json}` reference names, if it names one. */
export function documentId(value: unknown): string | undefined {
  return DOCUMENT_REF.exec(String(value))?.[1];
}

/**
 * Every policy in the stack: each policy attribute of each resource (and each
 * `inline_policy` of a role), and each policy document no resource uses.
 */
export function policySites(stack: Stack): PolicySite[] {
  const sites: PolicySite[] = [];
  const used = new Set<string>();
  for (const [type, attributes] of Object.entries(POLICY_ATTRIBUTES)) {
    for (const [address, body] of entries(stack, type)) {
      for (const [attribute, kind] of attributes) {
        if (body[attribute] === undefined) continue;
        const document = documentId(body[attribute]);
        if (document) used.add(document);
        sites.push({ subject: address, type, attribute, kind, policy: readPolicy(stack, body[attribute]) });
      }
      if (type === "aws_iam_role") {
        for (const inline of [body.inline_policy ?? []].flat() as TfJson[]) {
          if (inline.policy === undefined) continue;
          sites.push({
            subject: address,
            type,
            attribute: "inline_policy",
            kind: "identity",
            policy: readPolicy(stack, inline.policy),
          });
        }
      }
    }
  }
  for (const [address] of entries(stack, "aws_iam_policy_document", "data")) {
    const id = address.split(".")[2];
    if (used.has(id)) continue;
    sites.push({
      subject: address,
      type: "data.aws_iam_policy_document",
      attribute: "json",
      kind: "document",
      policy: readPolicy(stack, `\${${address}.json}`),
    });
  }
  return sites;
}

/** Reads a policy-valued attribute in any form. */
export function readPolicy(stack: Stack, value: unknown): Policy | Error {
  const document = documentId(value);
  if (document !== undefined) return fromDocument(stack, document, new Set());
  const json = jsonValue(stack, value);
  if (json instanceof Error) return new Error(`unreadable policy (${json.message.split("\n")[0]})`);
  if (typeof json === "string") return new Error(`a policy Terraform computes at plan time (${json})`);
  return fromJson(json);
}

/** An `aws_iam_policy_document` data source, with its source and override documents. */
function fromDocument(stack: Stack, id: string, seen: Set<string>): Policy | Error {
  const body = entries(stack, "aws_iam_policy_document", "data").find(([address]) => address.endsWith(`.${id}`))?.[1];
  if (!body) return new Error(`data.aws_iam_policy_document.${id} does not exist`);
  if (seen.has(id)) return new Error(`data.aws_iam_policy_document.${id} includes itself`);
  seen.add(id);
  const included = (attribute: string): Statement[] | Error => {
    const statements: Statement[] = [];
    for (const value of (body[attribute] ?? []) as unknown[]) {
      const other = documentId(value);
      const policy = other !== undefined ? fromDocument(stack, other, seen) : fromJson(jsonValue(stack, value));
      if (policy instanceof Error) return policy;
      statements.push(...policy.statements);
    }
    return statements;
  };
  const sources = included("source_policy_documents");
  const overrides = included("override_policy_documents");
  if (sources instanceof Error) return sources;
  if (overrides instanceof Error) return overrides;
  const own = ((body.statement ?? []) as TfJson[]).map(documentStatement);
  // Terraform: own statements replace source statements of the same sid; overrides replace both.
  const merged = mergeBySid(mergeBySid(sources, own), overrides);
  return { statements: merged };
}

function mergeBySid(base: Statement[], replacing: Statement[]): Statement[] {
  const sids = new Set(replacing.map((s) => s.sid).filter((sid) => sid !== undefined));
  return [...base.filter((s) => s.sid === undefined || !sids.has(s.sid)), ...replacing];
}

/** A statement block of an `aws_iam_policy_document` data source. */
export function documentStatement(block: TfJson): Statement {
  const principals = (list: TfJson[] | undefined): Principal[] =>
    (list ?? []).map((p) => ({ type: p.type, identifiers: [p.identifiers].flat() }));
  return {
    sid: block.sid,
    effect: block.effect === "Deny" ? "Deny" : "Allow",
    actions: block.actions ?? [],
    notActions: block.not_actions ?? [],
    resources: block.resources,
    notResources: block.not_resources ?? [],
    principals: block.principals ? principals(block.principals) : undefined,
    notPrincipals: principals(block.not_principals),
    conditions: ((block.condition ?? []) as TfJson[]).map((c) => ({
      test: c.test,
      variable: c.variable,
      values: [c.values].flat(),
    })),
  };
}

/** A policy in IAM's own JSON grammar. */
export function fromJson(json: unknown): Policy | Error {
  if (!json || typeof json !== "object" || Array.isArray(json)) return new Error("a policy must be a JSON object");
  const raw = (json as TfJson).Statement;
  if (raw === undefined) return new Error("a policy without a Statement");
  const list = [raw].flat() as TfJson[];
  const strings = (value: unknown): string[] => (value === undefined ? [] : ([value].flat() as string[]));
  const principals = (value: unknown): Principal[] => {
    if (value === undefined) return [];
    // "*", or (outside IAM's grammar, but read by Checkov and policyuniverse) a bare list of principals.
    if (value === "*" || Array.isArray(value)) return [{ type: "*", identifiers: strings(value) }];
    return Object.entries(value as Record<string, unknown>).map(([type, ids]) => ({ type, identifiers: strings(ids) }));
  };
  return {
    statements: list.map((s) => ({
      sid: s.Sid,
      effect: s.Effect === "Deny" ? "Deny" : "Allow",
      actions: strings(s.Action),
      notActions: strings(s.NotAction),
      resources: s.Resource === undefined ? undefined : strings(s.Resource),
      notResources: strings(s.NotResource),
      principals: s.Principal === undefined ? undefined : principals(s.Principal),
      notPrincipals: principals(s.NotPrincipal),
      conditions: Object.entries((s.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap(
        ([test, keys]) =>
          Object.entries(keys).map(([variable, values]) => ({ test, variable, values: strings(values) })),
      ),
    })),
  };
}

/** The statement in IAM's JSON grammar (for rules that rewrite a stack's policy into another form). */
export function toJson(statement: Statement): TfJson {
  const principal = (list: readonly Principal[]): unknown =>
    list.some((p) => p.type === "*")
      ? "*"
      : Object.fromEntries(list.map((p) => [p.type, p.identifiers.length === 1 ? p.identifiers[0] : p.identifiers]));
  const json: TfJson = { Effect: statement.effect };
  if (statement.sid) json.Sid = statement.sid;
  if (statement.principals) json.Principal = principal(statement.principals);
  if (statement.notPrincipals.length) json.NotPrincipal = principal(statement.notPrincipals);
  if (statement.actions.length) json.Action = statement.actions;
  if (statement.notActions.length) json.NotAction = statement.notActions;
  if (statement.resources) json.Resource = statement.resources;
  if (statement.notResources.length) json.NotResource = statement.notResources;
  if (statement.conditions.length) {
    json.Condition = {};
    for (const c of statement.conditions)
      json.Condition[c.test] = { ...json.Condition[c.test], [c.variable]: c.values };
  }
  return json;
}

// --- What the rules ask of a statement -------------------------------------------------------------

/** An ARN (or `*`) that admits principals of any account: `*`, or an ARN whose account is `*`. */
export function isWildcardArn(value: string): boolean {
  if (value === "*") return true;
  const parts = value.split(":");
  if (parts[0] !== "arn" || parts.length < 6) return value.includes("*") && !value.includes("${");
  return parts[4] === "*";
}

/** A principal that is anyone: `"*"`, `{"AWS": "*"}`, `{"Service": "*"}`, `{"Federated": "*"}` or an ARN in any account. */
export function wildcardPrincipals(statement: Statement): Principal[] {
  return (statement.principals ?? []).filter(
    (p) => ["*", "AWS", "Service", "Federated"].includes(p.type) && p.identifiers.some(isWildcardArn),
  );
}

/** Condition keys that limit who a statement applies to, by kind (policyuniverse's list, as Checkov uses it). */
const LIMITING_KEYS: Record<string, "arn" | "account" | "userid" | "cidr" | "vpc" | "vpce" | "org"> = {
  "aws:sourcearn": "arn",
  "aws:principalarn": "arn",
  "aws:sourceowner": "account",
  "aws:sourceaccount": "account",
  "aws:principalaccount": "account",
  "kms:calleraccount": "account",
  "aws:userid": "userid",
  "aws:sourceip": "cidr",
  "aws:sourcevpc": "vpc",
  "aws:sourcevpce": "vpce",
  "aws:principalorgid": "org",
};
/** Positive operators only: a negated operator (StringNotEquals, ...) limits nothing. */
const LIMITING_OPERATOR =
  /^((ForAllValues|ForAnyValue):)?(Arn(Equals|Like)|String(Equals|Like)(IgnoreCase)?|IpAddress)(IfExists)?$/i;

/**
 * Whether a statement's conditions limit its principal to known ones, as
 * policyuniverse (what Checkov's CKV_AWS_168/169 call) decides: at least one
 * positive condition on a source or principal ARN, account, user ID, network, VPC
 * or endpoint, and none of them a wildcard.
 */
export function conditionsLimitPrincipal(statement: Statement): boolean {
  const entries = statement.conditions.filter(
    (c) => LIMITING_OPERATOR.test(c.test) && LIMITING_KEYS[c.variable.toLowerCase()] !== undefined,
  );
  if (entries.length === 0) return false;
  return entries.every((c) =>
    c.values.every((value) => {
      const kind = LIMITING_KEYS[c.variable.toLowerCase()];
      if (kind === "arn") return !isWildcardArn(value);
      if (kind === "cidr") return !value.endsWith("/0");
      if (kind === "userid") return !value.includes("*") || value.indexOf("*") === value.length - 1;
      return !value.includes("*");
    }),
  );
}

/**
 * An Allow statement anyone may use: what current Checkov fails (cloudsplaining's
 * `internetAccessible`), and what policyuniverse, which older Checkov called, fails: a wildcard
 * principal (or a NotPrincipal, which cloudsplaining ignores) its conditions do not limit.
 */
export function isPublic(statement: Statement): boolean {
  if (statement.effect !== "Allow") return false;
  if (internetAccessible(statement)) return true;
  if (statement.notPrincipals.length > 0) return !conditionsLimitPrincipal(statement);
  return wildcardPrincipals(statement).length > 0 && !conditionsLimitPrincipal(statement);
}

/**
 * cloudsplaining's condition keys (cloudsplaining/scan/resource_policy_document.py,
 * CONDITION_KEY_CATEGORIES), by the category its test judges a value by.
 */
const CLOUDSPLAINING_KEYS: Record<string, string> = {
  "aws:sourcearn": "arn",
  "aws:principalarn": "arn",
  "aws:sourceowner": "account",
  "aws:sourceaccount": "account",
  "aws:principalaccount": "account",
  "aws:principalorgid": "organization",
  "aws:principalorgpaths": "organization",
  "kms:calleraccount": "account",
  "aws:userid": "userid",
  "aws:sourceip": "cidr",
  "aws:sourcevpc": "vpc",
  "aws:sourcevpce": "vpce",
  "saml:aud": "saml-endpoint",
};
/** RELEVANT_CONDITION_OPERATORS_PATTERN, used with Python's re.match: anchored at the start only. */
const CLOUDSPLAINING_OPERATOR =
  /^((ForAllValues|ForAnyValue):)?(ARN(Equals|Like)|String(Equals|Like)(IgnoreCase)?|IpAddress)(IfExists)?/i;

/** cloudsplaining's `_arn_internet_accessible`: "*", or an ARN whose account is "*" (S3 ARNs have none). */
function arnInternetAccessible(arn: string): boolean {
  if (arn === "*") return true;
  if (!arn.startsWith("arn:")) return false; // an account ID or a service
  const parts = arn.split(":");
  if (parts.length < 6) return arn.includes("*"); // not parsable as an ARN
  const [, , service, , account] = parts;
  if (service === "s3") return false;
  if (!account && !service) return true;
  return account === "*";
}

/** cloudsplaining's `_is_condition_entry_internet_accessible` for one value of a condition key. */
function conditionValueInternetAccessible(category: string, value: string): boolean {
  if (category === "arn") return arnInternetAccessible(value);
  if (category === "cidr") return value.endsWith("/0");
  if (category === "organization") return value.includes("o-*");
  // As cloudsplaining writes it: only a single trailing "*" passes, so a user ID without one fails too.
  if (category === "userid") return value.indexOf("*") !== value.length - 1;
  return value.includes("*");
}

/**
 * Whether current Checkov's CKV_AWS_168/169 (SQSQueuePolicyAnyPrincipal.py,
 * SNSTopicPolicyAnyPrincipal.py: FAILED when `ResourcePolicyDocument(policy).internet_accessible_actions`
 * is not empty) fail this statement, as cloudsplaining's `ResourceStatement.internet_accessible_actions`
 * decides: never a Deny; any value of a relevant condition that is a wildcard (an ARN in account "*"
 * such as `arn:aws:events:*:*:rule/*`, a "/0" network, an account, VPC or endpoint with "*") makes it
 * accessible whatever the principal; other relevant conditions make it not accessible; without them,
 * a principal (AWS, Federated, Service, or "*") that is "*" or an ARN in account "*" does.
 */
export function internetAccessible(statement: Statement): boolean {
  if (statement.effect === "Deny") return false;
  const entries = statement.conditions
    .filter((c) => CLOUDSPLAINING_OPERATOR.test(c.test) && CLOUDSPLAINING_KEYS[c.variable.toLowerCase()])
    .flatMap((c) => c.values.map((value) => [CLOUDSPLAINING_KEYS[c.variable.toLowerCase()], value] as const));
  if (entries.some(([category, value]) => conditionValueInternetAccessible(category, value))) return true;
  if (entries.length > 0) return false;
  return (statement.principals ?? [])
    .filter((p) => ["*", "AWS", "Federated", "Service"].includes(p.type))
    .some((p) => p.identifiers.some(arnInternetAccessible));
}

/** The actions a statement names, lower-cased (for comparisons; IAM action names are case-insensitive). */
export function actionsOf(statement: Statement): string[] {
  return statement.actions.map((a) => a.toLowerCase());
}

/** X-Ray's trace APIs have no resource-level permissions: "*" is their only valid resource. */
export const ACTIONS_WITHOUT_RESOURCES = [
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
];

/**
 * The actions a statement allows on every resource (`Resource: "*"` or a NotResource)
 * that could be limited to named resources: every action but those known to take
 * only "*"; wildcards and NotAction count as limitable. The superset of what
 * cloudsplaining (Checkov's CKV_AWS_107-111, 286-290, 355, 356) reports, which
 * knows each action's resource types; conditions are not credited, as there.
 */
export function unconstrainedActions(statement: Statement): string[] {
  const onEverything = (statement.resources ?? []).includes("*") || statement.notResources.length > 0;
  if (!onEverything) return [];
  const known = new Set(ACTIONS_WITHOUT_RESOURCES.map((a) => a.toLowerCase()));
  return [
    ...statement.actions.filter((a) => !known.has(a.toLowerCase())),
    ...statement.notActions.map((a) => `NotAction ${a}`),
  ];
}

/** Matches an IAM action pattern (`kms:*`, `s3:Put*`, `*`) against an action, case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")}$`,
  );
  return regex.test(action.toLowerCase());
}
