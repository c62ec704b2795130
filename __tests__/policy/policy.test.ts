import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synthExample } from "../support/example";
import { TfJson, pipelineStacks, resourcesOf, synthApp } from "../support/tf";
import { POLICY_FORMS, PolicyForm, addStatement } from "../../policy/mutate";
import { catalogueCounts, withCatalogue } from "../../policy/catalogue";
import { unwaivedFindings } from "../../policy/evaluate";
import { PolicyRule, RULES, appliesTo } from "../../policy/rules";
import { Stack, loadStack } from "../../policy/stack";
import { WAIVERS, accepts } from "../../policy/waivers";

const unwaived = unwaivedFindings;

/**
 * The stacks the suite judges: every stack of the configured app, one environment that asks
 * for customer-managed keys on the topic and queues (the rules on those keys need one), and
 * the second-subscriber example (an existing topic and table, imported).
 */
function synthesizeStacks(): { tfs: Record<string, TfJson>; judged: Record<string, string[]> } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-env-")), "environments.json");
  fs.writeFileSync(
    file,
    JSON.stringify({ environments: [{ name: "keys", account: "111122223333", customerManagedKeys: true }] }),
  );
  const withKeys = pipelineStacks(synthApp({ ORDERS_ENVIRONMENTS_FILE: file }).stacks);
  const app = synthApp().stacks;
  const example = synthExample();
  return {
    tfs: { ...app, ...withKeys, [example.name]: example.tf },
    judged: { app: Object.keys(app), keys: Object.keys(withKeys), example: [example.name] },
  };
}

const { tfs, judged } = synthesizeStacks();
const stackNames = Object.keys(tfs);
let stacks: Record<string, Stack>;
beforeAll(async () => {
  stacks = Object.fromEntries(await Promise.all(stackNames.map(async (name) => [name, await loadStack(tfs[name])])));
});

/** The first stack with what `rule` inspects (the bootstrap stack for S3 rules, orders-keys for key rules). */
function targetOf(rule: PolicyRule): string {
  const name = stackNames.find((n) => appliesTo(rule, tfs[n]));
  if (!name) throw new Error(`no stack has what ${rule.id} inspects`);
  return name;
}

describe.each(stackNames)("policy rules on %s", (stackName) => {
  test.each(RULES.map((r) => [r.id, r] as const))("%s passes (or only waived findings)", (_, rule) => {
    expect(unwaived(rule, rule.check(stacks[stackName]))).toEqual([]);
  });
});

describe("waivers", () => {
  test.each(WAIVERS.map((w) => [w.rule, w] as const))(
    "%s still fails on the waived resources of some stack (else drop the waiver)",
    (_, waiver) => {
      const rule = RULES.find((r) => r.id === waiver.rule)!;
      const accepted = stackNames.flatMap((name) => rule.check(stacks[name])).filter((f) => accepts(waiver, f));
      expect(accepted.length).toBeGreaterThan(0);
    },
  );
});

/**
 * The proof that `rule` can fail, with every waiver lifted: a copy of the stack it inspects (made to pass
 * it first, for a rule the waivers accept everywhere), then that copy damaged the way Checkov would fail it
 * (in `form`, for a rule that reads policies). The damaged copy must bring findings the first had not.
 */
async function proof(rule: PolicyRule, form?: PolicyForm): Promise<{ before: string[]; fresh: string[] }> {
  const base = structuredClone(tfs[targetOf(rule)]);
  rule.satisfy?.(base);
  const before = rule.check(await loadStack(base)).map((f) => f.message);
  const broken = structuredClone(base);
  rule.breakStack(broken, form);
  const fresh = rule
    .check(await loadStack(broken))
    .map((f) => f.message)
    .filter((message) => !before.includes(message));
  return { before, fresh };
}

describe("every rule can fail, waived or not (on a copy with the waiver lifted)", () => {
  test.each(RULES.map((r) => [r.id, r] as const))(
    "%s reports a stack damaged the way Checkov would fail it",
    async (_, rule) => {
      const { before, fresh } = await proof(rule);
      // A rule its waivers accept everywhere (CKV_AWS_117 ...) passes the copy made to satisfy it.
      if (rule.satisfy) expect(before).toEqual([]);
      expect(fresh.length).toBeGreaterThan(0);
    },
  );
});

