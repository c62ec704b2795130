import { pipelineStackNames } from "../config/environments";
import { configurationFromEnv } from "../stacks/app";
import { projectEnvironmentsPlus, unusedEnvironmentName } from "./support/configuration";
import {
  SynthesizedConfiguration,
  describeAppChecks,
  describePipelineStackChecks,
} from "./support/pipeline-stack-checks";
import { describeWithTerraform } from "./support/terraform";
import { BUNDLE_PATH, pipelineStacks, synthApp } from "./support/tf";
import { describeVariableValidations } from "./support/variable-checks";
import { describePolicyRules } from "./policy/suite";

/**
 * An adopter's first everyday change, proven in npm test: the project's environments.json copied,
 * one environment added with its own account (one entry, as docs/environments.md shows), the real
 * app synthesized from it, and the stack, policy and variable suites run over every stack. The new
 * environment's name is one the project's file does not use, so it never collides with the
 * adopter's own.
 */
// Its own account, so (issue 23) it names the role its state backend assumes in the state account,
// and the state account is named once for all (with two accounts in the file, none is the default).
const STATE_ACCOUNT = "111122223333";
const added = {
  name: unusedEnvironmentName("staging"),
  account: "123456789012",
  stateRoleArn: `arn:aws:iam::${STATE_ACCOUNT}:role/orders-state`,
  memorySizeMb: 384,
};
const env = { ORDERS_ENVIRONMENTS_FILE: projectEnvironmentsPlus(added), ORDERS_STATE_ACCOUNT: STATE_ACCOUNT };
const configuration = configurationFromEnv(env);
const pipelines = pipelineStackNames(configuration);
const addedStack = pipelines[pipelines.length - 1];
let synthesized: SynthesizedConfiguration | undefined;
const load = (): SynthesizedConfiguration => (synthesized ??= { app: synthApp(env), configuration });

describe("a copy of the project's environments.json with one environment added", () => {
  test("lists the project's environments, then the added one with its own account and 384 MB", () => {
    expect(configuration.environments.slice(0, -1).map((e) => e.name)).toEqual(
      configurationFromEnv({}).environments.map((e) => e.name),
    );
    expect(configuration.environments[configuration.environments.length - 1]).toMatchObject(added);
  });

  test("synthesizes a stack for it pinned to that account, with 384 MB by default", () => {
    const tf = load().app.stacks[addedStack];
    expect(tf.provider.aws[0].allowed_account_ids).toEqual(["123456789012"]);
    expect(tf.variable.function_memory_mb.default).toBe(384);
  });
});

describe("the app synthesized from it", () => {
  describeAppChecks(load, BUNDLE_PATH);
});

describe.each(configuration.environments.map((e) => [e.name]))("the %s environment's stack", (name) => {
  describePipelineStackChecks(name, load);
});

describe("the policy suite over every stack of it", () => {
  describePolicyRules([...pipelines, `${configuration.settings.namePrefix}-state-bootstrap`], () => load().app.stacks);
});

describeWithTerraform("the variable suite over every pipeline stack of it", () => {
  describeVariableValidations(() => pipelineStacks(load().app.stacks));
});
