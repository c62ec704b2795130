import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import {
  ALARM_RULES,
  ENVIRONMENT_RULES,
  VARIABLE_RULES,
  flag,
  given,
  matching,
  named,
  oneOf,
  terraformValidation,
} from "../config/settings";
import { validateTarget } from "../stacks/aws-provider";
import { buildApp, configurationFromEnv } from "../stacks/app";
import { SEED_NAMES } from "../stacks/order-pipeline-stack";
import { TfJson, inConstruct, pipelineStacks, processOrderFunction, synthApp } from "./support/tf";

// Counts validateTarget's calls; it still checks as it does.
jest.mock("../stacks/aws-provider", () => {
  const actual = jest.requireActual("../stacks/aws-provider");
  return { ...actual, validateTarget: jest.fn(actual.validateTarget) };
});

describe("each stack of the configuration", () => {
  test("checks its target once, with its other props", () => {
    const configuration = configurationFromEnv({});
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "orders-once-")) });
    jest.mocked(validateTarget).mockClear();
    const stacks = buildApp(app, configuration);
    const targets = jest.mocked(validateTarget).mock.calls.map(([, , target]) => target);
    expect(targets).toHaveLength(stacks.length);
    for (const environment of configuration.environments) {
      expect(targets.filter((target) => target === environment)).toHaveLength(1);
    }
  });
});

describe("an environment whose every setting differs from its default", () => {
  const environment = {
    name: "tuned",
    memorySizeMb: 1536,
    logRetentionDays: 60,
    deletionProtection: false,
    timeoutSeconds: 45,
    batchSize: 7,
    maximumConcurrency: 30,
    reservedConcurrentExecutions: 40,
    applicationLogLevel: "WARN",
    rawMessageDelivery: true,
    customerManagedKeys: true,
    alarms: {
      emails: ["oncall@example.com"],
      oldestMessageAgeSeconds: 120,
      functionErrorsThreshold: 2,
      functionThrottlesThreshold: 4,
      rejectedOrdersThreshold: 3,
      failedOrdersThreshold: 9,
      orderLatencyP99Ms: 12_345,
    },
  };
  let tf: TfJson;
  beforeAll(() => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-tuned-")), "environments.json");
    fs.writeFileSync(file, JSON.stringify({ environments: [environment] }));
    tf = synthApp({ ORDERS_ENVIRONMENTS_FILE: file, ORDERS_STATE_ACCOUNT: "111122223333" }).stacks["orders-tuned"];
  });

  test("reaches SqsLambda's props of the same names", () => {
    const fn = processOrderFunction(tf);
    const [mapping] = inConstruct(tf, "aws_lambda_event_source_mapping", SEED_NAMES.function);
    expect({
      memorySizeMb: tf.variable.function_memory_mb.default,
      logRetentionDays: tf.variable.log_retention_days.default,
      timeoutSeconds: fn.timeout,
      batchSize: mapping.batch_size,
      maximumConcurrency: mapping.scaling_config.maximum_concurrency,
      reservedConcurrentExecutions: fn.reserved_concurrent_executions,
      applicationLogLevel: fn.logging_config.application_log_level,
    }).toEqual({
      memorySizeMb: environment.memorySizeMb,
      logRetentionDays: environment.logRetentionDays,
      timeoutSeconds: environment.timeoutSeconds,
      batchSize: environment.batchSize,
      maximumConcurrency: environment.maximumConcurrency,
      reservedConcurrentExecutions: environment.reservedConcurrentExecutions,
      applicationLogLevel: environment.applicationLogLevel,
    });
  });

  test("reaches OrdersTable, the subscription and PipelineAlarms", () => {
    const subscription = Object.values(tf.resource.aws_sns_topic_subscription as Record<string, TfJson>).find(
      (s) => s.protocol === "sqs",
    )!;
    const thresholds = Object.fromEntries(
      inConstruct(tf, "aws_cloudwatch_metric_alarm", "Alarms").map((a) => [a.metric_name, a.threshold]),
    );
    expect({
      deletionProtection: inConstruct(tf, "aws_dynamodb_table", SEED_NAMES.table)[0].deletion_protection_enabled,
      rawMessageDelivery: subscription.raw_message_delivery,
      emails: tf.variable.alarm_emails.default,
      thresholds,
    }).toEqual({
      deletionProtection: environment.deletionProtection,
      rawMessageDelivery: environment.rawMessageDelivery,
      emails: environment.alarms.emails,
      thresholds: expect.objectContaining({
        ApproximateAgeOfOldestMessage: environment.alarms.oldestMessageAgeSeconds,
        Errors: environment.alarms.functionErrorsThreshold,
        Throttles: environment.alarms.functionThrottlesThreshold,
        OrdersRejected: environment.alarms.rejectedOrdersThreshold,
        OrdersFailed: environment.alarms.failedOrdersThreshold,
        OrderLatency: environment.alarms.orderLatencyP99Ms,
      }),
    });
  });
});

