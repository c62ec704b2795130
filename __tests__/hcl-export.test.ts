import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Fn } from "cdktf";
import { format } from "@cdktf/hcl-tools";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { QueueWithDlq } from "../constructs";
import {
  HclExport,
  formatHclStep,
  interpolationOnlyValues,
  parseHcl,
  shapeOf,
  stringifiedTokens,
  synthAppHcl,
} from "./support/hcl";
import { configLoadingDiagnostics, describeWithTerraform, terraform } from "./support/terraform";
import { TfJson, pipelineStacks, synthApp, synthConstructs } from "./support/tf";

const FIXTURES = path.join(__dirname, "fixtures", "format-hcl");
/**
 * For a hook that synthesizes and runs the format step: each WebAssembly parser or formatter it
 * loads takes about a second of CPU, which becomes tens of seconds on a starved 2-core machine.
 */
const SEVERAL_PROCESSES = 180_000;

/** Writes `files` (stack name -> cdk.tf text) as a synth output folder and returns it. */
function outdirWith(files: Record<string, string>): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-hcl-fixture-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(outdir, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(outdir, "stacks", name, "cdk.tf"), text);
  }
  return outdir;
}

/** Every depends_on entry of a configuration read by HashiCorp's parser. */
function dependsOnEntries(tf: TfJson): string[] {
  return Object.values((tf.resource ?? {}) as Record<string, TfJson>)
    .flatMap((byName) => Object.values(byName as Record<string, TfJson[]>))
    .flatMap((blocks) => blocks[0].depends_on ?? []);
}

