import { cutText, quote } from "../config/input";

/**
 * How the commands reach AWS or the servers of `npm run sandbox`: endpoints, region and
 * credentials, timeouts, the shapes of the ARNs and URLs they are given, and AWS failures in words.
 */

/** The AWS services the commands call. */
export type AwsService = "sns" | "sqs" | "dynamodb" | "cloudwatch";

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

/**
 * Every attempt of every request gives up when it cannot connect within 3 s, when its socket is
 * silent for 10 s (a server that accepts and never answers), or when the whole answer takes 20 s;
 * the SDK then retries (3 attempts in all). A command's deadline (`--timeout`) bounds the whole.
 */
export const CLIENT_TIMEOUTS_MS = { connection: 3_000, socketIdle: 10_000, request: 20_000 } as const;

/** Attempts per request (the first and two retries). */
export const CLIENT_MAX_ATTEMPTS = 3;

/** The SDK's request handler settings: every timeout on, and the request timeout thrown (smithy 4.x only logs it otherwise). */
export const REQUEST_HANDLER = {
  connectionTimeout: CLIENT_TIMEOUTS_MS.connection,
  socketTimeout: CLIENT_TIMEOUTS_MS.socketIdle,
  requestTimeout: CLIENT_TIMEOUTS_MS.request,
  throwOnRequestTimeout: true,
} as const;

/** SDK client settings: timeouts on every request, and for a loopback endpoint static local credentials. */
export interface ClientSettings {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts: number;
  readonly requestHandler: typeof REQUEST_HANDLER;
}