describe("rules that read policies fail on every policy form", () => {
  const reading = RULES.filter((r) => r.readsPolicies);
  const cases = reading.flatMap((rule) => POLICY_FORMS.map((form) => [rule.id, form, rule] as const));

  test("cover the policy checks, our own rules on policies included", () => {
    expect(reading.length).toBeGreaterThanOrEqual(30);
    for (const id of [
      "ORD-SQS-TLS-ONLY",
      "ORD-SNS-TLS-ONLY",
      "ORD-S3-TLS-ONLY",
      "ORD-SNS-SQS-SOURCE-ARN",
      "ORD-SNS-QUEUE-KEY",
      "ORD-S3-SSE-KMS-WRITES",
      "ORD-IAM-TABLE-LEAST-PRIVILEGE",
      "ORD-KMS-VIA-SERVICE",
    ]) {
      expect(reading.map((r) => r.id)).toContain(id);
    }
  });

  test.each(cases)("%s, the policy written as %s (waivers lifted)", async (_, form, rule) => {
    expect((await proof(rule, form)).fresh.length).toBeGreaterThan(0);
  });

  test.each(cases)("%s, the stack's own policy rewritten as %s, still passes", async (_, form, rule) => {
    if (form === "document") return;
    // Rewrite by adding a harmless statement in `form`: the rule must read that form, not only fail on it.
    const target = targetOf(rule);
    const rewritten = structuredClone(tfs[target]);
    const type = (rule.policies ?? rule.on).find(
      (t) => !t.startsWith("data.") && Object.keys(rewritten.resource?.[t] ?? {}).length > 0,
    );
    if (type === undefined) return;
    const harmless = {
      Sid: "Harmless",
      Effect: "Deny",
      Principal: { AWS: "arn:aws:iam::111122223333:role/nobody" },
      Action: "sqs:DeleteQueue",
      Resource: "arn:aws:sqs:us-east-1:111122223333:nothing",
    };
    try {
      addStatement(rewritten, type, harmless, form);
    } catch {
      return;
    }
    expect(unwaived(rule, rule.check(await loadStack(rewritten)))).toEqual([]);
  });
});

describe("rules on what the example imports", () => {
  const rule = (id: string): PolicyRule => RULES.find((r) => r.id === id)!;
  const example = (): TfJson => structuredClone(tfs[judged.example[0]]);
  const statementsWith = (tf: TfJson, action: string): TfJson[] =>
    Object.values(resourcesOf(tf, "aws_iam_policy_document", "data")).flatMap((d) =>
      (d.statement as TfJson[]).filter((s) => (s.actions ?? []).includes(action)),
    );

  test("ORD-SNS-SQS-SOURCE-ARN fails when the imported topic's ARN in the queue policy becomes a wildcard", async () => {
    const broken = example();
    for (const s of statementsWith(broken, "sqs:SendMessage"))
      s.condition[0].values = ["arn:aws:sns:us-east-1:111122223333:*"];
    expect(
      unwaived(rule("ORD-SNS-SQS-SOURCE-ARN"), rule("ORD-SNS-SQS-SOURCE-ARN").check(await loadStack(broken))).length,
    ).toBeGreaterThan(0);
  });

  test("ORD-IAM-TABLE-LEAST-PRIVILEGE fails when the imported table's ARN becomes every table", async () => {
    const broken = example();
    for (const s of statementsWith(broken, "dynamodb:PutItem"))
      s.resources = [s.resources[0].replace(/table\/.*$/, "table/*")];
    const id = "ORD-IAM-TABLE-LEAST-PRIVILEGE";
    expect(unwaived(rule(id), rule(id).check(await loadStack(broken))).length).toBeGreaterThan(0);
  });
});

describe("the rule set", () => {
  test("names each rule once, with a Checkov ID or our own ORD- ID", () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(rule.relation === "own" ? /^ORD-[A-Z0-9-]+$/ : /^CKV2?_AWS_\d+$/);
      if (rule.relation === "stricter") expect(rule.note).toEqual(expect.any(String));
    }
  });

  test("quotes Checkov's condition for every cited ID, the check's file name first, and for no rule of our own", () => {
    const cited = RULES.filter((r) => r.relation !== "own");
    expect(cited.filter((r) => r.checkov === undefined).map((r) => r.id)).toEqual([]);
    expect(RULES.filter((r) => r.relation === "own" && r.checkov !== undefined).map((r) => r.id)).toEqual([]);
    for (const rule of cited) {
      expect({ id: rule.id, checkov: rule.checkov }).toEqual({
        id: rule.id,
        checkov: expect.stringMatching(/^[A-Z][A-Za-z0-9]+\.(py|yaml|json)\b/),
      });
    }
  });

  test("waives only rules that exist, for resource types they inspect, with a reason", () => {
    for (const waiver of WAIVERS) {
      expect(RULES.map((r) => r.id)).toContain(waiver.rule);
      expect(waiver.reason.length).toBeGreaterThan(60);
    }
  });

  test("runs on every stack the app synthesizes, an environment with customer-managed keys and the example", () => {
    expect([judged.keys.length, judged.example.length]).toEqual([1, 1]);
    expect([...stackNames].sort()).toEqual([...judged.app, ...judged.keys, ...judged.example].sort());
  });

  test("is listed in docs/guardrails.md as the rules generate it (npm run policy -- --catalogue docs/guardrails.md)", () => {
    const page = fs.readFileSync("docs/guardrails.md", "utf8");
    expect(withCatalogue(page)).toBe(page);
    expect(page).toContain(`\n${catalogueCounts()}\n`);
    for (const waiver of WAIVERS) expect(page).toContain(`\`${waiver.rule}\``);
  });
});
