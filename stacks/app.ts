/**
 * The order pipeline app as a library: the stacks `main.ts` synthesizes, built from a configuration.
 * Tests and scripts build apps from here; `main.ts` is only the program.
 */
import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { projectRoot } from "../config/project";
import {
  Configuration,
  DEFAULT_APP_SETTINGS,
  defaultStateBucket,
  readConfiguration,
  stateTarget,
  stackNameOf,
} from "../config/environments";
import { stateKeyAliasName } from "./naming";
import { OrderPipelineStack } from "./order-pipeline-stack";
import { StateBootstrapStack } from "./state-bootstrap-stack";

const ROOT = projectRoot(__dirname);

/** AWS's documentation account (IAM user guide): what the committed environments.json pins prod to. */
export const DOCUMENTATION_ACCOUNT = "111122223333";

/** The function bundle every pipeline stack ships (built by `npm run build`). */
export const FUNCTION_BUNDLE_PATH = path.join(ROOT, "dist", "functions", "process-order", "index.js");

/** Documented defaults of the ORDERS_* variables, and the bundle path (for scripts that build stacks by hand). */
export const DEFAULT_SETTINGS = {
  ...DEFAULT_APP_SETTINGS,
  stateRegion: DEFAULT_APP_SETTINGS.region,
  /** The documentation account the committed environments.json names (README: replace it before deploying). */
  stateAccount: DOCUMENTATION_ACCOUNT,
  stateBucket: defaultStateBucket(DOCUMENTATION_ACCOUNT, DEFAULT_APP_SETTINGS.region),
  functionBundlePath: FUNCTION_BUNDLE_PATH,
};

/** Reads the ORDERS_* variables and the environments file; throws one `ConfigurationError` listing every problem. */
export function configurationFromEnv(env: NodeJS.ProcessEnv): Configuration {
  return readConfiguration(env, ROOT);
}

/** Adds the state bootstrap stack and one OrderPipelineStack per environment to `app`. */
export function buildApp(
  app: App,
  configuration: Configuration,
  functionBundlePath: string = FUNCTION_BUNDLE_PATH,
): TerraformStack[] {
  const { settings, environments } = configuration;
  // No state account known: refused before the bundle check, naming ORDERS_STATE_ACCOUNT.
  const { stateAccount, stateBucket } = stateTarget(configuration);
  if (!fs.existsSync(functionBundlePath)) {
    throw new Error(
      `The function bundle ${path.relative(process.cwd(), functionBundlePath)} does not exist: run "npm run build" first.`,
    );
  }
  const keyAlias = stateKeyAliasName(settings.namePrefix);
  const bootstrap = new StateBootstrapStack(app, `${settings.namePrefix}-state-bootstrap`, {
    bucketName: stateBucket,
    region: settings.stateRegion,
    account: stateAccount,
    keyAlias,
  });
  const backend = {
    bucket: stateBucket,
    region: settings.stateRegion,
    keyPrefix: settings.stateKeyPrefix,
    kmsKeyId: `alias/${keyAlias}`,
    account: stateAccount,
  };
  const pipelines = environments.map((environment) => {
    const stackName = stackNameOf(settings.namePrefix, environment.name);
    return new OrderPipelineStack(app, stackName, { environment, prefix: stackName, backend, functionBundlePath });
  });
  return [bootstrap, ...pipelines];
}
