import * as fs from "fs";
import { TfJson, synthApp } from "../support/tf";
import { RULES, appliesTo } from "./rules";
import { WAIVERS } from "./waivers";

const waived = new Map(WAIVERS.map((w) => [w.rule, w.reason]));
const enforced = RULES.filter((rule) => !waived.has(rule.id));
const stacks: Record<string, TfJson> = synthApp().stacks;
const stackNames = Object.keys(stacks);

describe.each(stackNames)("policy rules on %s", (stackName) => {
  const tf = stacks[stackName];

  test.each(enforced.map((r) => [r.id, r] as const))("%s passes", (_, rule) => {
    expect(rule.check(tf)).toEqual([]);
  });
});

describe("waivers", () => {
  test.each(WAIVERS.map((w) => [w.rule] as const))("%s still fails on some stack (else drop the waiver)", (id) => {
    const rule = RULES.find((r) => r.id === id);
    expect(rule).toBeDefined();
    expect(stackNames.flatMap((name) => rule!.check(stacks[name])).length).toBeGreaterThan(0);
  });
});

describe("every enforced rule can fail", () => {
  test.each(enforced.map((r) => [r.id, r] as const))("%s reports the damage it guards against", (_, rule) => {
    expect(rule.breakStack).toBeDefined();
    // The first stack that has what the rule checks (the bootstrap stack for S3 rules).
    const target = stackNames.map((name) => stacks[name]).find((tf) => appliesTo(rule, tf));
    expect(target).toBeDefined();
    const broken = structuredClone(target!);
    rule.breakStack!(broken);
    expect(rule.check(broken).length).toBeGreaterThan(0);
  });
});

describe("the rule set", () => {
  test("names each rule once", () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  test("waives only rules that exist, once each, with a reason", () => {
    const ids = new Set(RULES.map((r) => r.id));
    expect(WAIVERS.filter((w) => !ids.has(w.rule))).toEqual([]);
    expect(new Set(WAIVERS.map((w) => w.rule)).size).toBe(WAIVERS.length);
    for (const w of WAIVERS) expect(w.reason.length).toBeGreaterThan(40);
  });

  test("runs on every stack the app synthesizes", () => {
    expect([...stackNames].sort()).toEqual(["orders-dev", "orders-prod", "orders-state-bootstrap"]);
  });

  test("is listed in the README, rule by rule and waiver by waiver", () => {
    const readme = fs.readFileSync("README.md", "utf8");
    for (const rule of RULES) expect(readme).toContain(`\`${rule.id}\``);
    expect(readme).toContain(
      `That is ${RULES.length} rules checked per stack: ${enforced.length} enforced, ${WAIVERS.length} waived.`,
    );
  });
});
