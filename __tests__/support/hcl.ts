import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { parse } from "@cdktf/hcl2json";
import { buildApp, configurationFromEnv } from "../../main";
import { TfJson } from "./tf";

/** Synthesizes the real app as HCL (`cdktf synth --hcl`) and returns each stack's cdk.tf text. */
export function synthAppHcl(): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-hcl-"));
  // cdktf 0.21's stacks read HCL mode from SYNTH_HCL_OUTPUT (what `cdktf synth --hcl` sets), not from the App.
  const saved = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = "true";
  try {
    const app = new App({ outdir, hclOutput: true, stackTraces: false });
    buildApp(app, configurationFromEnv({}));
    app.synth();
  } finally {
    if (saved === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = saved;
  }
  const stacks: Record<string, string> = {};
  for (const name of fs.readdirSync(path.join(outdir, "stacks"))) {
    stacks[name] = fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf"), "utf8");
  }
  return stacks;
}

/** Parses HCL with HashiCorp's parser (hcl2json, the Go HCL library compiled to WebAssembly). */
export function parseHcl(fileName: string, text: string): Promise<TfJson> {
  return parse(fileName, text);
}

/**
 * The shape of a configuration: for every block (resource, data source, variable,
 * output, provider) its address and the names of its attributes and nested blocks.
 * `asHcl` reads hcl2json's form, where every block body is wrapped in a list.
 */
export function shapeOf(tf: TfJson, asHcl: boolean): Record<string, string[]> {
  const shape: Record<string, string[]> = {};
  const body = (value: TfJson): TfJson => (asHcl && Array.isArray(value) ? value[0] : value);
  const keys = (value: TfJson): string[] =>
    Object.keys(body(value))
      .filter((k) => k !== "//")
      .sort();
  for (const kind of ["resource", "data"]) {
    for (const [type, byName] of Object.entries((tf[kind] ?? {}) as Record<string, TfJson>)) {
      for (const [name, block] of Object.entries(byName)) shape[`${kind}.${type}.${name}`] = keys(block);
    }
  }
  for (const kind of ["variable", "output"]) {
    for (const [name, block] of Object.entries((tf[kind] ?? {}) as Record<string, TfJson>)) {
      shape[`${kind}.${name}`] = keys(block);
    }
  }
  for (const [name, blocks] of Object.entries((tf.provider ?? {}) as Record<string, TfJson[]>)) {
    shape[`provider.${name}`] = keys(blocks[0]);
  }
  return shape;
}

/**
 * Attributes whose value is JSON text with a `${...}` reference inside: the pattern
 * `JSON.stringify` over a token produces. Valid in cdk.tf.json, it renders as HCL that
 * no parser accepts; `jsonencode` or `aws_iam_policy_document` must be used instead.
 */
export function stringifiedTokens(tf: TfJson): string[] {
  const found: string[] = [];
  const visit = (value: unknown, where: string): void => {
    if (typeof value === "string") {
      const text = value.trim();
      if (text.includes("${") && (text.startsWith("{") || text.startsWith("["))) found.push(where);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${where}[${i}]`));
    } else if (value && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) if (key !== "//") visit(child, `${where}.${key}`);
    }
  };
  visit(tf, "");
  return found;
}
