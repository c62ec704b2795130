import * as path from "path";
import { Construct } from "constructs";
import { Testing } from "cdktf";
import {
  Architecture,
  FanoutTopic,
  NodeRuntime,
  OrdersTable,
  PipelineAlarms,
  QueueWithDlq,
  SqsLambda,
} from "../constructs";
import { Environment, environmentFrom, pipelineStackNames } from "../config/environments";
import { LOG_RETENTION_DAYS } from "../constructs/defaults";
import { configurationFromEnv } from "../stacks/app";
import { OrderPipelineStack } from "../stacks/order-pipeline-stack";
import { VariablesPlan, describeWithTerraform, mapLimit, planVariables, variablesFolder } from "./support/terraform";
import { BUNDLE_PATH, pipelineStacks, synthApp, synthError } from "./support/tf";

const queue = (scope: Construct, props: Partial<ConstructorParameters<typeof QueueWithDlq>[2]> = {}) =>
  new QueueWithDlq(scope, "Q", { queueName: "q", ...props });
const fn = (scope: Construct, props: Partial<ConstructorParameters<typeof SqsLambda>[2]> = {}, source = queue(scope)) =>
  new SqsLambda(scope, "F", { functionName: "f", bundlePath: BUNDLE_PATH, source, ...props });

describe("bad construct props fail synth with one message naming the prop, the rule and the value", () => {
  const cases: [string, (scope: Construct) => void, string[]][] = [
    [
      "a receive count out of range",
      (s) => queue(s, { maxReceiveCount: 0 }),
      ["maxReceiveCount must be an integer between 1 and 1000 (given 0)"],
    ],
    [
      "a DLQ turned off while a receive count is given",
      (s) => queue(s, { deadLetterQueue: false, maxReceiveCount: 5 }),
      ["maxReceiveCount applies only with a dead-letter queue, but deadLetterQueue is false (given maxReceiveCount 5)"],
    ],
    [
      "a queue name over AWS's 80 characters",
      (s) => queue(s, { queueName: "n".repeat(81) }),
      [
        `queueName must be 1-80 characters of letters, digits, - and _ (given "${"n".repeat(81)}", 81 characters)`,
        `deadLetterQueue.queueName must be 1-80 characters of letters, digits, - and _ (given "${"n".repeat(81)}DLQ", 84 characters)`,
      ],
    ],
    [
      "a DLQ that keeps messages no longer than its source",
      (s) => queue(s, { messageRetentionSeconds: 1209600, deadLetterQueue: { messageRetentionSeconds: 86400 } }),
      [
        "deadLetterQueue.messageRetentionSeconds must be longer than messageRetentionSeconds, because a message keeps its original enqueue time in the DLQ (given 86400 and 1209600)",
      ],
    ],
    [
      "a visibility timeout shorter than six function timeouts",
      (s) => fn(s, { timeoutSeconds: 31 }),
      [
        "source queue visibilityTimeoutSeconds must be at least 6 x timeoutSeconds + maximumBatchingWindowSeconds = 186 (given visibilityTimeoutSeconds 180, timeoutSeconds 31, maximumBatchingWindowSeconds 0)",
      ],
    ],
    [
      "a batch of 100 without a batching window",
      (s) => fn(s, { batchSize: 100 }),
      [
        "batchSize must be an integer between 1 and 10 without a batching window, or up to 10000 with maximumBatchingWindowSeconds >= 1 (given 100)",
      ],
    ],
    [
      "a function name over AWS's 64 characters",
      (s) => fn(s, { functionName: "f".repeat(65) }),
      [`functionName must be 1-64 characters of letters, digits, - and _ (given "${"f".repeat(65)}", 65 characters)`],
    ],
    [
      "an end-of-life runtime and an unknown architecture together",
      // Literal unions stop these in TypeScript; JavaScript and JSON callers still reach the check.
      (s) => fn(s, { runtime: "nodejs18.x" as NodeRuntime, architecture: "arm" as Architecture }),
      [
        'runtime must be one of "nodejs22.x", "nodejs24.x" (given "nodejs18.x")',
        'architecture must be one of "arm64", "x86_64" (given "arm")',
      ],
    ],
    [
      "reserved concurrency below the mapping's maximum concurrency",
      (s) => fn(s, { maximumConcurrency: 10, reservedConcurrentExecutions: 5 }),
      [
        "reservedConcurrentExecutions must be at least maximumConcurrency (10), or the event source mapping's poller is throttled and good messages reach the dead-letter queue early (given 5)",
      ],
    ],
    [
      "a topic name with a space",
      (s) => new FanoutTopic(s, "T", { topicName: "order topic" }),
      ['topicName must be 1-256 characters of letters, digits, - and _ (given "order topic", 11 characters)'],
    ],
    [
      "a table name over 255 characters",
      (s) => new OrdersTable(s, "O", { tableName: "t".repeat(256) }),
      [
        `tableName must be 3-255 characters of letters, digits, _, - and . (given "${"t".repeat(119)}... (258 characters), 256 characters)`,
      ],
    ],
    [
      "an alarm age threshold under a minute",
      (s) => {
        const q = queue(s);
        new PipelineAlarms(s, "A", {
          topicName: "a",
          queues: [q],
          consumers: [fn(s, {}, q)],
          oldestMessageAgeSeconds: 30,
        });
      },
      ["oldestMessageAgeSeconds must be an integer between 60 and 1209600 (given 30)"],
    ],
    [
      "alarms on a queue without a DLQ",
      (s) => {
        const q = queue(s, { deadLetterQueue: false });
        new PipelineAlarms(s, "A", { topicName: "a", queues: [q], consumers: [fn(s, {}, q)] });
      },
      ["queues[0] must have a dead-letter queue to watch (given stack/Q, which has none)"],
    ],
  ];

  test.each(cases)("rejects %s", (_, build, problems) => {
    const message = synthError(build);
    const [header, ...lines] = message.split("\n");
    expect(header).toMatch(/^Invalid \w+ props at stack\/\w+:$/);
    expect(lines).toEqual(problems.map((p) => `  - ${p}`));
  });
});

