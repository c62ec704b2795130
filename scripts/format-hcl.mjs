#!/usr/bin/env node
// The last step of `npm run synth:hcl`: makes every cdktf.out/stacks/<stack>/cdk.tf that
// `cdktf synth --hcl` writes what `terraform fmt` would write and what `terraform init` loads
// without a warning, on any machine (no terraform binary needed):
// - an interpolation-only string, "${aws_sqs_queue.q.arn}", becomes the bare expression
//   (cdktf quotes every reference; terraform fmt unquotes them);
// - a quoted reference in depends_on, ignore_changes or provider loses its quotes
//   (terraform init warns "Quoted references are deprecated"; fmt leaves them);
// - then HashiCorp's hclwrite.Format, the layout half of terraform fmt (Go compiled to
//   WebAssembly, @cdktf/hcl-tools).
// Each file is parsed with HashiCorp's parser before and after; a file whose configuration
// would change is left alone and the step fails.
//
// Usage: node scripts/format-hcl.mjs [synth output folder, default cdktf.out]
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";

/** Meta-arguments that Terraform 0.11 wrote as quoted references, by the block they belong to. */
const REFERENCE_ARGUMENTS = {
  depends_on: ["resource", "data", "module", "output"],
  provider: ["resource", "data"],
  ignore_changes: ["lifecycle"],
};
const REFERENCE = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\[\d+\])*$/;
const IDENTIFIER = /^[A-Za-z_][\w-]*/;

/**
 * Finds the edits that unquote `text`: every interpolation-only string that is a whole value
 * (an argument's value, a list element, an object value, a function argument) and every quoted
 * reference in a reference meta-argument. Object keys, block labels and strings inside
 * interpolations, heredocs and comments are left as they are.
 */
function unquoteEdits(text) {
  const edits = [];
  const n = text.length;
  // A body (the file, a block) knows its block type and the argument being read;
  // brackets and objects nest inside it.
  const body = (type) => ({ body: true, type, header: null, argument: null, statementStart: true });
  const frames = [body(null)];
  const top = () => frames[frames.length - 1];
  const enclosingBody = () => frames.findLast((frame) => frame.body);
  let i = 0;

  while (i < n) {
    const c = text[i];
    const frame = top();
    const opaque = opaqueEnd(text, i);
    if (c === "\n") {
      if (frame.body) Object.assign(frame, { header: null, argument: null, statementStart: true });
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (opaque !== undefined) {
      i = opaque;
    } else if (c === '"') {
      const template = scanTemplate(text, i);
      const isLabel = frame.body && frame.argument === null;
      if (!isLabel && isWholeValue(text, i, template.end)) {
        const replacement = unquoted(text, template, enclosingBody());
        if (replacement !== undefined) edits.push({ start: i, end: template.end, replacement });
      }
      frame.statementStart = false;
      i = template.end;
    } else if (c === "{") {
      // In a body, a brace after a block's type and labels opens the block; after "=" an object.
      frames.push(frame.body && frame.argument === null ? body(frame.header) : {});
      i++;
    } else if (c === "[" || c === "(") {
      frames.push({});
      i++;
    } else if (c === "}" || c === "]" || c === ")") {
      if (frames.length === 1) throw new Error(`unbalanced "${c}" at offset ${i}`);
      frames.pop();
      i++;
    } else if (frame.body && frame.statementStart && IDENTIFIER.test(text.slice(i, i + 256))) {
      const name = IDENTIFIER.exec(text.slice(i, i + 256))[0];
      let j = i + name.length;
      while (text[j] === " " || text[j] === "\t") j++;
      if (text[j] === "=" && text[j + 1] !== "=") frame.argument = name;
      else frame.header = name;
      frame.statementStart = false;
      i = j;
    } else {
      frame.statementStart = false;
      i++;
    }
  }
  if (frames.length !== 1) throw new Error("unbalanced brackets at the end of the file");
  return edits;
}

/** A quoted template starting at `start`: its end (after the closing quote) and its parts. */
function scanTemplate(text, start) {
  const parts = [];
  let literal = false;
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return { start, end: i + 1, parts, literal };
    if (c === "\n") break;
    if (c === "\\") {
      literal = true;
      i += 2;
    } else if ((c === "$" || c === "%") && text[i + 1] === c && text[i + 2] === "{") {
      // $${ and %%{ are escapes for a literal ${ and %{
      literal = true;
      i += 3;
    } else if ((c === "$" || c === "%") && text[i + 1] === "{") {
      const close = expressionEnd(text, i + 2);
      parts.push({ kind: c === "$" ? "interpolation" : "directive", open: i, close });
      i = close + 1;
    } else {
      literal = true;
      i++;
    }
  }
  throw new Error(`unterminated string at offset ${start}`);
}

