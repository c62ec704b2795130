import { TerraformOutput, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { EncryptionKey, NodeRuntime, QueueWithDlq, QueueWithDlqProps, SqsLambda, SqsLambdaProps } from "../constructs";
import {
  BUNDLE_PATH,
  TfJson,
  idWhere,
  onlyResource,
  resourcesOf,
  statementsOf,
  synthConstructs,
  synthError,
  viaServiceCondition,
} from "./support/tf";

function addFunction(
  scope: Construct,
  props: Partial<SqsLambdaProps> = {},
  queueProps: Partial<QueueWithDlqProps> = {},
): SqsLambda {
  const source = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue", ...queueProps });
  return new SqsLambda(scope, "Fn", {
    functionName: "p-ProcessOrderLambda",
    bundlePath: BUNDLE_PATH,
    source,
    ...props,
  });
}

function errorOf(props: Partial<SqsLambdaProps>, queueProps: Partial<QueueWithDlqProps> = {}): string {
  return synthError((scope) => addFunction(scope, props, queueProps));
}

describe("SqsLambda with default props", () => {
  let tf: TfJson;
  let fn: TfJson;
  let queueId: string;
  beforeAll(() => {
    tf = synthConstructs((scope) => addFunction(scope));
    fn = onlyResource(tf, "aws_lambda_function");
    queueId = idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueue");
  });

  test("runs Node.js 22 on arm64 with a 30 s timeout and 256 MB", () => {
    expect(fn).toMatchObject({
      function_name: "p-ProcessOrderLambda",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      timeout: 30,
      memory_size: 256,
    });
  });

  test("zips the bundle with a fixed file mode, whatever the build machine's umask", () => {
    expect(onlyResource(tf, "archive_file", "data").output_file_mode).toBe("0644");
  });

  test("deploys the archive_file zip of the bundle asset, with its hash", () => {
    const archiveId = Object.keys(resourcesOf(tf, "archive_file", "data"))[0];
    const archive = resourcesOf(tf, "archive_file", "data")[archiveId];
    expect(archive.type).toBe("zip");
    expect(archive.source_file).toMatch(/^assets\/Fn_Bundle_[0-9A-F]+\/[0-9A-F]+\/index\.js$/);
    expect(archive.output_path).toBe(`${archive.source_file}.zip`);
    expect(fn.filename).toBe(`\${data.archive_file.${archiveId}.output_path}`);
    expect(fn.source_code_hash).toBe(`\${data.archive_file.${archiveId}.output_base64sha256}`);
  });

  test("traces with X-Ray", () => {
    expect(fn.tracing_config).toEqual({ mode: "Active" });
  });

  test("creates its own log group with a 30-day retention and logs JSON into it", () => {
    const logGroup = onlyResource(tf, "aws_cloudwatch_log_group");
    const logGroupId = Object.keys(resourcesOf(tf, "aws_cloudwatch_log_group"))[0];
    expect(logGroup).toEqual({ name: "/aws/lambda/p-ProcessOrderLambda", retention_in_days: 30 });
    expect(fn.logging_config).toEqual({
      log_format: "JSON",
      log_group: `\${aws_cloudwatch_log_group.${logGroupId}.name}`,
      application_log_level: "INFO",
      system_log_level: "WARN",
    });
    expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${logGroupId}`);
  });

  test("lets only Lambda assume its role", () => {
    const role = onlyResource(tf, "aws_iam_role");
    expect(role.name).toBe("p-ProcessOrderLambda");
    expect(statementsOf(tf, role.assume_role_policy)).toEqual([
      {
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
        actions: ["sts:AssumeRole"],
      },
    ]);
  });

  test("grants exactly the log, queue and trace actions it uses, on its own resources", () => {
    const logGroupId = Object.keys(resourcesOf(tf, "aws_cloudwatch_log_group"))[0];
    const policy = onlyResource(tf, "aws_iam_role_policy");
    expect(statementsOf(tf, policy.policy)).toEqual([
      {
        sid: "WriteOwnLogs",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`\${aws_cloudwatch_log_group.${logGroupId}.arn}:*`],
      },
      {
        sid: "WriteTraces",
        effect: "Allow",
        actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        resources: ["*"],
      },
      {
        sid: "ConsumeQ",
        effect: "Allow",
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        resources: [`\${aws_sqs_queue.${queueId}.arn}`],
      },
    ]);
  });

  test("reserves as much concurrency as the mapping may use, so the poller is never throttled", () => {
    expect(fn.reserved_concurrent_executions).toBe(10);
    expect(onlyResource(tf, "aws_lambda_event_source_mapping").scaling_config.maximum_concurrency).toBe(10);
  });

  test("attaches no managed policy", () => {
    expect(resourcesOf(tf, "aws_iam_role_policy_attachment")).toEqual({});
  });

  test("maps its queue to the function with partial batch responses", () => {
    const fnId = Object.keys(resourcesOf(tf, "aws_lambda_function"))[0];
    const policyId = Object.keys(resourcesOf(tf, "aws_iam_role_policy"))[0];
    expect(onlyResource(tf, "aws_lambda_event_source_mapping")).toEqual({
      event_source_arn: `\${aws_sqs_queue.${queueId}.arn}`,
      function_name: `\${aws_lambda_function.${fnId}.arn}`,
      batch_size: 10,
      maximum_batching_window_in_seconds: 0,
      function_response_types: ["ReportBatchItemFailures"],
      scaling_config: { maximum_concurrency: 10 },
      depends_on: [`aws_iam_role_policy.${policyId}`],
    });
  });
});

describe("SqsLambda's references", () => {
  test("point at its function's name and ARN", () => {
    const tf = synthConstructs((scope) => {
      const fn = addFunction(scope);
      new TerraformOutput(scope, "name", { value: fn.functionName });
      new TerraformOutput(scope, "arn", { value: fn.functionArn });
    });
    expect([tf.output.name.value, tf.output.arn.value]).toEqual([
      expect.stringMatching(/^\$\{aws_lambda_function\.Fn_Function_\w+\.function_name\}$/),
      expect.stringMatching(/^\$\{aws_lambda_function\.Fn_Function_\w+\.arn\}$/),
    ]);
  });
});

describe("SqsLambda overrides", () => {
  test("passes batch size, batching window and maximum concurrency to the mapping", () => {
    const tf = synthConstructs((scope) =>
      addFunction(
        scope,
        { batchSize: 100, maximumBatchingWindowSeconds: 5, maximumConcurrency: 50 },
        { visibilityTimeoutSeconds: 185 },
      ),
    );
    expect(onlyResource(tf, "aws_lambda_event_source_mapping")).toMatchObject({
      batch_size: 100,
      maximum_batching_window_in_seconds: 5,
      scaling_config: { maximum_concurrency: 50 },
    });
  });

  test("uses the given runtime, architecture, memory, timeout and environment", () => {
    const tf = synthConstructs((scope) =>
      addFunction(
        scope,
        {
          runtime: "nodejs24.x",
          architecture: "x86_64",
          memorySizeMb: 1024,
          timeoutSeconds: 10,
          environment: { A: "1" },
        },
        { visibilityTimeoutSeconds: 60 },
      ),
    );
    expect(onlyResource(tf, "aws_lambda_function")).toMatchObject({
      runtime: "nodejs24.x",
      architectures: ["x86_64"],
      memory_size: 1024,
      timeout: 10,
      environment: { variables: { A: "1" } },
    });
  });

  test("sets reserved concurrency when given", () => {
    const tf = synthConstructs((scope) => addFunction(scope, { reservedConcurrentExecutions: 25 }));
    expect(onlyResource(tf, "aws_lambda_function").reserved_concurrent_executions).toBe(25);
  });

  test("follows a raised maximum concurrency with its reserved concurrency", () => {
    const tf = synthConstructs((scope) => addFunction(scope, { maximumConcurrency: 40 }));
    expect(onlyResource(tf, "aws_lambda_function").reserved_concurrent_executions).toBe(40);
  });

  test("grants kms:Decrypt on the queue's customer key through SQS only", () => {
    const tf = synthConstructs((scope) =>
      addFunction(scope, {}, { encryptionKey: new EncryptionKey(scope, "K", { alias: "k", description: "k" }) }),
    );
    expect(statementsOf(tf, onlyResource(tf, "aws_iam_role_policy").policy)).toContainEqual({
      sid: "DecryptQ",
      effect: "Allow",
      actions: ["kms:Decrypt"],
      resources: [`\${aws_kms_key.${Object.keys(resourcesOf(tf, "aws_kms_key"))[0]}.arn}`],
      condition: [viaServiceCondition("sqs")],
    });
  });

  test("adds statements from grants to its one role policy", () => {
    const tf = synthConstructs((scope) =>
      addFunction(scope).addToRolePolicy({
        sid: "Extra",
        effect: "Allow",
        actions: ["s3:GetObject"],
        resources: ["arn:aws:s3:::b/k"],
      }),
    );
    expect(Object.keys(resourcesOf(tf, "aws_iam_role_policy"))).toHaveLength(1);
    expect(statementsOf(tf, onlyResource(tf, "aws_iam_role_policy").policy).map((s) => s.sid)).toEqual([
      "WriteOwnLogs",
      "WriteTraces",
      "ConsumeQ",
      "Extra",
    ]);
  });

  test("takes memory and log retention from Terraform variables without checking them at synth", () => {
    const tf = synthConstructs((scope) => {
      const memory = new TerraformVariable(scope, "memory", { type: "number" });
      const retention = new TerraformVariable(scope, "retention", { type: "number" });
      addFunction(scope, { memorySizeMb: memory.numberValue, logRetentionDays: retention.numberValue });
    });
    expect(onlyResource(tf, "aws_lambda_function").memory_size).toBe("${var.memory}");
    expect(onlyResource(tf, "aws_cloudwatch_log_group").retention_in_days).toBe("${var.retention}");
  });
});

describe("SqsLambda fed by an imported queue", () => {
  const queueArn = "arn:aws:sqs:us-east-1:111122223333:shared-orders";

  test("maps the existing queue to the function and grants consuming it", () => {
    const tf = synthConstructs(
      (scope) =>
        new SqsLambda(scope, "Fn", {
          functionName: "p-Fn",
          bundlePath: BUNDLE_PATH,
          source: QueueWithDlq.fromQueueArn(scope, "Shared", queueArn),
        }),
    );
    expect(onlyResource(tf, "aws_lambda_event_source_mapping").event_source_arn).toBe(queueArn);
    expect(statementsOf(tf, onlyResource(tf, "aws_iam_role_policy").policy)[2]).toEqual({
      sid: "ConsumeShared",
      effect: "Allow",
      actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      resources: [queueArn],
    });
  });

  test("checks the visibility timeout it was imported with against the function timeout", () => {
    expect(
      synthError(
        (scope) =>
          new SqsLambda(scope, "Fn", {
            functionName: "p-Fn",
            bundlePath: BUNDLE_PATH,
            source: QueueWithDlq.fromQueueArn(scope, "Shared", queueArn, { visibilityTimeoutSeconds: 30 }),
          }),
      ),
    ).toContain(
      "source queue visibilityTimeoutSeconds must be at least 6 x timeoutSeconds + maximumBatchingWindowSeconds = 180",
    );
  });

  test("leaves the visibility rule to plan time when the queue was imported with a variable's timeout", () => {
    const tf = synthConstructs((scope) => {
      const visibility = new TerraformVariable(scope, "visibility", { type: "number" });
      new SqsLambda(scope, "Fn", {
        functionName: "p-Fn",
        bundlePath: BUNDLE_PATH,
        source: QueueWithDlq.fromQueueArn(scope, "Shared", queueArn, {
          visibilityTimeoutSeconds: visibility.numberValue,
        }),
      });
    });
    expect(onlyResource(tf, "aws_lambda_event_source_mapping").event_source_arn).toBe(queueArn);
  });
});

describe("SqsLambda validation", () => {
  test("rejects a queue visibility timeout shorter than six function timeouts", () => {
    expect(errorOf({ timeoutSeconds: 60 })).toBe(
      "Invalid SqsLambda props at stack/Fn:\n" +
        "  - source queue visibilityTimeoutSeconds must be at least 6 x timeoutSeconds + maximumBatchingWindowSeconds = 360 " +
        "(given visibilityTimeoutSeconds 180, timeoutSeconds 60, maximumBatchingWindowSeconds 0)",
    );
  });

  test("counts the batching window in the visibility timeout rule", () => {
    expect(errorOf({ maximumBatchingWindowSeconds: 1 })).toContain(
      "source queue visibilityTimeoutSeconds must be at least 6 x timeoutSeconds + maximumBatchingWindowSeconds = 181 " +
        "(given visibilityTimeoutSeconds 180, timeoutSeconds 30, maximumBatchingWindowSeconds 1)",
    );
  });

  test("rejects a batch size over 10 without a batching window", () => {
    expect(errorOf({ batchSize: 11 })).toContain(
      "batchSize must be an integer between 1 and 10 without a batching window, or up to 10000 with maximumBatchingWindowSeconds >= 1 (given 11)",
    );
  });

  test("rejects a batch size over 10000 with a batching window", () => {
    expect(errorOf({ batchSize: 10001, maximumBatchingWindowSeconds: 1 }, { visibilityTimeoutSeconds: 181 })).toContain(
      "batchSize must be an integer between 1 and 10000 (given 10001)",
    );
  });

  test("rejects a function name over 64 characters", () => {
    const name = "f".repeat(65);
    expect(errorOf({ functionName: name })).toContain(
      `functionName must be 1-64 characters of letters, digits, - and _ (given "${name}", 65 characters)`,
    );
  });

  test("rejects the end-of-life Node.js 20 runtime", () => {
    expect(errorOf({ runtime: "nodejs20.x" as NodeRuntime })).toContain(
      'runtime must be one of "nodejs22.x", "nodejs24.x" (given "nodejs20.x")',
    );
  });

  test("rejects a log retention CloudWatch does not offer", () => {
    expect(errorOf({ logRetentionDays: 10 })).toContain(
      "logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (given 10)",
    );
  });

  test("rejects reserved concurrency below the mapping's maximum concurrency", () => {
    expect(errorOf({ maximumConcurrency: 20, reservedConcurrentExecutions: 19 })).toBe(
      "Invalid SqsLambda props at stack/Fn:\n" +
        "  - reservedConcurrentExecutions must be at least maximumConcurrency (20), or the event source mapping's " +
        "poller is throttled and good messages reach the dead-letter queue early (given 19)",
    );
  });

  test("rejects a maximum concurrency of 1", () => {
    expect(errorOf({ maximumConcurrency: 1 })).toContain(
      "maximumConcurrency must be an integer between 2 and 1000 (given 1)",
    );
  });

  test("rejects memory under 128 MB", () => {
    expect(errorOf({ memorySizeMb: 64 })).toContain("memorySizeMb must be an integer between 128 and 10240 (given 64)");
  });

  test("rejects a handler whose module is not the bundle's file", () => {
    expect(errorOf({ handler: "main.handler" })).toContain(
      'handler must be "<module>.<export>" where <module> is the bundle\'s file name (given handler "main.handler" and bundle "index.js")',
    );
  });

  test("rejects a log level, batching window and reserved concurrency out of range, in one error", () => {
    expect(
      errorOf({
        applicationLogLevel: "VERBOSE" as "INFO",
        maximumBatchingWindowSeconds: 301,
        reservedConcurrentExecutions: 1001,
      }).split("\n"),
    ).toEqual([
      "Invalid SqsLambda props at stack/Fn:",
      '  - applicationLogLevel must be one of "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" (given "VERBOSE")',
      "  - maximumBatchingWindowSeconds must be an integer between 0 and 300 (given 301)",
      "  - reservedConcurrentExecutions must be an integer between 0 and 1000 (given 1001)",
      "  - source queue visibilityTimeoutSeconds must be at least 6 x timeoutSeconds + maximumBatchingWindowSeconds = 481 (given visibilityTimeoutSeconds 180, timeoutSeconds 30, maximumBatchingWindowSeconds 301)",
    ]);
  });

  test("leaves reserved concurrency from a Terraform variable to plan time", () => {
    const tf = synthConstructs((scope) => {
      const reserved = new TerraformVariable(scope, "reserved", { type: "number" });
      addFunction(scope, { reservedConcurrentExecutions: reserved.numberValue });
    });
    expect(onlyResource(tf, "aws_lambda_function").reserved_concurrent_executions).toBe("${var.reserved}");
  });

  test.each([
    ["0", 0],
    ["1.5", 1.5],
  ])("rejects a batch size of %s without a batching window", (given, batchSize) => {
    expect(errorOf({ batchSize })).toBe(
      "Invalid SqsLambda props at stack/Fn:\n" +
        `  - batchSize must be an integer between 1 and 10 without a batching window, or up to 10000 with maximumBatchingWindowSeconds >= 1 (given ${given})`,
    );
  });

  test.each([1, 10])("accepts a batch size of %s without a batching window", (batchSize) => {
    const tf = synthConstructs((scope) => addFunction(scope, { batchSize }));
    expect(onlyResource(tf, "aws_lambda_event_source_mapping").batch_size).toBe(batchSize);
  });

  test.each([
    ["an export after a second dot", "index.nested.handler", "index.js"],
    ["an export that is not an identifier", "index.handler!", "index.js"],
    ["a bundle whose name holds .js but does not end in it", "ab.handler", "a.jsb"],
  ])("rejects a handler with %s", (_, handler, bundle) => {
    expect(errorOf({ handler, bundlePath: `/bundles/${bundle}` })).toContain(
      `handler must be "<module>.<export>" where <module> is the bundle's file name (given handler "${handler}" and bundle "${bundle}")`,
    );
  });

  test("reports every problem in one error", () => {
    const message = errorOf({ timeoutSeconds: 901, memorySizeMb: 1, architecture: "sparc" as "arm64" });
    expect(message.split("\n")).toEqual([
      "Invalid SqsLambda props at stack/Fn:",
      '  - architecture must be one of "arm64", "x86_64" (given "sparc")',
      "  - timeoutSeconds must be an integer between 1 and 900 (given 901)",
      "  - memorySizeMb must be an integer between 128 and 10240 (given 1)",
      "  - source queue visibilityTimeoutSeconds must be at least 6 x timeoutSeconds + maximumBatchingWindowSeconds = 5406 (given visibilityTimeoutSeconds 180, timeoutSeconds 901, maximumBatchingWindowSeconds 0)",
    ]);
  });
});
