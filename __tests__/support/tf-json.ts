import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TfJson, resourcesOf } from "../../policy/terraform-json";
import { RUN_FOLDER_VARIABLE } from "./run-folder";

/**
 * Synthesized stacks, read the way cdktf writes them, without loading cdktf: what a test that only
 * reads a synth needs (tf.ts adds what builds constructs, and re-exports all of this).
 */

export type { TfJson } from "../../policy/terraform-json";
export { numberValue, resourcesOf } from "../../policy/terraform-json";

/** The only resource of `type`; fails when there are none or several. */
export function onlyResource(tf: TfJson, type: string, kind: "resource" | "data" = "resource"): TfJson {
  const all = Object.values(resourcesOf(tf, type, kind));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

/**
 * The pipeline's own ProcessOrderLambda in a synthesized pipeline stack: found by its name
 * (`<prefix>-ProcessOrderLambda`), so a consumer an adopter adds beside it is never taken for it.
 */
export function processOrderFunction(tf: TfJson): TfJson {
  const found = Object.values(resourcesOf(tf, "aws_lambda_function")).filter((fn) =>
    String(fn.function_name).endsWith("-ProcessOrderLambda"),
  );
  if (found.length !== 1) throw new Error(`expected one ProcessOrderLambda, found ${found.length}`);
  return found[0];
}

/** The `archive_file` data source that zips ProcessOrderLambda's bundle (its `filename` names it). */
export function processOrderArchive(tf: TfJson): TfJson {
  const match = /^\$\{data\.archive_file\.([^.]+)\.output_path\}$/.exec(String(processOrderFunction(tf).filename));
  const archive = match ? resourcesOf(tf, "archive_file", "data")[match[1]] : undefined;
  if (!archive)
    throw new Error(`ProcessOrderLambda's filename names no archive_file: ${processOrderFunction(tf).filename}`);
  return archive;
}

/**
 * The resources of `type` that the stack's child construct `id` created (their metadata path is
 * `<stack>/<id>/...`): the template's own parts (`Alarms`, `ProcessOrderLambda`), not an adopter's beside them.
 */
export function inConstruct(tf: TfJson, type: string, id: string): TfJson[] {
  return Object.values(resourcesOf(tf, type)).filter((r) => String(r["//"]?.metadata?.path).split("/")[1] === id);
}

/** The logical ID of the resource whose attribute `key` equals `value`. */
export function idWhere(tf: TfJson, type: string, key: string, value: unknown): string {
  const entry = Object.entries(resourcesOf(tf, type)).find(([, r]) => r[key] === value);
  if (!entry) throw new Error(`no ${type} with ${key} = ${JSON.stringify(value)}`);
  return entry[0];
}

/** The `aws_iam_policy_document` data source a `${data.aws_iam_policy_document.X.json}` reference names, if any. */
export function policyDocumentOf(tf: TfJson, policyReference: unknown): TfJson | undefined {
  const match = /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(String(policyReference));
  return match ? resourcesOf(tf, "aws_iam_policy_document", "data")[match[1]] : undefined;
}

/** Follows `${data.aws_iam_policy_document.X.json}` to that document's statements. */
export function statementsOf(tf: TfJson, policyReference: string): TfJson[] {
  const document = policyDocumentOf(tf, policyReference);
  if (!document) throw new Error(`not a policy document reference: ${policyReference}`);
  return document.statement;
}

/** The `kms:ViaService` condition the constructs write for `service` in the stack's region. */
export function viaServiceCondition(service: string): TfJson {
  return {
    test: "StringEquals",
    variable: "kms:ViaService",
    values: [`${service}.\${data.aws_region.Region.region}.\${data.aws_partition.Partition.dns_suffix}`],
  };
}

/** The order pipeline stacks of an app (every stack but the state bootstrap). */
export function pipelineStacks(stacks: Record<string, TfJson>): Record<string, TfJson> {
  return Object.fromEntries(Object.entries(stacks).filter(([, tf]) => tf.resource?.aws_lambda_function));
}

export interface SynthesizedApp {
  readonly outdir: string;
  /** Parsed cdk.tf.json of each stack, by stack name. */
  readonly stacks: Record<string, TfJson>;
}

/** The jest run's folder (global-setup.js): `synth/` holds the project's configuration synthesized once. */
const RUN_FOLDER: string | undefined = process.env[RUN_FOLDER_VARIABLE];

/** The built app (main.ts), which the global setup builds before any test. */
const BUILT_APP = path.join(__dirname, "..", "..", "dist", "main.js");

/**
 * The real app (stacks/app.ts, as main.ts runs it) synthesized into a new temporary folder, every
 * stack read; `env` holds the ORDERS_* variables (none by default: the project's configuration).
 * In a jest run (the global setup made a run folder) the project's configuration is a copy of the
 * run's shared synth, and any other is synthesized by the built main.ts in a child process, as
 * `cdktf synth` runs it; a runner without the global setup (Stryker) synthesizes in this process.
 */
export function synthApp(env: NodeJS.ProcessEnv = {}): SynthesizedApp {
  const outdir = fs.mkdtempSync(path.join(RUN_FOLDER ?? os.tmpdir(), "orders-synth-"));
  if (RUN_FOLDER && Object.keys(env).length === 0) {
    fs.cpSync(path.join(RUN_FOLDER, "synth"), outdir, { recursive: true });
  } else if (RUN_FOLDER) {
    const unset = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(ORDERS_|CDKTF_)/.test(name)));
    const result = spawnSync(process.execPath, [BUILT_APP], {
      env: { ...unset, ...env, CDKTF_OUTDIR: outdir },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`synth failed (exit ${result.status}):\n${result.stderr}`);
  } else {
    synthInProcess(env, outdir);
  }
  return readSynth(outdir);
}

/**
 * The real app synthesized in this process, so a module mock of the test file (a changed limit) applies
 * to it, as `synthApp` outside jest does.
 */
export function synthAppInProcess(env: NodeJS.ProcessEnv = {}): SynthesizedApp {
  const outdir = fs.mkdtempSync(path.join(RUN_FOLDER ?? os.tmpdir(), "orders-synth-"));
  synthInProcess(env, outdir);
  return readSynth(outdir);
}

function synthInProcess(env: NodeJS.ProcessEnv, outdir: string): void {
  // Loaded here only: the app, cdktf and the providers cost a test file more than half a second.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { App } = require("cdktf") as typeof import("cdktf");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildApp, configurationFromEnv } = require("../../stacks/app") as typeof import("../../stacks/app");
  const app = new App({ outdir, stackTraces: false });
  buildApp(app, configurationFromEnv(env));
  app.synth();
}

function readSynth(outdir: string): SynthesizedApp {
  const stacks: Record<string, TfJson> = {};
  for (const name of fs.readdirSync(path.join(outdir, "stacks"))) {
    stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
  }
  return { outdir, stacks };
}
