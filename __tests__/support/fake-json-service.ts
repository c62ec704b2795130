import * as http from "http";
import { AddressInfo } from "net";

/**
 * An AWS service on 127.0.0.1 speaking the protocol the SDK speaks to AWS for CloudWatch and SQS
 * (JSON 1.0: POST /, the operation in `X-Amz-Target: <prefix>.<Operation>`, JSON in and out, times
 * as epoch seconds), so a command's request path is the real one: only the answers are made up.
 * CloudWatch has no local server; SQS's stand-in answers what local-aws-sqs never does (a failed
 * delete, a message-move task that stays running, an action it does not implement).
 */

/** One request as the service received it. */
export interface ServiceRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

/** The answer to an operation: a JSON body, `{ status, body }` for an error, or "silent": read, never answer. */
export type ServiceAnswer =
  Record<string, unknown> | { readonly status: number; readonly body: Record<string, unknown> } | "silent";

export interface FakeService {
  readonly endpoint: string;
  readonly requests: ServiceRequest[];
  /** What each operation answers (an operation not here answers UnknownOperationException). */
  answers: Record<string, (body: Record<string, unknown>) => ServiceAnswer>;
  stop(): Promise<void>;
}

/** CloudWatch's stand-in. */
export type FakeCloudWatch = FakeService;

export function startFakeCloudWatch(answers: FakeService["answers"] = {}): Promise<FakeService> {
  return startFakeJsonService("GraniteServiceVersion20100801", "com.amazonaws.cloudwatch", answers);
}

/** SQS's stand-in. */
export function startFakeSqs(answers: FakeService["answers"] = {}): Promise<FakeService> {
  return startFakeJsonService("AmazonSQS", "com.amazonaws.sqs", answers);
}

async function startFakeJsonService(
  targetPrefix: string,
  errorNamespace: string,
  answers: FakeService["answers"],
): Promise<FakeService> {
  const requests: ServiceRequest[] = [];
  const fake = { requests, answers } as FakeService;
  // The SDK retries a call under one invocation id (an attempt given up on a loaded machine's connection timeout,
  // say): each retry gets the answer of the call's first attempt, so an answer given in turn is never lost.
  const answered = new Map<string, ServiceAnswer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : target;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      const invocation = String(req.headers["amz-sdk-invocation-id"] ?? "");
      const retried = invocation !== "" && answered.has(invocation);
      if (!retried) requests.push({ operation, body });
      const answer = retried
        ? answered.get(invocation)!
        : (fake.answers[operation]?.(body) ?? {
            status: 400,
            body: { __type: `${errorNamespace}#UnknownOperationException`, message: `no ${operation} here` },
          });
      if (invocation !== "") answered.set(invocation, answer);
      if (answer === "silent") return;
      const isError = typeof answer.status === "number" && "body" in answer;
      res.writeHead(isError ? (answer.status as number) : 200, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify(isError ? answer.body : answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.assign(fake, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return fake;
}

/** GetMetricData's answer: for each query id, its values (newest first), as CloudWatch gives them. */
export function metricDataAnswer(valuesById: Record<string, number[]>): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    MetricDataResults: Object.entries(valuesById).map(([Id, Values]) => ({
      Id,
      Label: Id,
      Timestamps: Values.map((_, i) => now - 60 * i),
      Values,
      StatusCode: "Complete",
    })),
    Messages: [],
  };
}
