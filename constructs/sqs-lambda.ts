import * as path from "path";
import { AssetType, TerraformAsset, Token } from "cdktf";
import { Construct, IConstruct } from "constructs";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import {
  APPLICATION_LOG_LEVELS,
  ARCHITECTURES,
  ApplicationLogLevel,
  Architecture,
  FUNCTION_DEFAULTS,
  LAMBDA_FUNCTION_NAME,
  LAMBDA_LIMITS,
  LOG_RETENTION_DAYS,
  NodeRuntime,
  SUPPORTED_NODE_RUNTIMES,
  reservedConcurrencyProblem,
} from "./defaults";
import { IGrantable, PolicyDocument, PolicyStatement } from "./policy";
import { IQueueWithDlq } from "./queue-with-dlq";
import { PropsValidator, isResolved, quote } from "./validation";

export interface SqsLambdaProps {
  /** Physical name of the function: 1-64 characters of letters, digits, - and _. Derive it from the stack prefix. */
  readonly functionName: string;
  /**
   * Path of the bundled function (one JavaScript file, built by esbuild). It is copied into the
   * stack folder as an asset and zipped there by the archive provider, so the stack folder is
   * self-contained. Its file name must match the handler's module (`index.js` for `index.handler`).
   */
  readonly bundlePath: string;
  /**
   * The queue that feeds the function, created (`QueueWithDlq`) or imported (`QueueWithDlq.fromQueueArn`).
   * Its visibility timeout, when known, is checked against the function timeout.
   */
  readonly source: IQueueWithDlq;
  /**
   * Handler, as `<module>.<export>`.
   * @default "index.handler"
   */
  readonly handler?: string;
  /**
   * Node.js runtime: one of nodejs22.x, nodejs24.x (nodejs20.x reached end of life on 2026-04-30).
   * @default "nodejs22.x"
   */
  readonly runtime?: NodeRuntime;
  /**
   * Instruction set: arm64 or x86_64.
   * @default "arm64" (cheaper per GB-second)
   */
  readonly architecture?: Architecture;
  /**
   * Function timeout, 1-900 seconds. The source queue's visibility timeout must be at least
   * 6 x this plus the batching window.
   * @default 30
   */
  readonly timeoutSeconds?: number;
  /**
   * Memory, 128-10240 MB. May be a Terraform variable (checked by its validation block then).
   * @default 256
   */
  readonly memorySizeMb?: number;
  /**
   * Retention of the function's log group in days; one of CloudWatch's values (1, 3, 5, 7, 14, 30, ... 3653).
   * May be a Terraform variable.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Application log level passed to the runtime (JSON log format): TRACE, DEBUG, INFO, WARN, ERROR or FATAL.
   * @default "INFO"
   */
  readonly applicationLogLevel?: ApplicationLogLevel;
  /**
   * Environment variables of the function.
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Records per batch: 1-10 without a batching window, 1-10000 with one.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source gathers records before invoking, 0-300 seconds.
   * @default 0
   */
  readonly maximumBatchingWindowSeconds?: number;
  /**
   * Most concurrent invocations the event source mapping starts, 2-1000.
   * @default 10
   */
  readonly maximumConcurrency?: number;
  /**
   * Reserved concurrency of the function, from `maximumConcurrency` to 1000. Never below the
   * mapping's maximum concurrency: the poller would be throttled and good messages would use up
   * their receives and reach the DLQ early.
   * @default maximumConcurrency
   */
  readonly reservedConcurrentExecutions?: number;
}

/** A Lambda function that alarms watch (`PipelineAlarms`), as aws-cdk's integrations take `IFunction`. */
export interface IFunction extends IConstruct {
  readonly functionName: string;
  readonly functionArn: string;
}

/**
 * A Lambda function fed by an SQS queue: the bundle shipped as an asset and zipped by
 * `archive_file`, its own log group with a retention, X-Ray tracing, an IAM role with
 * exactly the actions it uses, and an event source mapping that reports partial batch
 * failures.
 */
export class SqsLambda extends Construct implements IGrantable, IFunction {
  /** The queue that feeds the function. */
  public readonly source: IQueueWithDlq;
  /** The path of the bundle the function ships. */
  public readonly bundlePath: string;
  public readonly fn: LambdaFunction;
  public readonly role: IamRole;
  /** The role's one inline policy; `addToRolePolicy` adds to it. */
  public readonly rolePolicy: IamRolePolicy;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly eventSourceMapping: LambdaEventSourceMapping;
  public readonly asset: TerraformAsset;
  public readonly archive: DataArchiveFile;
  private readonly policyDocument: PolicyDocument;

