import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { environmentFrom, parseEnvironments } from "../config/environments";
import { LAMBDA_LIMITS } from "../constructs/defaults";
import { QueueWithDlq } from "../constructs/queue-with-dlq";
import { SqsLambda } from "../constructs/sqs-lambda";
import { OrderPipelineStack } from "../stacks/order-pipeline-stack";
import { VariablesPlan, describeWithTerraform, mapLimit, planVariables, variablesFolder } from "./support/terraform";
import { BUNDLE_PATH, TfJson, synthError } from "./support/tf";
import { synthAppInProcess as synthApp } from "./support/tf-json";

/**
 * Every limit of a setting is defined once, in constructs/defaults.ts: here Lambda's memory limit
 * is changed there alone (a module mock, as an adopter would edit the file), and the environments
 * file's check, the construct's check, the stack's check and the Terraform variable's validation
 * (condition, words and the real terraform binary's verdict) all follow.
 */
const NEW_LIMIT = { min: 256, max: 3008 };

jest.mock("../constructs/defaults", () => {
  const actual = jest.requireActual("../constructs/defaults");
  return { ...actual, LAMBDA_LIMITS: { ...actual.LAMBDA_LIMITS, memorySizeMb: { min: 256, max: 3008 } } };
});

/** An environments file of this test's own, in a fresh folder. */
function environmentsFile(environments: unknown[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-limit-")), "environments.json");
  fs.writeFileSync(file, JSON.stringify({ environments }));
  return file;
}

test("the mock changes the one definition of Lambda's memory limit", () => {
  expect(LAMBDA_LIMITS.memorySizeMb).toEqual(NEW_LIMIT);
});

describe("a memory limit changed in constructs/defaults.ts alone", () => {
  test("bounds memorySizeMb in the environments file, at both ends", () => {
    const text = JSON.stringify({
      environments: [
        { name: "low", memorySizeMb: 128 },
        { name: "high", memorySizeMb: 4096 },
      ],
    });
    expect(parseEnvironments(text, "environments.json", { region: "us-east-1" }).problems).toEqual([
      'environments.json: environment "low": memorySizeMb must be a whole number from 256 to 3008 (given 128)',
      'environments.json: environment "high": memorySizeMb must be a whole number from 256 to 3008 (given 4096)',
    ]);
  });

  test("bounds SqsLambda's memorySizeMb prop", () => {
    const message = synthError((scope) => {
      const source = new QueueWithDlq(scope, "Q", { queueName: "q" });
      new SqsLambda(scope, "F", { functionName: "f", bundlePath: BUNDLE_PATH, source, memorySizeMb: 4096 });
    });
    expect(message.split("\n").slice(1)).toEqual([
      "  - memorySizeMb must be an integer between 256 and 3008 (given 4096)",
    ]);
  });

  test("bounds the memory a stack puts into its variable's default", () => {
    const build = (): OrderPipelineStack =>
      new OrderPipelineStack(Testing.app(), "orders-x", {
        environment: { ...environmentFrom({ name: "x", deletionProtection: false }), memorySizeMb: 4096 },
        prefix: "orders-x",
        backend: { bucket: "b", region: "us-east-1", keyPrefix: "p", kmsKeyId: "alias/orders-state" },
        functionBundlePath: BUNDLE_PATH,
      });
    expect(build).toThrow(
      "Invalid OrderPipelineStack props at orders-x:\n  - memorySizeMb must be a whole number from 256 to 3008 (given 4096)",
    );
  });

  describe("in the synthesized function_memory_mb variable", () => {
    let variable: TfJson;
    beforeAll(() => {
      const file = environmentsFile([{ name: "limits", memorySizeMb: 512, account: "111122223333" }]);
      variable = synthApp({ ORDERS_ENVIRONMENTS_FILE: file }).stacks["orders-limits"].variable.function_memory_mb;
    });

    test("checks the new range in its validation condition and says it in its message", () => {
      expect(variable.validation).toEqual([
        {
          condition:
            "${var.function_memory_mb >= 256 && var.function_memory_mb <= 3008 && floor(var.function_memory_mb) == var.function_memory_mb}",
          error_message:
            "function_memory_mb must be a whole number from 256 to 3008 (given ${var.function_memory_mb}).",
        },
      ]);
    });

    test("states the new range in its description", () => {
      expect(variable.description).toBe("Memory of ProcessOrderLambda in MB, a whole number from 256 to 3008.");
    });
  });
});

describeWithTerraform("terraform plan judges function_memory_mb by the changed limit", () => {
  const rejected = [128, 4096];
  const accepted = [256, 3008];
  let plans: Map<number, VariablesPlan>;
  beforeAll(async () => {
    const file = environmentsFile([{ name: "limits", memorySizeMb: 512, account: "111122223333" }]);
    const tf = synthApp({ ORDERS_ENVIRONMENTS_FILE: file }).stacks["orders-limits"];
    const dir = await variablesFolder(tf.variable);
    const values = [...rejected, ...accepted];
    const results = await mapLimit(values, 2, (memory) => planVariables(dir, { function_memory_mb: memory }));
    plans = new Map(values.map((memory, i) => [memory, results[i]]));
  }, 120_000);

  test.each(rejected)("rejects %j in the new range's words", (memory) => {
    expect(plans.get(memory)).toEqual({
      code: 1,
      errors: [`function_memory_mb must be a whole number from 256 to 3008 (given ${memory}).`],
    });
  });

  test.each(accepted)("accepts %j, at an end of the new range", (memory) => {
    expect(plans.get(memory)).toEqual({ code: 0, errors: [] });
  });
});
