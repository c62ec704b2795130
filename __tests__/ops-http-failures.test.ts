import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { sampleOrder } from "../contract/samples";
import { LOCAL_AWS_ENV } from "../local/servers";
import { ROOT, run, runBuilt } from "./support/commands";
import { FakeSns, SnsAnswer, startFakeSns } from "./support/fake-sns";
import { deliveryBody, sqsEvent, sqsRecord } from "./support/sqs-events";

/**
 * Failures at the HTTP level say so: a non-2xx answer whose body is not the service's (a proxy's
 * HTML 502) and a connection closed before or during the answer are reported with the status code
 * (or "closed") and the endpoint's host, by the function's log line and by the commands, not as
 * `SyntaxError: Unexpected token` or `Error: aborted`. The built function and commands run as
 * child processes; servers on 127.0.0.1 only.
 */

const BUNDLE = path.join(ROOT, "dist", "functions", "process-order", "index.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-http-"));
const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** An HTTP server answering every request with `status` and an HTML body. */
async function answering(status: number): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { "content-type": "text/html" });
    res.end(`<html><body>${status} Bad Gateway</body></html>`);
  });
  return listen(server);
}

/** A TCP server that answers headers and half a JSON body, then closes the connection. */
async function cuttingOff(): Promise<string> {
  const server = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", () => {
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 100\r\n\r\n{"Item":',
      );
      setTimeout(() => socket.destroy(), 20);
    });
  });
  return listen(server);
}

/** A TCP server that resets every connection once the request arrives. */
async function resetting(): Promise<string> {
  const server = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", () => socket.resetAndDestroy());
  });
  return listen(server);
}

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stops.push(
    () =>
      new Promise<void>((resolve) => {
        (server as http.Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/**
 * Invokes the built function (what Lambda runs) in a child process with one order, its DynamoDB
 * at `endpoint`, and returns its log line. A child process, not jest's: inside jest's module
 * sandbox the SDK cannot tell Node's own errors for errors and replaces them with a bare wrapper.
 */
async function failedLine(endpoint: string): Promise<Record<string, unknown>> {
  const event = sqsEvent([sqsRecord(deliveryBody(sampleOrder()))]);
  const script =
    `const { handler } = require(${JSON.stringify(BUNDLE)});` +
    `const context = { getRemainingTimeInMillis: () => 10000 };` +
    `handler(${JSON.stringify(event)}, context).then((r) => process.stdout.write("response " + JSON.stringify(r)));`;
  const result = await run(process.execPath, ["-e", script], {
    env: { ...LOCAL_AWS_ENV, AWS_ENDPOINT_URL_DYNAMODB: endpoint, ORDERS_TABLE_NAME: "orders-test-Orders" },
  });
  const lines = `${result.stdout}\n${result.stderr}`.split("\n");
  const response = lines.find((l) => l.startsWith("response "))!.slice("response ".length);
  expect(JSON.parse(response).batchItemFailures).toHaveLength(1);
  // Powertools writes warnings and errors to standard error; the invocation's metrics (EMF) are not log lines.
  const logLines = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  return logLines.filter((line) => !("_aws" in line))[0];
}

describe("the function's log line for a failed write", () => {
  test("carries the status and the host of an answer that is not DynamoDB's (a proxy's HTML 502)", async () => {
    const endpoint = await answering(502);
    const host = new URL(endpoint).host;
    expect(await failedLine(endpoint)).toMatchObject({
      outcome: "failed",
      errorKind: "HttpError",
      error: `DynamoDB at ${host} answered HTTP 502 with a body that is not DynamoDB's`,
      httpStatus: 502,
      host,
    });
  });

  test("carries 'closed' and the host when the connection closes in the middle of the answer", async () => {
    const endpoint = await cuttingOff();
    const host = new URL(endpoint).host;
    expect(await failedLine(endpoint)).toMatchObject({
      outcome: "failed",
      errorKind: "HttpError",
      error: `DynamoDB at ${host} closed the connection in the middle of its answer (HTTP 200) (ECONNRESET)`,
      connection: "closed",
      host,
    });
  });

  test("carries 'closed' and the host when the connection is reset before any answer", async () => {
    const endpoint = await resetting();
    const host = new URL(endpoint).host;
    expect(await failedLine(endpoint)).toMatchObject({
      outcome: "failed",
      errorKind: "HttpError",
      error: `DynamoDB at ${host} closed the connection before answering (ECONNRESET)`,
      connection: "closed",
      host,
    });
  });
});

describe("the commands' message for a failed call", () => {
  const TOPIC = "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic";
  let n = 0;
  const outputsFor = (endpoint: string): string => {
    const file = path.join(dir, `outputs-${++n}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        "orders-dev": {
          topic_arn: TOPIC,
          dlq_url: `${endpoint}/000000000000/orders-dev-OrderQueueDLQ`,
          aws_region: "us-east-1",
          aws_endpoint_url_sns: endpoint,
          aws_endpoint_url_sqs: endpoint,
        },
      }),
    );
    return file;
  };
  const sns = async (answer: SnsAnswer): Promise<FakeSns> => {
    const fake = await startFakeSns(() => answer);
    stops.push(() => fake.stop());
    return fake;
  };

  test("publish names the status and the endpoint of an answer that is not SNS's", async () => {
    const fake = await sns({ status: 502 });
    const result = await runBuilt("dist/ops/publish.js", ["--count", "1", "--outputs", outputsFor(fake.endpoint)]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 1,
      stderr: `SNS at ${fake.endpoint} answered Publish with HTTP 502 and a body that is not SNS's answer: is the endpoint SNS?\n`,
    });
  });

  test("publish says the connection was closed, and where, when it drops without an answer", async () => {
    const fake = await sns("drop");
    const result = await runBuilt("dist/ops/publish.js", ["--count", "1", "--outputs", outputsFor(fake.endpoint)]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 1,
      stderr: `SNS at ${fake.endpoint} closed the connection before answering Publish (ECONNRESET, 3 attempts)\n`,
    });
  });

  test("dlq list names the status and the endpoint of an answer that is not SQS's", async () => {
    const endpoint = await answering(503);
    const result = await runBuilt("dist/ops/dlq.js", ["list", "--outputs", outputsFor(endpoint)]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 1,
      stderr: `SQS at ${endpoint} answered ReceiveMessage with HTTP 503 and a body that is not SQS's answer: is the endpoint SQS?\n`,
    });
  });

  test("dlq list says the connection was closed in the middle of SQS's answer", async () => {
    const endpoint = await cuttingOff();
    const result = await runBuilt("dist/ops/dlq.js", ["list", "--outputs", outputsFor(endpoint)]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 1,
      stderr: `SQS at ${endpoint} closed the connection in the middle of its answer to ReceiveMessage (HTTP 200, ECONNRESET, 3 attempts)\n`,
    });
  });
});