  constructor(scope: Construct, id: string, props: SqsLambdaProps) {
    super(scope, id);
    const settings = {
      handler: props.handler ?? FUNCTION_DEFAULTS.handler,
      runtime: props.runtime ?? FUNCTION_DEFAULTS.runtime,
      architecture: props.architecture ?? FUNCTION_DEFAULTS.architecture,
      timeoutSeconds: props.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds,
      memorySizeMb: props.memorySizeMb ?? FUNCTION_DEFAULTS.memorySizeMb,
      logRetentionDays: props.logRetentionDays ?? FUNCTION_DEFAULTS.logRetentionDays,
      applicationLogLevel: props.applicationLogLevel ?? FUNCTION_DEFAULTS.applicationLogLevel,
      batchSize: props.batchSize ?? FUNCTION_DEFAULTS.batchSize,
      maximumBatchingWindowSeconds:
        props.maximumBatchingWindowSeconds ?? FUNCTION_DEFAULTS.maximumBatchingWindowSeconds,
      maximumConcurrency: props.maximumConcurrency ?? FUNCTION_DEFAULTS.maximumConcurrency,
      reservedConcurrentExecutions:
        props.reservedConcurrentExecutions ?? props.maximumConcurrency ?? FUNCTION_DEFAULTS.maximumConcurrency,
    };
    validate(this.node.path, props, settings);
    this.source = props.source;
    this.bundlePath = props.bundlePath;

    const logGroupName = `/aws/lambda/${props.functionName}`;
    this.logGroup = new CloudwatchLogGroup(this, "LogGroup", {
      name: logGroupName,
      retentionInDays: settings.logRetentionDays,
    });

    const assumeRole = new PolicyDocument(this, "AssumeRolePolicyDocument", [
      {
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
        actions: ["sts:AssumeRole"],
      },
    ]);
    this.role = new IamRole(this, "Role", {
      name: props.functionName,
      assumeRolePolicy: assumeRole.json,
    });

    this.policyDocument = new PolicyDocument(this, "RolePolicyDocument", [
      {
        sid: "WriteOwnLogs",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [`${this.logGroup.arn}:*`],
      },
      {
        // X-Ray's trace APIs have no resource ARN: "*" is the only valid resource.
        sid: "WriteTraces",
        effect: "Allow",
        actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        resources: ["*"],
      },
    ]);
    props.source.grantConsume(this);
    this.rolePolicy = new IamRolePolicy(this, "RolePolicy", {
      name: `${props.functionName}-policy`,
      role: this.role.id,
      policy: this.policyDocument.json,
    });

    this.asset = new TerraformAsset(this, "Bundle", { path: props.bundlePath, type: AssetType.FILE });
    this.archive = new DataArchiveFile(this, "Archive", {
      type: "zip",
      sourceFile: this.asset.path,
      // Relative to the stack folder, which is Terraform's working directory.
      outputPath: `${this.asset.path}.zip`,
      // The zip records the file's mode, which follows the build machine's umask: fixed, every machine
      // zips the same bytes and plans no spurious code change (terraform-provider-archive issue 34).
      outputFileMode: "0644",
    });

    this.fn = new LambdaFunction(this, "Function", {
      functionName: props.functionName,
      role: this.role.arn,
      handler: settings.handler,
      runtime: settings.runtime,
      architectures: [settings.architecture],
      timeout: settings.timeoutSeconds,
      memorySize: settings.memorySizeMb,
      reservedConcurrentExecutions: settings.reservedConcurrentExecutions,
      filename: this.archive.outputPath,
      sourceCodeHash: this.archive.outputBase64Sha256,
      environment: props.environment ? { variables: { ...props.environment } } : undefined,
      tracingConfig: { mode: "Active" },
      loggingConfig: {
        logFormat: "JSON",
        logGroup: this.logGroup.name,
        applicationLogLevel: settings.applicationLogLevel,
        systemLogLevel: FUNCTION_DEFAULTS.systemLogLevel,
      },
      // The log group must exist first, or Lambda creates an unmanaged one that never expires.
      dependsOn: [this.logGroup, this.rolePolicy],
    });

    this.eventSourceMapping = new LambdaEventSourceMapping(this, "EventSourceMapping", {
      eventSourceArn: props.source.queueArn,
      functionName: this.fn.arn,
      batchSize: settings.batchSize,
      maximumBatchingWindowInSeconds: settings.maximumBatchingWindowSeconds,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: settings.maximumConcurrency },
      // AWS checks the role's SQS permissions when the mapping is created.
      dependsOn: [this.rolePolicy],
    });
  }

  public get functionName(): string {
    return this.fn.functionName;
  }

  public get functionArn(): string {
    return this.fn.arn;
  }

  /** Adds a statement to the function role's one inline policy (an identical one is kept once). */
  public addToRolePolicy(statement: PolicyStatement): void {
    this.policyDocument.addStatements(statement);
  }
}

