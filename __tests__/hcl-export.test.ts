import { Fn } from "cdktf";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { QueueWithDlq } from "../constructs";
import { parseHcl, shapeOf, stringifiedTokens, synthAppHcl } from "./support/hcl";
import { TfJson, pipelineStacks, synthApp, synthConstructs } from "./support/tf";

describe("the HCL export (cdktf synth --hcl)", () => {
  let hcl: Record<string, string>;
  let json: Record<string, TfJson>;
  let parsed: Record<string, TfJson>;
  beforeAll(async () => {
    hcl = synthAppHcl();
    json = synthApp().stacks;
    parsed = Object.fromEntries(
      await Promise.all(Object.entries(hcl).map(async ([name, text]) => [name, await parseHcl("cdk.tf", text)])),
    );
  });

  test("writes a cdk.tf for every stack the app synthesizes", () => {
    expect(Object.keys(hcl).sort()).toEqual(Object.keys(json).sort());
  });

  test("is accepted by HashiCorp's HCL parser for every stack", () => {
    for (const name of Object.keys(hcl))
      expect(parsed[name]).toEqual(expect.objectContaining({ resource: expect.any(Object) }));
  });

  test("declares the same resources, data sources, variables, outputs and providers as the JSON synth, with the same attribute names", () => {
    for (const name of Object.keys(json)) {
      const shape = shapeOf(json[name], false);
      expect(Object.keys(shape).length).toBeGreaterThanOrEqual(10);
      expect(shapeOf(parsed[name], true)).toEqual(shape);
    }
  });

  test("keeps the backend settings, native locking included", () => {
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
