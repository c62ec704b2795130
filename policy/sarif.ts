import * as path from "path";
import { reasonOf } from "./evaluate";
import type { SynthStack } from "./policy-command";
import { PolicyRule, RULES } from "./rules";

/**
 * The policy results as SARIF 2.1.0 (OASIS), the format code-scanning views read: one run, the rule
 * catalogue as the driver's rules, one result per finding located in the stack's cdk.tf.json with the
 * resource address as a logical location. A waived finding is a result with an accepted external
 * suppression whose justification is the waiver's reason.
 */

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** A rule as a SARIF reportingDescriptor. */
function descriptor(rule: PolicyRule): Record<string, unknown> {
  return {
    id: rule.id,
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.note ? `${rule.title} (${rule.note})` : rule.title },
    defaultConfiguration: { level: "error" },
    properties: { relation: rule.relation, reads: rule.on, tags: ["security", "terraform"] },
  };
}

/** A path for a SARIF artifact location: relative with forward slashes, or a file URI when absolute. */
function uriOf(file: string): string {
  return path.isAbsolute(file) ? `file://${file.split(path.sep).join("/")}` : file.split(path.sep).join("/");
}

export function sarifLog(stacks: readonly SynthStack[]): Record<string, unknown> {
  const index = new Map(RULES.map((rule, i) => [rule.id, i]));
  const results = stacks.flatMap((stack) =>
    stack.verdicts.map((v) => ({
      ruleId: v.rule.id,
      ruleIndex: index.get(v.rule.id),
      level: "error",
      message: { text: `${v.finding.subject}: ${reasonOf(v.finding)} (stack ${stack.name})` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: uriOf(stack.file) } },
          logicalLocations: [
            { name: v.finding.subject, fullyQualifiedName: `${stack.name}.${v.finding.subject}`, kind: "resource" },
          ],
        },
      ],
      partialFingerprints: { "policyFinding/v1": `${v.rule.id}|${stack.name}|${v.finding.subject}` },
      ...(v.waiver ? { suppressions: [{ kind: "external", status: "accepted", justification: v.waiver.reason }] } : {}),
    })),
  );
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "order-pipeline-policy", rules: RULES.map(descriptor) } },
        results,
      },
    ],
  };
}
