import * as path from "path";
import { AwsService, ClientSettings, clientSettings, endpointProblem } from "../cli/aws";
import { OptionValues, UsageError, stringOption } from "../cli/cli";
import {
  DEPLOY_OUTPUTS_FILE,
  StackOutputs,
  optionalOutput,
  outputField,
  readStackOutputs,
  requireOutput,
} from "../cli/outputs";

/** Checks a value; returns why it is wrong (naming `field`), or undefined. */
export type Check = (value: string, field: string) => string | undefined;

/**
 * Where an operator command finds what it works on: a flag (`--topic-arn`), else the stack outputs
 * file (`--outputs`, default outputs.json; `--stack`). Every value is checked before any call,
 * and the endpoints a file names (outputs.local.json from `npm run sandbox`) go to the clients.
 */
export class Target {
  private outputs?: StackOutputs;
  private readonly file: string;

  constructor(
    private readonly values: OptionValues,
    root: string,
  ) {
    this.file = path.resolve(stringOption(values, "outputs") ?? path.join(root, DEPLOY_OUTPUTS_FILE));
    // A file given by --outputs is always read: its endpoints apply even when flags give every value.
    if (values.outputs !== undefined) this.stackOutputs();
  }

  private stackOutputs(): StackOutputs {
    this.outputs ??= readStackOutputs(this.file, stringOption(this.values, "stack"));
    return this.outputs;
  }

  /** `--<flag>`'s value, else the stack output `output`; either must pass `check`. */
  value(flag: string, output: string, check: Check): string {
    const given = stringOption(this.values, flag);
    let value: string;
    let problem: string | undefined;
    if (given !== undefined) {
      value = given;
      problem = check(given, `--${flag}`);
    } else {
      const outputs = this.stackOutputs();
      value = requireOutput(outputs, output, flag);
      problem = check(value, outputField(outputs, output));
    }
    if (problem) throw new UsageError(problem);
    return value;
  }

  /** The stack output `output` when the outputs file (read once a value came from it, or given by --outputs) has it. */
  optional(output: string): string | undefined {
    return this.outputs ? optionalOutput(this.outputs, output) : undefined;
  }

  /**
   * The stack output `output`, which no flag replaces: a UsageError naming it, the file and `missing`
   * (what to do) when the file lacks it; checked by `check`.
   */
  output(output: string, missing: string, check?: Check): string {
    const outputs = this.stackOutputs();
    const value = optionalOutput(outputs, output);
    if (value === undefined || value === "") {
      throw new UsageError(`${outputField(outputs, output)} is missing: ${missing}`);
    }
    const problem = check?.(value, outputField(outputs, output));
    if (problem) throw new UsageError(problem);
    return value;
  }

  /** Client settings for `service` working on `target` (an ARN or queue URL), with the file's endpoint if it names one. */
  client(service: AwsService, target: string): ClientSettings {
    const outputs = this.outputs;
    const endpointOutput = `aws_endpoint_url_${service}`;
    const endpoint = outputs ? optionalOutput(outputs, endpointOutput) : undefined;
    if (endpoint !== undefined) {
      const problem = endpointProblem(endpoint, outputField(outputs!, endpointOutput));
      if (problem) throw new UsageError(problem);
    }
    const region = outputs ? optionalOutput(outputs, "aws_region") : undefined;
    return clientSettings(service, { endpoint, region, target });
  }
}