describe("the HCL export (npm run synth:hcl)", () => {
  let exported: HclExport;
  let json: Record<string, TfJson>;
  let parsed: Record<string, TfJson>;
  let parsedRaw: Record<string, TfJson>;
  beforeAll(async () => {
    exported = await synthAppHcl();
    json = synthApp().stacks;
    const parseAll = async (texts: Record<string, string>) =>
      Object.fromEntries(
        await Promise.all(Object.entries(texts).map(async ([name, text]) => [name, await parseHcl("cdk.tf", text)])),
      );
    [parsed, parsedRaw] = await Promise.all([parseAll(exported.hcl), parseAll(exported.raw)]);
  }, SEVERAL_PROCESSES);

  test("writes a cdk.tf for every stack the app synthesizes", () => {
    expect(Object.keys(exported.hcl).sort()).toEqual(Object.keys(json).sort());
  });

  test("is accepted by HashiCorp's HCL parser for every stack", () => {
    for (const name of Object.keys(exported.hcl))
      expect(parsed[name]).toEqual(expect.objectContaining({ resource: expect.any(Object) }));
  });

  test("declares the same resources, data sources, variables, outputs and providers as the JSON synth, with the same attribute names", () => {
    for (const name of Object.keys(json)) {
      const shape = shapeOf(json[name], false);
      expect(Object.keys(shape).length).toBeGreaterThanOrEqual(10);
      expect(shapeOf(parsed[name], true)).toEqual(shape);
    }
  });

  test("keeps the backend settings, account IDs as strings and native locking included", () => {
    for (const name of Object.keys(json)) {
      const [type] = Object.keys(json[name].terraform.backend);
      expect(parsed[name].terraform[0].backend[type][0]).toEqual(json[name].terraform.backend[type]);
    }
    expect(json["orders-dev"].terraform.backend.s3.use_lockfile).toBe(true);
  });

  test("renders the redrive policy as jsonencode with the same reference", () => {
    const queueOf = (tf: TfJson, asHcl: boolean): string => {
      const queues = Object.values(tf.resource.aws_sqs_queue) as TfJson[];
      const queue = queues.map((q) => (asHcl ? q[0] : q)).find((q) => q.redrive_policy);
      return String(queue!.redrive_policy).replace(/\s+/g, "");
    };
    for (const name of Object.keys(pipelineStacks(json))) {
      expect(queueOf(parsed[name], true)).toBe(queueOf(json[name], false));
    }
  });

  test("means what cdktf wrote: the parser reads the same configuration before and after the format step", () => {
    // The parser reads a bare reference as "${x}" and a quoted depends_on entry as "x"; cdktf writes a
    // backend's allowed_account_ids unquoted (numbers), which the format step quotes back (strings).
    const bare = (tf: TfJson): TfJson =>
      JSON.parse(
        JSON.stringify(tf)
          .replace(/"depends_on":\[[^\]]*\]/g, (list) => list.replace(/\$\{([^}]*)\}/g, "$1"))
          .replace(/"allowed_account_ids":\[[^\]]*\]/g, (list) => list.replace(/(?<!")\b(\d+)\b(?!")/g, '"$1"')),
      );
    for (const name of Object.keys(exported.raw)) {
      expect(exported.hcl[name]).not.toBe(exported.raw[name]);
      expect(bare(parsed[name])).toEqual(bare(parsedRaw[name]));
    }
  });

  test("writes no interpolation-only string, where cdktf writes dozens", () => {
    for (const name of Object.keys(exported.hcl)) {
      expect(interpolationOnlyValues(exported.raw[name]).length).toBeGreaterThan(5);
      expect({ name, found: interpolationOnlyValues(exported.hcl[name]) }).toEqual({ name, found: [] });
    }
  });

  test("is laid out as hclwrite.Format lays it out (the layout half of terraform fmt)", async () => {
    for (const [name, text] of Object.entries(exported.hcl)) {
      expect({ name, changed: (await format(text)) !== text }).toEqual({ name, changed: false });
    }
  });

  test("names each depends_on entry as a reference, where cdktf quotes it", () => {
    for (const name of Object.keys(pipelineStacks(json))) {
      expect(dependsOnEntries(parsedRaw[name]).length).toBeGreaterThan(0);
      for (const entry of dependsOnEntries(parsedRaw[name])) expect(entry).toMatch(/^[\w.]+$/);
      for (const entry of dependsOnEntries(parsed[name])) expect(entry).toMatch(/^\$\{[\w.]+\}$/);
    }
  });

  test("names no absolute path of the build machine", () => {
    for (const text of Object.values(exported.hcl)) {
      expect(text).not.toContain(path.resolve(__dirname, ".."));
      expect(text).not.toContain(exported.outdir);
    }
  });

  test("manifest.json names a metadata.json per stack, which only the HCL synth writes", () => {
    const manifestOf = (outdir: string) => JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    const jsonOutdir = synthApp().outdir;
    for (const name of Object.keys(json)) {
      const metadataPath = `stacks/${name}/metadata.json`;
      expect(manifestOf(exported.outdir).stacks[name].stackMetadataPath).toBe(metadataPath);
      expect(manifestOf(jsonOutdir).stacks[name].stackMetadataPath).toBe(metadataPath);
      expect(fs.existsSync(path.join(exported.outdir, metadataPath))).toBe(true);
      expect(fs.existsSync(path.join(jsonOutdir, metadataPath))).toBe(false);
    }
  });

  describeWithTerraform("checked by terraform itself", () => {
    test("terraform fmt -check accepts every cdk.tf", async () => {
      const result = await terraform(exported.outdir, ["fmt", "-check", "-recursive", "-no-color", "stacks"]);
      expect({ code: result.code, changed: result.stdout }).toEqual({ code: 0, changed: "" });
    });

    test("terraform fmt -check rejects every cdk.tf as cdktf writes it", async () => {
      const raw = outdirWith(exported.raw);
      const result = await terraform(raw, ["fmt", "-check", "-recursive", "-no-color", "stacks"]);
      expect(result.code).toBe(3);
      expect(result.stdout.trim().split("\n").sort()).toEqual(
        Object.keys(exported.raw).map((name) => path.join("stacks", name, "cdk.tf")),
      );
    });

    test("terraform init -backend=false loads every stack without a warning", async () => {
      for (const name of Object.keys(exported.hcl)) {
        const reported = await configLoadingDiagnostics(path.join(exported.outdir, "stacks", name));
        expect({ name, reported }).toEqual({ name, reported: [] });
      }
    });

    test("terraform init -backend=false warns about the quoted references cdktf writes", async () => {
      const raw = outdirWith({ "orders-dev": exported.raw["orders-dev"] });
      const reported = await configLoadingDiagnostics(path.join(raw, "stacks", "orders-dev"));
      expect(reported.length).toBeGreaterThan(0);
      for (const d of reported) {
        expect(d).toMatchObject({ severity: "warning", summary: "Quoted references are deprecated" });
      }
    });
  });
});