/** The offset of the "}" that closes the interpolation or directive whose body starts at `start`. */
function expressionEnd(text, start) {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    const opaque = opaqueEnd(text, i);
    if (c === '"') {
      i = scanTemplate(text, i).end;
    } else if (opaque !== undefined) {
      i = opaque;
    } else if (c === "{" || c === "[" || c === "(") {
      depth++;
      i++;
    } else if (c === "}" && depth === 0) {
      return i;
    } else if (c === "}" || c === "]" || c === ")") {
      depth--;
      i++;
    } else {
      i++;
    }
  }
  throw new Error(`unterminated interpolation at offset ${start}`);
}

/** Where a comment or heredoc starting at `start` ends (its text is never rewritten), or undefined. */
function opaqueEnd(text, start) {
  const c = text[start];
  if (c === "#" || (c === "/" && text[start + 1] === "/")) return lineEnd(text, start);
  if (c === "/" && text[start + 1] === "*") return commentEnd(text, start);
  if (c === "<" && text[start + 1] === "<") return heredocEnd(text, start);
  return undefined;
}

function lineEnd(text, start) {
  const end = text.indexOf("\n", start);
  return end === -1 ? text.length : end;
}

function commentEnd(text, start) {
  const end = text.indexOf("*/", start + 2);
  if (end === -1) throw new Error(`unterminated comment at offset ${start}`);
  return end + 2;
}

/** After a heredoc (`<<EOT` or `<<-EOT` up to the line holding only EOT); its text is left alone. */
function heredocEnd(text, start) {
  const marker = /^<<-?([A-Za-z_][\w-]*)[ \t]*\r?\n/.exec(text.slice(start, start + 300));
  if (!marker) throw new Error(`unsupported "<<" at offset ${start}`);
  let i = start + marker[0].length;
  while (i < text.length) {
    const end = lineEnd(text, i);
    if (text.slice(i, end).trim() === marker[1]) return end;
    i = end + 1;
  }
  throw new Error(`unterminated heredoc ${marker[1]} at offset ${start}`);
}

/**
 * Whether the string from `start` to `end` stands alone: after "=", "[", "(", "{", "," or a line
 * break, and before ",", "]", ")", "}", a comment or a line break. An object key (before "=" or
 * ":") and an operand (`"${a || b}" == c`) keep their quotes, which may carry meaning.
 */
function isWholeValue(text, start, end) {
  let before = start - 1;
  while (text[before] === " " || text[before] === "\t") before--;
  const opens =
    before < 0 || "[({,\n".includes(text[before]) || (text[before] === "=" && !"=!<>".includes(text[before - 1]));
  let after = end;
  while (text[after] === " " || text[after] === "\t") after++;
  const closes =
    after >= text.length ||
    ",])}\r\n#".includes(text[after]) ||
    (text[after] === "/" && (text[after + 1] === "/" || text[after + 1] === "*"));
  return opens && closes;
}

/** The bare form of a quoted template, or undefined when its quotes must stay. */
function unquoted(text, template, body) {
  const { start, end, parts, literal } = template;
  if (!literal && parts.length === 1 && parts[0].kind === "interpolation") {
    // Strip markers (${~ ... ~}) trim the literal text around them; there is none here.
    const expression = text
      .slice(parts[0].open + 2, parts[0].close)
      .replace(/^~/, "")
      .replace(/~$/, "")
      .trim();
    // As terraform fmt does: a multi-line expression keeps its meaning only in parentheses.
    return expression.includes("\n") && !(expression.startsWith("(") && expression.endsWith(")"))
      ? `(${expression})`
      : expression;
  }
  if (
    Object.hasOwn(REFERENCE_ARGUMENTS, body.argument) &&
    REFERENCE_ARGUMENTS[body.argument].includes(body.type) &&
    parts.length === 0
  ) {
    const reference = text.slice(start + 1, end - 1);
    if (REFERENCE.test(reference)) return reference;
  }
  return undefined;
}

