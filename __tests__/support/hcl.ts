import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";
import { buildApp, configurationFromEnv } from "../../stacks/app";
import { TfJson } from "./tf-json";

const ROOT = path.join(__dirname, "..", "..");

/** The HCL export of the real app, as `npm run synth:hcl` leaves it. */
export interface HclExport {
  /** The synth output folder, after the format step. */
  readonly outdir: string;
  /** Each stack's cdk.tf as `cdktf synth --hcl` wrote it, before the format step. */
  readonly raw: Record<string, string>;
  /** Each stack's cdk.tf after the format step (scripts/format-hcl.mjs). */
  readonly hcl: Record<string, string>;
}

/**
 * Synthesizes the real app the way `npm run synth:hcl` does: the app in HCL mode, hclwrite.Format
 * over each cdk.tf (what `cdktf synth --hcl` does after the app), then the format step.
 */
export async function synthAppHcl(): Promise<HclExport> {
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
  const file = (name: string) => path.join(outdir, "stacks", name, "cdk.tf");
  const names = fs.readdirSync(path.join(outdir, "stacks"));
  const read = (): Record<string, string> =>
    Object.fromEntries(names.map((name) => [name, fs.readFileSync(file(name), "utf8")]));
  for (const name of names) fs.writeFileSync(file(name), await format(fs.readFileSync(file(name), "utf8")));
  const raw = read();
  const step = formatHclStep(outdir);
  if (step.status !== 0) throw new Error(`scripts/format-hcl.mjs failed:\n${step.stderr}`);
  return { outdir, raw, hcl: read() };
}

/** Runs the format step of `npm run synth:hcl` (scripts/format-hcl.mjs) on a synth output folder. */
export function formatHclStep(outdir: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [path.join(ROOT, "scripts", "format-hcl.mjs"), outdir], {
    encoding: "utf8",
    // A guard against a hang only: the step takes 1 s here, 15 s beside two CPU burners.
    timeout: 150_000,
  });
}

/**
 * Values written as an interpolation-only string, `= "${aws_sqs_queue.q.arn}"` (also in lists and
 * objects): what terraform fmt rewrites. A portable stand-in for `terraform fmt -check`'s unquoting
 * half, line by line; `terraform fmt -check` itself runs where a terraform binary exists.
 */
export function interpolationOnlyValues(text: string): string[] {
  const value = /(^|[=[(,{])\s*"\$\{([^"\\]|\\.|"([^"\\]|\\.)*")*\}"\s*([,\])}]|$)/;
  return text.split("\n").filter((line) => value.test(line.trim()));
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