describe("bad stack props fail synth with one message naming the prop, the rule and the value", () => {
  // A good environment with bad values put in by hand: the stack's own check, not the configuration's.
  const stack =
    (environment: Partial<Environment>, kmsKeyId = "alias/orders-state") =>
    () =>
      new OrderPipelineStack(Testing.app(), "orders-x", {
        environment: { ...environmentFrom({ name: "x" }), ...environment },
        prefix: "orders-x",
        backend: { bucket: "b", region: "us-east-1", keyPrefix: "p", kmsKeyId },
        functionBundlePath: BUNDLE_PATH,
      });

  test("rejects a bad target, backend key and state role, and variable defaults, in the environment's words", () => {
    expect(
      stack(
        {
          region: "Frankfurt",
          account: "1234",
          roleArn: "arn:aws:iam::111122223333:user/deploy",
          stateRoleArn: "state",
          memorySizeMb: 64,
          logRetentionDays: 10,
          alarms: { ...environmentFrom({ name: "x" }).alarms, emails: ["ops"] },
        },
        "orders-state",
      ),
    ).toThrow(
      [
        "Invalid OrderPipelineStack props at orders-x:",
        '  - region must be an AWS region such as eu-west-1 (given "Frankfurt")',
        '  - account must be an AWS account ID: a string of 12 digits (given "1234")',
        '  - roleArn must be an IAM role ARN such as arn:aws:iam::111122223333:role/orders-deploy (given "arn:aws:iam::111122223333:user/deploy")',
        '  - backend.kmsKeyId must be "alias/<name>" or a KMS key ARN (given "orders-state")',
        '  - stateRoleArn must be an IAM role ARN such as arn:aws:iam::111122223333:role/orders-state (given "state")',
        "  - memorySizeMb must be a whole number from 128 to 10240 (given 64)",
        `  - logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")} (given 10)`,
        '  - alarms.emails must be a list of e-mail addresses such as ops@example.com (given ["ops"])',
      ].join("\n"),
    );
  });

  test("rejects a role outside the account the provider is pinned to", () => {
    expect(stack({ account: "111122223333", roleArn: "arn:aws:iam::444455556666:role/deploy" })).toThrow(
      [
        "Invalid OrderPipelineStack props at orders-x:",
        '  - roleArn must name a role in account 111122223333, the account the provider is pinned to (given "arn:aws:iam::444455556666:role/deploy")',
      ].join("\n"),
    );
  });
});

