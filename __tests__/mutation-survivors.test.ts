import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { QueueWithDlq, SqsLambda } from "../constructs";
import { readConfiguration } from "../config/environments";
import {
  BUNDLE_PATH,
  TfJson,
  onlyResource,
  pipelineStacks,
  processOrderFunction,
  resourcesOf,
  synthApp,
  synthConstructs,
} from "./support/tf";

/**
 * Behaviours that hand-made defects showed no test guarded (issue 20: realistic mutants of
 * constructs/, config/ and stacks/ that the suite let through). Each test here fails on its
 * defect: the function created before its role policy, the state backend in the resources'
 * region, reservedConcurrentExecutions' default not following maximumConcurrency, an environment name
 * one character longer or shorter than allowed. Each owns its fixture (its own environments file).
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-survivors-"));

function environmentsFile(name: string, environments: unknown[]): string {
  const file = path.join(dir, name);
  // A protected environment names its account, and the state lives there too.
  const pinned = environments.map((e) => ({ account: "111122223333", ...(e as Record<string, unknown>) }));
  fs.writeFileSync(file, JSON.stringify({ environments: pinned }));
  return file;
}

describe("the function and its role policy", () => {
  let tf: TfJson;
  beforeAll(() => {
    tf = synthConstructs((scope) => {
      const source = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue" });
      new SqsLambda(scope, "Fn", { functionName: "p-ProcessOrderLambda", bundlePath: BUNDLE_PATH, source });
    });
  });

  test("the function is created after its role policy, so it can write its first log lines", () => {
    const policyId = Object.keys(resourcesOf(tf, "aws_iam_role_policy"))[0];
    expect(processOrderFunction(tf).depends_on).toContain(`aws_iam_role_policy.${policyId}`);
  });

  test("the function is created after its log group, so Lambda does not create an unmanaged one", () => {
    const logGroupId = Object.keys(resourcesOf(tf, "aws_cloudwatch_log_group"))[0];
    expect(processOrderFunction(tf).depends_on).toContain(`aws_cloudwatch_log_group.${logGroupId}`);
  });

  test("the event source mapping is created after the role policy that lets it read the queue", () => {
    const policyId = Object.keys(resourcesOf(tf, "aws_iam_role_policy"))[0];
    expect(onlyResource(tf, "aws_lambda_event_source_mapping").depends_on).toEqual([`aws_iam_role_policy.${policyId}`]);
  });
});

describe("the state backend's region", () => {
  test("is ORDERS_STATE_REGION, not the region of the resources", () => {
    const file = environmentsFile("regions.json", [{ name: "dev" }, { name: "prod", region: "ap-southeast-2" }]);
    const { stacks } = synthApp({
      ORDERS_ENVIRONMENTS_FILE: file,
      ORDERS_REGION: "eu-west-1",
      ORDERS_STATE_REGION: "us-west-2",
    });
    const pipelines = pipelineStacks(stacks);
    expect(Object.keys(pipelines).sort()).toEqual(["orders-dev", "orders-prod"]);
    for (const tf of Object.values(pipelines)) expect(tf.terraform.backend.s3.region).toBe("us-west-2");
    expect(pipelines["orders-dev"].provider.aws[0].region).toBe("eu-west-1");
    expect(pipelines["orders-prod"].provider.aws[0].region).toBe("ap-southeast-2");
  });
});

describe("reservedConcurrentExecutions' default", () => {
  test("follows the environment's maximumConcurrency, so setting only that synthesizes", () => {
    const file = environmentsFile("concurrency.json", [{ name: "dev", maximumConcurrency: 50 }]);
    const configuration = readConfiguration({ ORDERS_ENVIRONMENTS_FILE: file }, dir);
    expect(configuration.environments[0]).toMatchObject({ maximumConcurrency: 50, reservedConcurrentExecutions: 50 });
    const { stacks } = synthApp({ ORDERS_ENVIRONMENTS_FILE: file });
    const lambda = processOrderFunction(stacks["orders-dev"]);
    expect(lambda.reserved_concurrent_executions).toBe(50);
  });
});

describe("an environment name's length", () => {
  const read = (name: string) => () =>
    readConfiguration({ ORDERS_ENVIRONMENTS_FILE: environmentsFile(`${name.length}.json`, [{ name }]) }, dir);

  test("of 14 characters is accepted", () => {
    expect(read("a".repeat(14))().environments[0].name).toBe("a".repeat(14));
  });

  test("of 1 character is accepted", () => {
    expect(read("a")().environments[0].name).toBe("a");
  });

  test("of 15 characters is refused", () => {
    expect(read("a".repeat(15))).toThrow(/environment #1: name must be 1-14 characters/);
  });
});
