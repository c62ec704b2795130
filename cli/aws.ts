/**
 * How the commands reach AWS or the servers of `npm run sandbox`: endpoints, region and
 * credentials, the shapes of the ARNs and URLs they are given, and AWS failures in words.
 */

/** The AWS services the commands call. */
export type AwsService = "sns" | "sqs" | "dynamodb";

/** Credentials for servers on this machine: they accept any; real AWS is never asked. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/** Region for a loopback endpoint when nothing else names one. */
export const LOCAL_DEFAULT_REGION = "us-east-1";

/** Whether `url` points at this machine (127.0.0.0/8, ::1, localhost or a *.localhost name). */
export function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return /^127(\.\d{1,3}){3}$/.test(host) || host === "[::1]" || host === "localhost" || host.endsWith(".localhost");
}

/** SDK client settings: a timeout on every request, and for a loopback endpoint static local credentials. */
export interface ClientSettings {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts: number;
  readonly requestHandler: {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly throwOnRequestTimeout: boolean;
  };
}

/**
 * Settings for a client of `service`. `endpoint` (from a stack outputs file) wins over the
 * environment (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL); `target` is the ARN or queue URL
 * the command works on. When the endpoint (or a queue URL used as one) is on this machine, the
 * client gets static local credentials and a region, so the SDK never looks for real credentials
 * or asks the instance metadata service.
 */
export function clientSettings(
  service: AwsService,
  options: { endpoint?: string; region?: string; target?: string; env?: NodeJS.ProcessEnv },
): ClientSettings {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint;
  const effective =
    endpoint ?? env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? env.AWS_ENDPOINT_URL ?? options.target;
  const local = effective !== undefined && isLoopback(effective);
  const region = options.region ?? (options.target ? regionOf(options.target) : undefined);
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region || local ? { region: region ?? LOCAL_DEFAULT_REGION } : {}),
    ...(local ? { credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: 3,
    // A server that accepts and never answers must not hang a command (or a pipeline) forever.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  };
}

/** The region of an ARN (`arn:aws:sns:eu-west-1:...`) or an AWS SQS URL (`https://sqs.eu-west-1.amazonaws.com/...`). */
export function regionOf(arnOrUrl: string): string | undefined {
  return (
    /^arn:[^:]+:[^:]+:([a-z0-9-]+):/.exec(arnOrUrl)?.[1] ??
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(arnOrUrl)?.[1]
  );
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** Why `value` is not an SNS topic ARN, or undefined when it is one. */
export function topicArnProblem(value: string, field: string): string | undefined {
  return TOPIC_ARN.test(value)
    ? undefined
    : `${field} must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:orders-dev-OrderTopic ` +
        `(given ${JSON.stringify(value)})`;
}

/** Why `value` is not an SQS queue URL (`http(s)://host/<account>/<queue name>`), or undefined. */
export function queueUrlProblem(value: string, field: string): string | undefined {
  let ok = false;
  try {
    const url = new URL(value);
    ok =
      (url.protocol === "https:" || url.protocol === "http:") &&
      /^\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(url.pathname);
  } catch {
    ok = false;
  }
  return ok
    ? undefined
    : `${field} must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/orders-dev-OrderQueueDLQ ` +
        `(given ${JSON.stringify(value)})`;
}

/** Why `value` is not a DynamoDB table name (3-255 letters, digits, _, - and .), or undefined. */
export function tableNameProblem(value: string, field: string): string | undefined {
  return /^[A-Za-z0-9_.-]{3,255}$/.test(value)
    ? undefined
    : `${field} must be a DynamoDB table name: 3-255 letters, digits, _, - and . (given ${JSON.stringify(value)})`;
}

/** Why `value` is not an endpoint URL (`http(s)://host[:port]`), or undefined. */
export function endpointProblem(value: string, field: string): string | undefined {
  let ok = false;
  try {
    const url = new URL(value);
    ok = (url.protocol === "https:" || url.protocol === "http:") && url.pathname === "/" && !url.search;
  } catch {
    ok = false;
  }
  return ok
    ? undefined
    : `${field} must be an endpoint URL such as http://127.0.0.1:4566 (given ${JSON.stringify(value)})`;
}

const NETWORK_CODES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|TimeoutError/;

/** A message for an AWS call that failed: unreachable endpoints say so plainly, and what to check. */
export function describeAwsError(service: AwsService, error: unknown, endpoint?: string): string {
  const err = error as Error & { code?: string; errno?: string; cause?: { code?: string } };
  const name = service === "dynamodb" ? "DynamoDB" : service.toUpperCase();
  // The SDK wraps network errors; the code may sit on the error, its cause, or only in its message.
  const code = [err.code, err.errno, err.cause?.code, err.name, NETWORK_CODES.exec(String(err.message))?.[0]].find(
    (c): c is string => typeof c === "string" && NETWORK_CODES.test(c),
  );
  if (code && endpoint && isLoopback(endpoint)) {
    return `could not reach ${name} at ${endpoint} (${code}): is "npm run sandbox" running? It rewrites the outputs file each start`;
  }
  if (code) {
    return `could not reach ${name} (${code}): check the region, AWS_ENDPOINT_URL_${service.toUpperCase()} and the network`;
  }
  return `${name} call failed: ${err.name}: ${err.message}`;
}
