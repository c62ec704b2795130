import { TfJson } from "./tf";

/**
 * The value of a `${jsonencode({...})}` attribute as cdktf writes it (an HCL object of quoted keys,
 * literals and bare references), read back as JSON: each bare reference becomes the string
 * `${reference}`. Enough for bodies the project builds as data (no `=` or quotes inside labels).
 */
export function parseJsonencode(attribute: string): TfJson {
  const match = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(attribute);
  if (!match) throw new Error(`not a jsonencode expression: ${attribute.slice(0, 80)}`);
  const json = match[1]
    .replace(/("(?:[^"\\]|\\.)*")\s*=\s*/g, "$1: ")
    .replace(/(?<=[[,:]\s*)([a-z][a-z0-9_]*\.[A-Za-z_][\w-]*\.[a-z_]+)(?=\s*[,\]}])/g, '"${$1}"');
  return JSON.parse(json);
}
