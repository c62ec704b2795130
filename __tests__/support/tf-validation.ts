import { getExpressionAst } from "@cdktf/hcl2json";
import { TfJson } from "./tf";

/**
 * Evaluates a variable's `validation` block the way `terraform plan` would, without
 * a terraform binary: HashiCorp's HCL parser (hcl2json) builds the expression tree,
 * and this walks it for the subset of the language the stacks' conditions use. An
 * expression outside that subset throws, so a new condition cannot pass untested.
 */

interface AstNode {
  readonly type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly meta: Record<string, any>;
  readonly children: AstNode[];
}

type Scope = Record<string, unknown>;

/** HCL quoted-string escapes, as the parser reports literal text in source form. */
function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
}

const functions: Record<string, (args: unknown[]) => unknown> = {
  contains: ([list, value]) => (list as unknown[]).some((item) => item === value),
  floor: ([n]) => Math.floor(n as number),
  length: ([v]) =>
    typeof v === "string" ? [...v].length : Array.isArray(v) ? v.length : Object.keys(v as object).length,
  alltrue: ([list]) => (list as unknown[]).every((v) => v === true),
  jsonencode: ([v]) => JSON.stringify(v),
  regex: ([pattern, text]) => {
    const match = new RegExp(pattern as string).exec(text as string);
    if (!match) throw new Error(`regex: no match for ${JSON.stringify(text)}`);
    return match[0];
  },
};

const operators: Record<string, (a: unknown, b: unknown) => unknown> = {
  logicalAnd: (a, b) => a === true && b === true,
  logicalOr: (a, b) => a === true || b === true,
  equal: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  notEqual: (a, b) => JSON.stringify(a) !== JSON.stringify(b),
  greaterThan: (a, b) => (a as number) > (b as number),
  greaterThanOrEqual: (a, b) => (a as number) >= (b as number),
  lessThan: (a, b) => (a as number) < (b as number),
  lessThanOrEqual: (a, b) => (a as number) <= (b as number),
};

function evaluateNode(node: AstNode, scope: Scope): unknown {
  switch (node.type) {
    case "templateWrap":
      return evaluateNode(node.children[0], scope);
    case "template":
      return node.children.map((child) => String(evaluateNode(child, scope))).join("");
    case "literalValue":
      if (node.meta.type === "number") return Number(node.meta.value);
      if (node.meta.type === "bool") return node.meta.value === "true";
      return unescape(node.meta.value);
    case "tuple":
      return node.children.map((child) => evaluateNode(child, scope));
    case "scopeTraversal": {
      const name: string = node.meta.fullAccessor;
      if (!(name in scope)) throw new Error(`unknown reference ${name}`);
      return scope[name];
    }
    case "binaryOp": {
      const op = operators[node.meta.operator];
      if (!op) throw new Error(`unsupported operator ${node.meta.operator}`);
      return op(evaluateNode(node.children[0], scope), evaluateNode(node.children[1], scope));
    }
    case "function": {
      if (node.meta.name === "can") {
        try {
          evaluateNode(node.children[0], scope);
          return true;
        } catch {
          return false;
        }
      }
      const fn = functions[node.meta.name];
      if (!fn) throw new Error(`unsupported function ${node.meta.name}`);
      return fn(node.children.map((child) => evaluateNode(child, scope)));
    }
    case "for": {
      if (node.meta.keyVar || node.children.length !== 2) throw new Error("unsupported for expression");
      const [collection, body] = node.children;
      return (evaluateNode(collection, scope) as unknown[]).map((item) =>
        evaluateNode(body, { ...scope, [node.meta.valVar]: item }),
      );
    }
    default:
      throw new Error(`unsupported expression ${node.type}: ${node.meta.value}`);
  }
}

/** Evaluates a Terraform JSON string expression (`${...}` template) with `var.<name>` bound. */
export async function evaluateExpression(expression: string, scope: Scope): Promise<unknown> {
  const ast = (await getExpressionAst("validation.tf", `"${expression}"`)) as unknown as AstNode;
  return evaluateNode(ast, scope);
}

/**
 * The error `terraform plan` reports for `value` given to variable `name` of a
 * synthesized stack, or `undefined` when every validation block passes.
 */
export async function variableError(tf: TfJson, name: string, value: unknown): Promise<string | undefined> {
  const variable = tf.variable?.[name];
  if (!variable) throw new Error(`the stack declares no variable ${name}`);
  const scope = { [`var.${name}`]: value };
  for (const rule of variable.validation ?? []) {
    const ok = await evaluateExpression(rule.condition, scope);
    if (ok !== true) return String(await evaluateExpression(rule.error_message, scope));
  }
  return undefined;
}