function applyEdits(text, edits) {
  let result = "";
  let from = 0;
  for (const { start, end, replacement } of edits) {
    result += text.slice(from, start) + replacement;
    from = end;
  }
  return result + text.slice(from);
}

/**
 * The configuration HashiCorp's parser reads, in a form the format step must not change.
 * The parser gives an expression's source text, so layout spaces (outside quotes) are dropped;
 * it reads `x = a.b` as "${a.b}" and a quoted reference argument as "a.b", so both read "a.b".
 */
function meaning(value, key) {
  if (Array.isArray(value)) return value.map((item) => meaning(item, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, meaning(v, k)]));
  }
  if (typeof value !== "string") return value;
  const bare = /^\$\{(.*)\}$/s.exec(value);
  if (Object.hasOwn(REFERENCE_ARGUMENTS, key) && bare && REFERENCE.test(bare[1])) return bare[1];
  return value.includes("${") ? withoutLayout(value) : value;
}

/** `text` without the spaces and line breaks outside its quoted strings. */
function withoutLayout(text) {
  let result = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === "\\") {
      result += c + text[++i];
    } else {
      if (c === '"') quoted = !quoted;
      if (quoted || !/\s/.test(c)) result += c;
    }
  }
  return result;
}

/** `text` (one cdk.tf) unquoted and formatted; throws when the result would mean something else. */
export async function formatHcl(fileName, rendered) {
  const text = quoteAccountIds(rendered);
  let edits;
  try {
    edits = unquoteEdits(text);
  } catch (error) {
    throw new Error(`${fileName}: ${error.message}`);
  }
  const formatted = await format(applyEdits(text, edits));
  const result = formatted.endsWith("\n") ? formatted : `${formatted}\n`;
  const [before, after] = await Promise.all([parse(fileName, text), parse(fileName, result)]);
  if (JSON.stringify(meaning(before)) !== JSON.stringify(meaning(after))) {
    throw new Error(`${fileName}: formatting would change the configuration`);
  }
  return result;
}

/**
 * cdktf 0.21 renders a backend block's `allowed_account_ids` strings without quotes (the provider's it
 * quotes): Terraform would read numbers, and an account ID with a leading zero would lose it. Quoted back.
 */
export function quoteAccountIds(text) {
  return text.replace(/(allowed_account_ids\s*=\s*\[)([^\]]*)\]/g, (_, open, body) => {
    return `${open}${body.replace(/(?<!["\w])(\d+)(?!["\w])/g, '"$1"')}]`;
  });
}

/**
 * Formats every stacks/<stack>/cdk.tf under `outdir` in place and returns the stack names;
 * writes nothing unless every file formats.
 */
export async function formatStacks(outdir) {
  const stacksDir = join(outdir, "stacks");
  const files = (existsSync(stacksDir) ? readdirSync(stacksDir) : [])
    .sort()
    .map((name) => ({ name, file: join(stacksDir, name, "cdk.tf") }))
    .filter(({ file }) => existsSync(file));
  if (files.length === 0) throw new Error(`no ${join(stacksDir, "<stack>", "cdk.tf")}: run "cdktf synth --hcl" first`);
  const results = await Promise.all(files.map(({ file }) => formatHcl(file, readFileSync(file, "utf8"))));
  files.forEach(({ file }, i) => writeFileSync(file, results[i]));
  return files.map(({ name }) => name);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? "cdktf.out";
  formatStacks(outdir).then(
    (stacks) => console.log(`Formatted ${stacks.map((name) => join(outdir, "stacks", name, "cdk.tf")).join(", ")}`),
    (error) => {
      console.error(`format-hcl: ${error.message}`);
      process.exit(1);
    },
  );
}
