import type { LogLine } from "./handler-harness";

/**
 * Problems of one document against the CloudWatch Embedded Metric Format specification
 * (docs.aws.amazon.com: CloudWatch_Embedded_Metric_Format_Specification): an `_aws` member with a
 * number `Timestamp` and 1 `CloudWatchMetrics` directive or more; each directive a Namespace of
 * 1-255 characters, dimension sets of at most 30 names each resolving to a top-level string, and
 * at most 100 metrics each resolving to a number or an array of at most 100 numbers.
 */
export function emfProblems(document: LogLine): string[] {
  const problems: string[] = [];
  const aws = document._aws;
  if (typeof aws !== "object" || aws === null) return ["_aws is missing"];
  if (typeof aws.Timestamp !== "number") problems.push("_aws.Timestamp is not a number");
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) return [...problems, "no CloudWatchMetrics directive"];
  for (const directive of directives) {
    const ns = directive.Namespace;
    if (typeof ns !== "string" || ns.length < 1 || ns.length > 255) problems.push(`bad Namespace ${ns}`);
    for (const set of directive.Dimensions ?? []) {
      if (!Array.isArray(set) || set.length > 30) problems.push("a dimension set is not an array of at most 30");
      for (const name of set) if (typeof document[name] !== "string") problems.push(`dimension ${name} has no value`);
    }
    if (!Array.isArray(directive.Metrics) || directive.Metrics.length > 100) problems.push("Metrics is not 1-100");
    for (const metric of directive.Metrics ?? []) {
      const value = document[metric.Name];
      const values = Array.isArray(value) ? value : [value];
      if (values.length > 100 || !values.every((v) => typeof v === "number" && Number.isFinite(v))) {
        problems.push(`metric ${metric.Name} has no valid value`);
      }
    }
  }
  return problems;
}

/** A metric's values in an EMF document, always as an array. */
export function metricValues(document: LogLine, name: string): number[] {
  const value = document[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
