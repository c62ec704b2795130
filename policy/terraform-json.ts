/**
 * Synthesized Terraform JSON (`cdk.tf.json`), read the way cdktf writes it, without loading cdktf: what
 * the policy engine needs of a stack (the tests' support/tf-json.ts re-exports it).
 */

/** Synthesized Terraform JSON (`cdk.tf.json`), read the way it is written. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TfJson = Record<string, any>;

/** Every resource (or data source) of `type`, by logical ID. */
export function resourcesOf(tf: TfJson, type: string, kind: "resource" | "data" = "resource"): Record<string, TfJson> {
  return tf[kind]?.[type] ?? {};
}

/** The value of a number attribute, or the default of the variable it names; undefined otherwise. */
export function numberValue(tf: TfJson, value: unknown): number | undefined {
  if (typeof value === "number") return value;
  const variable = /^\$\{var\.([\w-]+)\}$/.exec(String(value));
  const fallback = variable ? tf.variable?.[variable[1]]?.default : undefined;
  return typeof fallback === "number" ? fallback : undefined;
}
