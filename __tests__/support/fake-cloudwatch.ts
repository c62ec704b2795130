import * as http from "http";
import { AddressInfo } from "net";

/**
 * CloudWatch on 127.0.0.1, speaking the protocol the SDK speaks to AWS (JSON 1.0: POST /, the
 * operation in `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, JSON in and out, times
 * as epoch seconds), so a command's request path is the real one: only the answers are made up.
 * No local CloudWatch server exists.
 */

/** One request as CloudWatch received it. */
export interface CloudWatchRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

/** The answer to an operation: a JSON body, or `{ status, body }` for an error. */
export type CloudWatchAnswer =
  Record<string, unknown> | { readonly status: number; readonly body: Record<string, unknown> };

export interface FakeCloudWatch {
  readonly endpoint: string;
  readonly requests: CloudWatchRequest[];
  /** What each operation answers (an operation not here answers CloudWatch's UnknownOperationException). */
  answers: Record<string, (body: Record<string, unknown>) => CloudWatchAnswer>;
  stop(): Promise<void>;
}

const TARGET_PREFIX = "GraniteServiceVersion20100801.";

export async function startFakeCloudWatch(answers: FakeCloudWatch["answers"] = {}): Promise<FakeCloudWatch> {
  const requests: CloudWatchRequest[] = [];
  const fake = { requests, answers } as FakeCloudWatch;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      requests.push({ operation, body });
      const answer = fake.answers[operation]?.(body) ?? {
        status: 400,
        body: { __type: "com.amazonaws.cloudwatch#UnknownOperationException", message: `no ${operation} here` },
      };
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