describe("the rules of the settings", () => {
  const rules = { ...VARIABLE_RULES, ...ENVIRONMENT_RULES, ...ALARM_RULES };

  test("say what each allows without a double quote, which would break an HCL error message", () => {
    expect(Object.entries(rules).filter(([, rule]) => rule.allowed.includes('"'))).toEqual([]);
  });

  test("give each pipeline stack's variables their own validation block", () => {
    const rulesOf = {
      function_memory_mb: ENVIRONMENT_RULES.memorySizeMb,
      log_retention_days: ENVIRONMENT_RULES.logRetentionDays,
      alarm_emails: ALARM_RULES.emails,
    };
    for (const tf of Object.values(pipelineStacks(synthApp().stacks))) {
      for (const [name, rule] of Object.entries(rulesOf)) {
        const { condition, errorMessage } = terraformValidation(name, rule);
        expect(tf.variable[name].validation).toEqual([{ condition, error_message: errorMessage }]);
      }
    }
  });

  test("write the e-mail pattern as an HCL string that reads back as the same pattern", () => {
    const { condition } = terraformValidation("alarm_emails", ALARM_RULES.emails);
    const literal = /regex\(("(?:[^"\\]|\\.)*")/.exec(condition)![1];
    expect(new RegExp(JSON.parse(literal)).source).toBe(/^[^@\s]+@[^@\s]+\.[^@\s]+$/.source);
  });

  test("quote a value whole up to 80 characters", () => {
    expect(given("x".repeat(78))).toBe(`"${"x".repeat(78)}"`);
    expect(given(undefined)).toBe("nothing");
  });
});

/**
 * Each kind of rule as a Terraform validation, written out: the stack gives only some kinds a
 * variable today, and an adopter's new variable takes the block as these tests spell it.
 */
describe("a rule as a Terraform validation block", () => {
  test("lists numbers of a list of values bare, so a number variable can be among them", () => {
    expect(terraformValidation("days", oneOf([1, 3])).condition).toBe("${contains([1, 3], var.days)}");
  });

  test("lists words of a list of values as HCL strings", () => {
    expect(terraformValidation("level", oneOf(["DEBUG", "INFO"])).condition).toBe(
      '${contains(["DEBUG", "INFO"], var.level)}',
    );
  });

  test("keeps ${ and %{ in a pattern literal, not as HCL templates", () => {
    // Two $ or two %: the pattern's text holds ${2} and %{2}, which HCL would read as templates.
    expect(terraformValidation("x", matching(/^(\${2}|%{2})$/, "$$ or %%")).condition).toBe(
      '${can(regex("^(\\\\$${2}|%%{2})$", var.x))}',
    );
  });

  test("quotes a matched string variable's value in its message", () => {
    expect(terraformValidation("x", matching(/^a$/, "the letter a")).errorMessage).toBe(
      "x must be the letter a (given ${var.x}).",
    );
  });

  test("checks a name's length and characters", () => {
    const rule = named({ minLength: 1, maxLength: 5, pattern: /^[a-z]+$/, characters: "a-z" }, "a name: ");
    expect(terraformValidation("n", rule)).toEqual({
      condition: '${length(var.n) >= 1 && length(var.n) <= 5 && can(regex("^[a-z]+$", var.n))}',
      errorMessage: "n must be a name: 1-5 characters of a-z (given ${var.n}).",
    });
  });

  test("accepts either value of a flag, which Terraform's bool type already limits", () => {
    expect(terraformValidation("f", flag)).toEqual({
      condition: "${true}",
      errorMessage: "f must be true or false (given ${var.f}).",
    });
  });
});
