import { parse as parseHcl } from "@cdktf/hcl2json";
import { TfJson, resourcesOf } from "./terraform-json";

/**
 * A synthesized stack as the policy rules read it: the `cdk.tf.json` object, and
 * every `${jsonencode(...)}` expression in it decoded into its structure by
 * HashiCorp's HCL parser (hcl2json), the way Checkov evaluates `jsonencode`
 * before its checks run. Rules never read JSON-valued attributes as text.
 */
export interface Stack {
  readonly tf: TfJson;
  /** The value of each `${jsonencode(...)}` string in the stack; an `Error` where the parser refused it. */
  readonly decoded: ReadonlyMap<string, unknown>;
}

const JSONENCODE = /^\$\{jsonencode\(([\s\S]*)\)\}$/;

/** Decodes every `jsonencode` expression of `tf` (asynchronous: the parser is WebAssembly). */
export async function loadStack(tf: TfJson): Promise<Stack> {
  const expressions = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      if (JSONENCODE.test(value)) expressions.add(value);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === "object") {
      Object.values(value).forEach(visit);
    }
  };
  visit(tf);
  const decoded = new Map<string, unknown>();
  for (const expression of expressions) {
    try {
      const parsed = await parseHcl("expression.tf", `value = ${JSONENCODE.exec(expression)![1]}\n`);
      decoded.set(expression, parsed.value);
    } catch (error) {
      decoded.set(expression, error instanceof Error ? error : new Error(String(error)));
    }
  }
  return { tf, decoded };
}

/** A JSON-valued attribute as structure: decoded `jsonencode`, parsed JSON text, or the object itself. */
export function jsonValue(stack: Stack, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (JSONENCODE.test(value)) return stack.decoded.get(value);
  const text = value.trim();
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch (error) {
      return error as Error;
    }
  }
  return value;
}

/** Every resource (or data source) of `type`, as `[address, body]`. */
export function entries(stack: Stack, type: string, kind: "resource" | "data" = "resource"): [string, TfJson][] {
  const prefix = kind === "data" ? `data.${type}` : type;
  return Object.entries(resourcesOf(stack.tf, type, kind)).map(([id, body]) => [`${prefix}.${id}`, body]);
}

/** `${type.ID.attr}` for a resource address `type.ID`. */
export function ref(address: string, attribute: string): string {
  return `\${${address}.${attribute}}`;
}

/** The address of the `type` resource a `${type.ID.attr}` reference names, if it names one. */
export function referencedAddress(value: unknown, type: string): string | undefined {
  const match = new RegExp(`^\\$\\{(${type}\\.[^.}]+)\\.[^}]+\\}$`).exec(String(value));
  return match?.[1];
}

/** The body of the resource at `address` (`type.ID`). */
export function resourceAt(stack: Stack, address: string): TfJson | undefined {
  const [type, id] = address.split(".");
  return resourcesOf(stack.tf, type)[id];
}
