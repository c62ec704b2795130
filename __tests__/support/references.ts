import { TfJson } from "./tf-json";

/**
 * The check `terraform validate` would make on references, without providers:
 * every `${...}` expression and every `depends_on` entry must name a resource,
 * data source, variable or local the configuration declares.
 */

const BUILT_IN_ROOTS = new Set(["path", "terraform", "each", "count", "self"]);

/** The `${...}` expressions in a string, with nested braces balanced. */
export function expressionsIn(text: string): string[] {
  const found: string[] = [];
  let index = text.indexOf("${");
  while (index !== -1) {
    let depth = 0;
    let end = index + 1;
    let inString = false;
    for (; end < text.length; end++) {
      const char = text[end];
      if (inString) {
        if (char === "\\") end++;
        else if (char === '"') inString = false;
      } else if (char === '"') inString = true;
      else if (char === "{") depth++;
      else if (char === "}" && --depth === 0) break;
    }
    if (depth !== 0) throw new Error(`unbalanced expression in ${JSON.stringify(text)}`);
    found.push(text.slice(index + 2, end));
    index = text.indexOf("${", end);
  }
  return found;
}

/** Addresses (`aws_sqs_queue.X`, `data.T.X`, `var.X`, `local.X`) an expression refers to. */
export function referencesIn(expression: string): string[] {
  const withoutStrings = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const refs: string[] = [];
  const pattern = /(?<![\w.])([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?/g;
  for (const [, root, second, third] of withoutStrings.matchAll(pattern)) {
    if (BUILT_IN_ROOTS.has(root)) continue;
    if (root === "data") refs.push(`data.${second}.${third}`);
    else if (root === "var" || root === "local") refs.push(`${root}.${second}`);
    else refs.push(`${root}.${second}`);
  }
  return refs;
}

/** Every address the configuration declares. */
export function declaredAddresses(tf: TfJson): Set<string> {
  const declared = new Set<string>();
  for (const [type, byName] of Object.entries((tf.resource ?? {}) as Record<string, TfJson>)) {
    for (const name of Object.keys(byName)) declared.add(`${type}.${name}`);
  }
  for (const [type, byName] of Object.entries((tf.data ?? {}) as Record<string, TfJson>)) {
    for (const name of Object.keys(byName)) declared.add(`data.${type}.${name}`);
  }
  for (const name of Object.keys(tf.variable ?? {})) declared.add(`var.${name}`);
  for (const name of Object.keys(tf.locals ?? {})) declared.add(`local.${name}`);
  return declared;
}

/** Every reference in the configuration (expressions and depends_on), as `{ where, address }`. */
export function collectReferences(tf: TfJson): { where: string; address: string }[] {
  const found: { where: string; address: string }[] = [];
  const visit = (value: unknown, where: string): void => {
    if (typeof value === "string") {
      for (const expression of expressionsIn(value)) {
        for (const address of referencesIn(expression)) found.push({ where, address });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${where}[${i}]`));
    } else if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if (key === "//") continue;
        if (key === "depends_on" && Array.isArray(child)) {
          for (const address of child as string[]) found.push({ where: `${where}.depends_on`, address });
        } else visit(child, `${where}.${key}`);
      }
    }
  };
  visit(tf, "");
  return found;
}

/** References that name nothing declared, as `where: address` lines. */
export function danglingReferences(tf: TfJson): string[] {
  const declared = declaredAddresses(tf);
  return collectReferences(tf)
    .filter(({ address }) => !declared.has(address))
    .map(({ where, address }) => `${where}: ${address}`);
}