function validate(
  nodePath: string,
  props: SqsLambdaProps,
  settings: {
    handler: string;
    timeoutSeconds: number;
    maximumBatchingWindowSeconds: number;
    maximumConcurrency: number;
    reservedConcurrentExecutions: number;
  },
): void {
  const L = LAMBDA_LIMITS;
  const v = new PropsValidator("SqsLambda", nodePath)
    .name("functionName", props.functionName, LAMBDA_FUNCTION_NAME)
    .oneOf("runtime", props.runtime, SUPPORTED_NODE_RUNTIMES)
    .oneOf("architecture", props.architecture, ARCHITECTURES)
    .integerInRange("timeoutSeconds", props.timeoutSeconds, L.timeoutSeconds.min, L.timeoutSeconds.max)
    .integerInRange("memorySizeMb", props.memorySizeMb, L.memorySizeMb.min, L.memorySizeMb.max)
    .oneOf("logRetentionDays", props.logRetentionDays, LOG_RETENTION_DAYS)
    .oneOf("applicationLogLevel", props.applicationLogLevel, APPLICATION_LOG_LEVELS)
    .integerInRange(
      "maximumBatchingWindowSeconds",
      props.maximumBatchingWindowSeconds,
      L.maximumBatchingWindowSeconds.min,
      L.maximumBatchingWindowSeconds.max,
    )
    .integerInRange("maximumConcurrency", props.maximumConcurrency, L.maximumConcurrency.min, L.maximumConcurrency.max)
    .integerInRange(
      "reservedConcurrentExecutions",
      props.reservedConcurrentExecutions,
      L.reservedConcurrentExecutions.min,
      L.reservedConcurrentExecutions.max,
    );

  const { reservedConcurrentExecutions: reserved, maximumConcurrency: maximum } = settings;
  // Unset, reserved concurrency is the maximum concurrency, which passes.
  if (isResolved(reserved) && isResolved(maximum)) {
    const problem = reservedConcurrencyProblem(reserved, maximum);
    v.expect(problem === undefined, problem!);
  }

  const window = settings.maximumBatchingWindowSeconds;
  if (isResolved(window) && window > 0) {
    v.integerInRange("batchSize", props.batchSize, L.batchSizeWithWindow.min, L.batchSizeWithWindow.max);
  } else if (props.batchSize !== undefined && !Token.isUnresolved(props.batchSize)) {
    const { min, max } = L.batchSizeWithoutWindow;
    v.expect(
      Number.isInteger(props.batchSize) && props.batchSize >= min && props.batchSize <= max,
      `batchSize must be an integer between ${min} and ${max} without a batching window, ` +
        `or up to ${L.batchSizeWithWindow.max} with maximumBatchingWindowSeconds >= 1 (given ${quote(props.batchSize)})`,
    );
  }

  const moduleName = settings.handler.split(".")[0];
  const bundleModule = path.basename(props.bundlePath).replace(/\.(c|m)?js$/, "");
  v.expect(
    /^[^.]+\.[A-Za-z_$][\w$]*$/.test(settings.handler) && moduleName === bundleModule,
    `handler must be "<module>.<export>" where <module> is the bundle's file name ` +
      `(given handler ${quote(settings.handler)} and bundle ${quote(path.basename(props.bundlePath))})`,
  );

  // Unknown for an imported queue whose visibility timeout was not given: AWS checks it at deploy.
  const visibility = props.source.visibilityTimeoutSeconds;
  const timeout = settings.timeoutSeconds;
  if (visibility !== undefined && isResolved(visibility) && isResolved(timeout) && isResolved(window)) {
    const needed = L.visibilityTimeoutFactor * timeout + window;
    v.expect(
      visibility >= needed,
      `source queue visibilityTimeoutSeconds must be at least 6 x timeoutSeconds + maximumBatchingWindowSeconds ` +
        `= ${needed} (given visibilityTimeoutSeconds ${visibility}, timeoutSeconds ${timeout}, ` +
        `maximumBatchingWindowSeconds ${window})`,
    );
  }
  v.throwIfInvalid();
}
