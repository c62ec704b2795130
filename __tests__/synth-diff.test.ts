import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compareSynths, formatDifferences } from "../scripts/synth-diff.cjs";
import { TfJson, pipelineStacks, synthApp } from "./support/tf";

// The comparison npm run check:fork applies to our synth and CDK Terrain's, on a real synth of
// this app and copies of it changed the way a fork could change them.
describe("comparing two synths of the app (scripts/synth-diff.cjs)", () => {
  let ours: string;
  /** A pipeline stack, another (the same when the configuration has one environment), and the bootstrap stack. */
  let pipeline: string;
  let otherPipeline: string;
  let bootstrap: string;
  beforeAll(() => {
    const app = synthApp();
    ours = app.outdir;
    const pipelines = Object.keys(pipelineStacks(app.stacks)).sort();
    [pipeline, otherPipeline] = [pipelines[0], pipelines[pipelines.length - 1]];
    bootstrap = Object.keys(app.stacks).find((stack) => !pipelines.includes(stack))!;
  });

  /** A copy of our synth with `change` applied to one stack's cdk.tf.json. */
  function changed(stack: string, change: (tf: TfJson) => TfJson | void): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-diff-"));
    fs.cpSync(ours, dir, { recursive: true });
    const file = path.join(dir, "stacks", stack, "cdk.tf.json");
    const tf = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(file, JSON.stringify(change(tf) ?? tf, null, 2));
    return dir;
  }

  /** The same data with every object's keys in reverse order. */
  const reversed = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(reversed)
      : value !== null && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value)
              .reverse()
              .map(([k, v]) => [k, reversed(v)]),
          )
        : value;

  test("finds nothing between a synth and itself with other key order and other // metadata", () => {
    const theirs = changed(pipeline, (tf) => {
      tf["//"] = { metadata: { version: "0.24.0", stackName: pipeline, backend: "s3" } };
      Object.values(tf.resource.aws_sqs_queue as Record<string, TfJson>)[0]["//"] = { metadata: { path: "elsewhere" } };
      return reversed(tf) as TfJson;
    });
    expect(compareSynths(ours, theirs)).toEqual([]);
  });

  test("accepts a different provider source and version, and reports each difference", () => {
    let source = "";
    const theirs = changed(otherPipeline, (tf) => {
      source = tf.terraform.required_providers.aws.source;
      tf.terraform.required_providers.aws = { source: "fork/aws", version: "99.0.0" };
    });
    const found = compareSynths(ours, theirs);
    expect(found.map((d) => [d.path, d.allowed])).toEqual([
      ["terraform.required_providers.aws.source", true],
      ["terraform.required_providers.aws.version", true],
    ]);
    expect(formatDifferences(found)[0]).toBe(
      `  accepted  stacks/${otherPipeline}/cdk.tf.json: terraform.required_providers.aws.source: "${source}" -> "fork/aws"`,
    );
  });

  test.each<[string, (tf: TfJson) => void, string]>([
    [
      "a resource attribute",
      (tf) => (Object.values(tf.resource.aws_sqs_queue as Record<string, TfJson>)[0].message_retention_seconds = 60),
      "resource.aws_sqs_queue.",
    ],
    ["a resource of another type name", (tf) => delete tf.resource.aws_dynamodb_table, "resource.aws_dynamodb_table"],
    ["the provider's configuration", (tf) => (tf.provider.aws[0].region = "eu-west-1"), "provider.aws[0].region"],
    ["the state backend", (tf) => (tf.terraform.backend.s3.key = "elsewhere.tfstate"), "terraform.backend.s3.key"],
    ["an output", (tf) => (tf.output.queue_url.value = "x"), "output.queue_url.value"],
    ["a list element", (tf) => tf.provider.aws.push({ alias: "second" }), "provider.aws[1]"],
    [
      "the terraform block beside required_providers",
      (tf) => (tf.terraform.required_version = ">= 1.0"),
      "terraform.required_version",
    ],
    ["required_providers as a whole", (tf) => delete tf.terraform.required_providers, "terraform.required_providers"],
  ])("fails on a difference in %s", (_where, change, where) => {
    const found = compareSynths(
      ours,
      changed(pipeline, (tf) => {
        change(tf);
      }),
    );
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((d) => !d.allowed).map((d) => d.path)).toEqual([expect.stringContaining(where)]);
    expect(
      formatDifferences(found).some((line) => line.startsWith(`  DIFFERENT stacks/${pipeline}/cdk.tf.json: `)),
    ).toBe(true);
  });

  test("fails on a stack only one synth has", () => {
    const theirs = fs.mkdtempSync(path.join(os.tmpdir(), "orders-diff-"));
    fs.cpSync(ours, theirs, { recursive: true });
    fs.rmSync(path.join(theirs, "stacks", bootstrap), { recursive: true });
    const found = compareSynths(ours, theirs);
    expect(found.map((d) => [d.file, d.path, d.allowed])).toEqual([
      [`stacks/${bootstrap}/cdk.tf.json`, "(the whole file)", false],
      [`stacks/${bootstrap}/versions.tf.json`, "(the whole file)", false],
    ]);
  });
});