describeWithTerraform("bad Terraform variables fail terraform plan through their validation blocks", () => {
  const invalid: [string, unknown, string][] = [
    [
      "log_retention_days",
      10,
      "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (given 10).",
    ],
    ["function_memory_mb", 64, "function_memory_mb must be a whole number from 128 to 10240 (given 64)."],
    ["function_memory_mb", 10241, "function_memory_mb must be a whole number from 128 to 10240 (given 10241)."],
    ["function_memory_mb", 256.5, "function_memory_mb must be a whole number from 128 to 10240 (given 256.5)."],
    [
      "alarm_emails",
      ["ops@example.com", "not-an-address"],
      'alarm_emails must be a list of e-mail addresses such as ops@example.com (given ["ops@example.com","not-an-address"]).',
    ],
  ];
  const valid: [string, unknown][] = [
    ["log_retention_days", 1],
    ["log_retention_days", 3653],
    ["function_memory_mb", 128],
    ["function_memory_mb", 10240],
    ["alarm_emails", []],
    ["alarm_emails", ["ops@example.com", "on-call+orders@example.org"]],
  ];
  const EXAMPLE = path.resolve("terraform.tfvars.example");

  // One folder per stack holding only its variable blocks, initialized once; every plan runs
  // up front, a few at a time, and each test reads its own results.
  let plans: Map<string, VariablesPlan>;
  let stackNames: string[];
  const key = (stack: string, values: Record<string, unknown>, varFile?: string) =>
    JSON.stringify([stack, values, varFile ?? null]);
  const planOf = (stack: string, values: Record<string, unknown>, varFile?: string): VariablesPlan =>
    plans.get(key(stack, values, varFile))!;

  beforeAll(async () => {
    const stacks = pipelineStacks(synthApp().stacks);
    stackNames = Object.keys(stacks);
    const folders = await Promise.all(stackNames.map((name) => variablesFolder(stacks[name].variable)));
    const runs: { stack: string; dir: string; values: Record<string, unknown>; varFile?: string }[] =
      stackNames.flatMap((stack, i) => [
        ...[...invalid, ...valid].map(([name, value]) => ({ stack, dir: folders[i], values: { [name]: value } })),
        { stack, dir: folders[i], values: {} },
        { stack, dir: folders[i], values: {}, varFile: EXAMPLE },
      ]);
    const results = await mapLimit(runs, 4, (run) => planVariables(run.dir, run.values, run.varFile));
    plans = new Map(runs.map((run, i) => [key(run.stack, run.values, run.varFile), results[i]]));
  }, 180_000); // about 30 terraform processes: a few seconds, a minute on a starved machine

  test("runs for every pipeline stack of the configuration", () => {
    expect(stackNames.sort()).toEqual(pipelineStackNames(configurationFromEnv({})).sort());
  });

  test.each(invalid)("rejects %s = %j with the stack's own message and exit code 1", (name, value, message) => {
    for (const stack of stackNames) {
      expect({ stack, ...planOf(stack, { [name]: value }) }).toEqual({ stack, code: 1, errors: [message] });
    }
  });

  test.each(valid)("accepts %s = %j", (name, value) => {
    for (const stack of stackNames) {
      expect({ stack, ...planOf(stack, { [name]: value }) }).toEqual({ stack, code: 0, errors: [] });
    }
  });

  test("accepts every default", () => {
    for (const stack of stackNames) expect({ stack, ...planOf(stack, {}) }).toEqual({ stack, code: 0, errors: [] });
  });

  test("accepts every value in terraform.tfvars.example", () => {
    for (const stack of stackNames) {
      expect({ stack, ...planOf(stack, {}, EXAMPLE) }).toEqual({ stack, code: 0, errors: [] });
    }
  });
});