/** Settings for a client of a server of `npm run sandbox` or `npm run local` (on this machine): the same timeouts. */
export function localClientSettings(endpoint: string, region: string): ClientSettings & { readonly endpoint: string } {
  return {
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: CLIENT_MAX_ATTEMPTS,
    requestHandler: REQUEST_HANDLER,
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
    maxAttempts: CLIENT_MAX_ATTEMPTS,
    // A server that accepts and never answers must not hang a command (or a pipeline) forever.
    requestHandler: REQUEST_HANDLER,
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
        `(given ${quote(value)})`;
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
        `(given ${quote(value)})`;
}

/** Why `value` is not a DynamoDB table name (3-255 letters, digits, _, - and .), or undefined. */
export function tableNameProblem(value: string, field: string): string | undefined {
  return /^[A-Za-z0-9_.-]{3,255}$/.test(value)
    ? undefined
    : `${field} must be a DynamoDB table name: 3-255 letters, digits, _, - and . (given ${quote(value)})`;
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
  return ok ? undefined : `${field} must be an endpoint URL such as http://127.0.0.1:4566 (given ${quote(value)})`;
}

/**
 * A command's budget: one abort signal for every request it makes, fired `seconds` after it
 * starts, so a server that never answers ends the command within its `--timeout`, whatever the
 * retries. `stop()` once the command is done.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  /** When it passes (Date.now()). */
  public readonly endsAt: number;

  constructor(
    public readonly seconds: number,
    /** The option that set it, for messages. */
    public readonly option = "--timeout",
  ) {
    this.endsAt = Date.now() + seconds * 1000;
    // Unreferenced: the calls it bounds keep the process alive, the deadline alone never does.
    this.timer = setTimeout(() => this.controller.abort(), seconds * 1000).unref();
  }

  /** Aborts every request given it when the deadline passes. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get passed(): boolean {
    return this.controller.signal.aborted;
  }

  /** Resolves after `ms`, or at once when the deadline passes first. */
  sleep(ms: number): Promise<void> {
    if (this.passed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.signal.removeEventListener("abort", done);
        resolve();
      };
      // The deadline's own abort ends a longer sleep: a second timer set to the same instant could fire first and
      // return while `passed` is still false.
      const timer = setTimeout(done, ms);
      this.signal.addEventListener("abort", done);
    });
  }

  /** How a message names it: `within 5 s (--timeout 5)`. */
  describe(): string {
    return `within ${this.seconds} s (${this.option} ${this.seconds})`;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** An AWS call that failed; the message says which service, where, which operation and what happened. */
export class AwsCallError extends Error {
  public override readonly name = "AwsCallError";
}

const SERVICE_NAMES: Record<AwsService, string> = {
  sns: "SNS",
  sqs: "SQS",
  dynamodb: "DynamoDB",
  cloudwatch: "CloudWatch",
};

/** The host prefix of each service's regional AWS endpoint (CloudWatch's is `monitoring`). */
const ENDPOINT_PREFIXES: Record<AwsService, string> = {
  sns: "sns",
  sqs: "sqs",
  dynamodb: "dynamodb",
  cloudwatch: "monitoring",
};

/** Where a client of `service` sends its requests: its endpoint, the environment's, else AWS's regional one. */
export function endpointOf(
  service: AwsService,
  settings: Pick<ClientSettings, "endpoint" | "region">,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return (
    settings.endpoint ??
    env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ??
    env.AWS_ENDPOINT_URL ??
    `https://${ENDPOINT_PREFIXES[service]}.${settings.region ?? env.AWS_REGION ?? "<region>"}.amazonaws.com`
  );
}

/** The clients' calls of one command: a service at an endpoint, within the command's deadline. */
export class AwsCaller {
  public readonly endpoint: string;

  constructor(
    public readonly service: AwsService,
    settings: Pick<ClientSettings, "endpoint" | "region">,
    public readonly deadline: Deadline,
  ) {
    this.endpoint = endpointOf(service, settings);
  }

  /**
   * Runs one SDK call (`send` gets the options to pass to `client.send`); any failure becomes an
   * AwsCallError describing it (`describeAwsError`).
   */
  async call<T>(operation: string, send: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    try {
      return await send({ abortSignal: this.deadline.signal });
    } catch (error) {
      if (error instanceof AwsCallError) throw error;
      throw new AwsCallError(describeAwsError(this.service, error, this.endpoint, operation, this.deadline), {
        cause: error,
      });
    }
  }
}

const NETWORK_CODES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;
const CLOSED_CODES = /ECONNRESET|EPIPE|ECONNABORTED/;

/** The SDK's error, with the fields it may carry. */
type SdkError = Error & {
  code?: string;
  errno?: string;
  cause?: { code?: string; message?: string };
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
};

/** The SDK's name for an answer it could not read (a body that is not the service's JSON or XML). */
function isUnreadableAnswer(err: SdkError): boolean {
  return (
    err.name === "SyntaxError" ||
    err.name === "Unknown" ||
    /Deserialization error/.test(err.message) ||
    (err.name === "Error" && /(^|: )aborted$/m.test(err.message))
  );
}

/**
 * A failed AWS call in words, naming the service, its endpoint, the operation and what happened
 * at the HTTP level: the deadline passed, no connection, a silent or closed connection, an HTTP
 * status without the service's answer, or the service's own refusal.
 */
export function describeAwsError(
  service: AwsService,
  error: unknown,
  endpoint?: string,
  operation = "the call",
  deadline?: Deadline,
): string {
  const err = error as SdkError;
  const name = SERVICE_NAMES[service];
  const at = endpoint ? `${name} at ${endpoint}` : name;
  const attempts = err.$metadata?.attempts;
  const tries = attempts && attempts > 1 ? `, ${attempts} attempts` : "";
  const status = err.$metadata?.httpStatusCode;
  // The SDK wraps network errors; the code may sit on the error, its cause, or only in its message.
  const codes = [err.code, err.errno, err.cause?.code, String(err.message)].filter(
    (c): c is string => typeof c === "string",
  );
  const code = (pattern: RegExp): string | undefined => codes.map((c) => pattern.exec(c)?.[0]).find(Boolean);
  if (deadline?.passed && (err.name === "AbortError" || /abort/i.test(err.message))) {
    return `${at} did not answer ${operation} ${deadline.describe()}`;
  }
  const unreachable = code(NETWORK_CODES);
  if (unreachable && endpoint && isLoopback(endpoint)) {
    return `could not reach ${at} (${unreachable}): is "npm run sandbox" running? It rewrites the outputs file each start`;
  }
  if (unreachable) {
    return `could not reach ${at} (${unreachable}): check the region, AWS_ENDPOINT_URL_${service.toUpperCase()} and the network`;
  }
  if (/did not establish a connection/.test(err.message)) {
    return `could not connect to ${at} for ${operation} within ${CLIENT_TIMEOUTS_MS.connection / 1000} s${tries}`;
  }
  if (/socket timed out/.test(err.message)) {
    return `${at} accepted the connection but did not answer ${operation}: silent for ${CLIENT_TIMEOUTS_MS.socketIdle / 1000} s${tries}`;
  }
  if (/requestTimeout/.test(err.message)) {
    return `${at} did not finish answering ${operation} within ${CLIENT_TIMEOUTS_MS.request / 1000} s${tries}`;
  }
  // "aborted": Node's http when the connection closes mid-body (inside jest, the SDK wraps it: "...: Error: aborted").
  const closed =
    code(CLOSED_CODES) ?? (/socket hang up|(^|: )aborted$/m.test(err.message) ? "connection closed" : undefined);
  if (closed) {
    return status !== undefined
      ? `${at} closed the connection in the middle of its answer to ${operation} (HTTP ${status}, ${closed}${tries})`
      : `${at} closed the connection before answering ${operation} (${closed}${tries})`;
  }
  if (status !== undefined && status >= 300 && isUnreadableAnswer(err)) {
    return `${at} answered ${operation} with HTTP ${status} and a body that is not ${name}'s answer: is the endpoint ${name}?`;
  }
  return `${name} refused ${operation}: ${cutText(err.name)}: ${cutText(err.message)}${status !== undefined ? ` (HTTP ${status} from ${endpoint ?? name})` : ""}`;
}