describe("the format step (scripts/format-hcl.mjs)", () => {
  const input = fs.readFileSync(path.join(FIXTURES, "input.tf"), "utf8");
  const expected = fs.readFileSync(path.join(FIXTURES, "expected.tf"), "utf8");
  let formatted: string;
  beforeAll(() => {
    const outdir = outdirWith({ edge: input });
    expect(formatHclStep(outdir).status).toBe(0);
    formatted = fs.readFileSync(path.join(outdir, "stacks", "edge", "cdk.tf"), "utf8");
  }, SEVERAL_PROCESSES);

  test("unquotes interpolation-only values and quoted references, and leaves keys, operands, templates, heredocs and comments alone", () => {
    expect(formatted).toBe(expected);
  });

  test("fails on a file it cannot read, naming it, and writes no file", () => {
    const broken = 'resource "terraform_data" "x" {\n  input = "${1}"\n';
    const outdir = outdirWith({ a: input, b: broken });
    const result = formatHclStep(outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `format-hcl: ${path.join(outdir, "stacks", "b", "cdk.tf")}: unbalanced brackets at the end of the file\n`,
    );
    expect(fs.readFileSync(path.join(outdir, "stacks", "a", "cdk.tf"), "utf8")).toBe(input);
    expect(fs.readFileSync(path.join(outdir, "stacks", "b", "cdk.tf"), "utf8")).toBe(broken);
  });

  test("fails when the folder holds no cdk.tf, saying which synth writes one", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-hcl-empty-"));
    const result = formatHclStep(outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `format-hcl: no ${path.join(outdir, "stacks", "<stack>", "cdk.tf")}: run "cdktf synth --hcl" first\n`,
    );
  });

  describeWithTerraform("checked by terraform itself", () => {
    test("terraform fmt -check accepts the result and rejects the input", async () => {
      const outdir = outdirWith({ before: input, after: formatted });
      const result = await terraform(outdir, ["fmt", "-check", "-recursive", "-no-color", "stacks"]);
      expect({ code: result.code, changed: result.stdout }).toEqual({
        code: 3,
        changed: `${path.join("stacks", "before", "cdk.tf")}\n`,
      });
    });

    test("terraform init loads the result without a warning, and the input with quoted-reference warnings", async () => {
      const outdir = outdirWith({ before: input, after: formatted });
      expect(await configLoadingDiagnostics(path.join(outdir, "stacks", "after"))).toEqual([]);
      const warnings = await configLoadingDiagnostics(path.join(outdir, "stacks", "before"));
      expect(new Set(warnings.map((d) => `${d.severity}: ${d.summary}`))).toEqual(
        new Set(["warning: Quoted references are deprecated"]),
      );
    });
  });
});

describe("the parser the export test relies on", () => {
  test("rejects the HCL that JSON.stringify over a token produces", async () => {
    const broken =
      'resource "aws_sqs_queue" "q" {\n  redrive_policy = "{" deadLetterTargetArn ":" $ { aws_sqs_queue.dlq.arn } "}"\n}\n';
    await expect(parseHcl("cdk.tf", broken)).rejects.toThrow(/Invalid character/);
  });

  test("rejects the terraform block cdktf renders for an overridden required_version", async () => {
    await expect(parseHcl("cdk.tf", 'terraform {\n  0 = "required_version"\n}\n')).rejects.toThrow(
      /Argument or block definition required/,
    );
  });
});

describe("JSON attributes with references", () => {
  test("no stack holds JSON text with a ${...} reference inside (the pattern that breaks the export)", () => {
    for (const [name, tf] of Object.entries(synthApp().stacks)) {
      expect({ stack: name, found: stringifiedTokens(tf) }).toEqual({ stack: name, found: [] });
    }
  });

  test("the check catches a redrive policy built with JSON.stringify", () => {
    const tf = synthConstructs((scope) => {
      const dlq = new SqsQueue(scope, "dlq", { name: "dlq" });
      new SqsQueue(scope, "q", {
        name: "q",
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }),
      });
    });
    expect(stringifiedTokens(tf)).toEqual([".resource.aws_sqs_queue.q.redrive_policy"]);
  });

  test("the check passes the same policy built with jsonencode", () => {
    const tf = synthConstructs((scope) => {
      const dlq = new SqsQueue(scope, "dlq", { name: "dlq" });
      new SqsQueue(scope, "q", { name: "q", redrivePolicy: Fn.jsonencode({ deadLetterTargetArn: dlq.arn }) });
    });
    expect(stringifiedTokens(tf)).toEqual([]);
  });

  test("the constructs' own JSON attributes pass the check", () => {
    expect(stringifiedTokens(synthConstructs((scope) => new QueueWithDlq(scope, "Q", { queueName: "q" })))).toEqual([]);
  });
});
