import * as fs from "fs";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { OrderPipelineStack } from "./constructs/order-pipeline-stack";
import { StateBootstrapStack } from "./constructs/state-bootstrap-stack";

/** The environments this app deploys: one stack each, named `<namePrefix>-<name>`. */
export const ENVIRONMENTS = [
  { name: "dev", deletionProtection: false, logRetentionDays: 14, functionMemoryMb: 256 },
  { name: "prod", deletionProtection: true, logRetentionDays: 90, functionMemoryMb: 512 },
] as const;

/** Settings read from the environment (see the README's configuration table); all optional. */
export interface AppSettings {
  readonly namePrefix: string;
  readonly region: string;
  readonly stateBucket: string;
  readonly stateRegion: string;
  readonly stateKeyPrefix: string;
  readonly functionBundlePath: string;
}

const ROOT = findProjectRoot(__dirname);

/** Documented defaults: synth needs no configuration at all. */
export const DEFAULT_SETTINGS: AppSettings = {
  namePrefix: "orders",
  region: "us-east-1",
  stateBucket: "order-pipeline-terraform-state",
  stateRegion: "us-east-1",
  stateKeyPrefix: "order-pipeline",
  functionBundlePath: path.join(ROOT, "dist", "functions", "process-order", "index.js"),
};

/** Bad configuration (ORDERS_* variables): synth prints its message alone and exits 2 (scripts/synth.cjs). */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** Reads ORDERS_* variables over the defaults and checks them; one error lists every bad value. */
export function settingsFromEnv(env: NodeJS.ProcessEnv): AppSettings {
  const region = env.ORDERS_REGION || DEFAULT_SETTINGS.region;
  const settings: AppSettings = {
    namePrefix: env.ORDERS_NAME_PREFIX || DEFAULT_SETTINGS.namePrefix,
    region,
    stateBucket: env.ORDERS_STATE_BUCKET || DEFAULT_SETTINGS.stateBucket,
    stateRegion: env.ORDERS_STATE_REGION || region,
    stateKeyPrefix: env.ORDERS_STATE_KEY_PREFIX || DEFAULT_SETTINGS.stateKeyPrefix,
    functionBundlePath: DEFAULT_SETTINGS.functionBundlePath,
  };
  const rules: [keyof AppSettings, string, RegExp, string][] = [
    [
      "namePrefix",
      "ORDERS_NAME_PREFIX",
      /^[a-z][a-z0-9-]{0,29}$/,
      "1-30 characters: a lower-case letter, then lower-case letters, digits and -",
    ],
    ["region", "ORDERS_REGION", /^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1"],
    ["stateRegion", "ORDERS_STATE_REGION", /^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1"],
    [
      "stateBucket",
      "ORDERS_STATE_BUCKET",
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      "an S3 bucket name: 3-63 lower-case letters, digits, . and -",
    ],
    ["stateKeyPrefix", "ORDERS_STATE_KEY_PREFIX", /^[A-Za-z0-9!_.*'()/-]{1,512}$/, "an S3 key prefix without spaces"],
  ];
  const problems = rules
    .filter(([key, , pattern]) => !pattern.test(settings[key]))
    .map(([key, variable, , allowed]) => `${variable} must be ${allowed} (given ${JSON.stringify(settings[key])})`);
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  return settings;
}

/** Adds the state bootstrap stack and one OrderPipelineStack per environment to `app`. */
export function buildApp(app: App, settings: AppSettings): TerraformStack[] {
  if (!fs.existsSync(settings.functionBundlePath)) {
    throw new Error(
      `The function bundle ${path.relative(process.cwd(), settings.functionBundlePath)} does not exist: run "npm run build" first.`,
    );
  }
  const bootstrap = new StateBootstrapStack(app, `${settings.namePrefix}-state-bootstrap`, {
    bucketName: settings.stateBucket,
    region: settings.stateRegion,
  });
  const environments = ENVIRONMENTS.map((environment) => {
    const stackName = `${settings.namePrefix}-${environment.name}`;
    return new OrderPipelineStack(app, stackName, {
      environment: environment.name,
      prefix: stackName,
      region: settings.region,
      backend: { bucket: settings.stateBucket, region: settings.stateRegion, keyPrefix: settings.stateKeyPrefix },
      functionBundlePath: settings.functionBundlePath,
      deletionProtection: environment.deletionProtection,
      logRetentionDays: environment.logRetentionDays,
      functionMemoryMb: environment.functionMemoryMb,
    });
  });
  return [bootstrap, ...environments];
}

function findProjectRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, "cdktf.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cdktf.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

if (require.main === module) {
  const app = new App();
  buildApp(app, settingsFromEnv(process.env));
  app.synth();
}
