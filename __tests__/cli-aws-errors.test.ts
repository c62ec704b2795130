import { AwsCallError, AwsCaller, Deadline, describeAwsError, endpointOf } from "../cli/aws";

/**
 * How a failed AWS call reads, for each way it fails: the errors are shaped as the SDK throws them
 * (name, message, code, `$metadata`), as seen against servers on 127.0.0.1 by
 * ops-silent-endpoint.test.ts and ops-http-failures.test.ts, which run the built commands.
 */

const E = "http://127.0.0.1:4566";

/** An error as the SDK throws it. */
function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

describe("a failed call", () => {
  test("names the deadline when it passed during the call", async () => {
    const deadline = new Deadline(0.01);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(describeAwsError("sns", sdkError("AbortError", "Request aborted"), E, "Publish", deadline)).toBe(
      `SNS at ${E} did not answer Publish within 0.01 s (--timeout 0.01)`,
    );
  });

  test("does not blame the deadline for an abort while it has not passed", () => {
    const deadline = new Deadline(60);
    try {
      expect(describeAwsError("sns", sdkError("AbortError", "Request aborted"), E, "Publish", deadline)).toBe(
        "SNS refused Publish: AbortError: Request aborted",
      );
    } finally {
      deadline.stop();
    }
  });

  test.each([
    ["on the error", { code: "ECONNREFUSED" }, "connect failed"],
    ["on its cause", { cause: { code: "ECONNREFUSED" } }, "connect failed"],
    ["in its message", {}, "connect ECONNREFUSED 127.0.0.1:4566"],
  ])("says a loopback endpoint is not running when ECONNREFUSED is %s", (_where, extra, message) => {
    expect(describeAwsError("sqs", sdkError("Error", message, extra), E, "ReceiveMessage")).toBe(
      `could not reach SQS at ${E} (ECONNREFUSED): is "npm run sandbox" running? It rewrites the outputs file each start`,
    );
  });

  test("says what to check when AWS's endpoint cannot be resolved", () => {
    const endpoint = "https://sns.eu-west-1.amazonaws.com";
    expect(
      describeAwsError("sns", sdkError("Error", "getaddrinfo ENOTFOUND sns.eu-west-1.amazonaws.com"), endpoint),
    ).toBe(`could not reach SNS at ${endpoint} (ENOTFOUND): check the region, AWS_ENDPOINT_URL_SNS and the network`);
  });

  test("says no connection could be made within the connection timeout", () => {
    const error = sdkError(
      "TimeoutError",
      "@smithy/node-http-handler - the request did not establish a connection with the server within the configured timeout of 3000 ms.",
      { $metadata: { attempts: 3 } },
    );
    expect(describeAwsError("dynamodb", error, E, "GetItem")).toBe(
      `could not connect to DynamoDB at ${E} for GetItem within 3 s, 3 attempts`,
    );
  });

  test("says the server accepted and stayed silent when the socket timeout fired", () => {
    const error = sdkError(
      "TimeoutError",
      "@smithy/node-http-handler - the request socket timed out after 10000 ms of inactivity (configured by client requestHandler).",
      { $metadata: { attempts: 3 } },
    );
    expect(describeAwsError("sns", error, E, "Publish")).toBe(
      `SNS at ${E} accepted the connection but did not answer Publish: silent for 10 s, 3 attempts`,
    );
  });

  test("says the answer took too long when the request timeout fired, without a count for one attempt", () => {
    const error = sdkError(
      "TimeoutError",
      "@smithy/node-http-handler - [ERROR] a request has exceeded the configured 20000 ms requestTimeout.",
      { code: "ETIMEDOUT", $metadata: { attempts: 1 } },
    );
    expect(describeAwsError("sqs", error, E, "PurgeQueue")).toBe(
      `SQS at ${E} did not finish answering PurgeQueue within 20 s`,
    );
  });

  test("says the connection was closed before any answer", () => {
    const error = sdkError("TimeoutError", "read ECONNRESET", { code: "ECONNRESET", $metadata: { attempts: 2 } });
    expect(describeAwsError("sns", error, E, "Publish")).toBe(
      `SNS at ${E} closed the connection before answering Publish (ECONNRESET, 2 attempts)`,
    );
  });

  test("says the connection was closed in the middle of an answer, with its status", () => {
    const error = sdkError("Error", "aborted\n  Deserialization error: to see the raw response, inspect $response", {
      $metadata: { httpStatusCode: 200, attempts: 3 },
    });
    expect(describeAwsError("sqs", error, E, "ReceiveMessage")).toBe(
      `SQS at ${E} closed the connection in the middle of its answer to ReceiveMessage (HTTP 200, connection closed, 3 attempts)`,
    );
  });

  test.each([
    ["SyntaxError", `Unexpected token '<', "<html>Bad "... is not valid JSON\n  Deserialization error: ...`],
    ["Unknown", "Unknown"],
  ])("says a %s answer with a status is not the service's", (name, message) => {
    const error = sdkError(name, message, { $metadata: { httpStatusCode: 502, attempts: 3 } });
    expect(describeAwsError("sqs", error, E, "ReceiveMessage")).toBe(
      `SQS at ${E} answered ReceiveMessage with HTTP 502 and a body that is not SQS's answer: is the endpoint SQS?`,
    );
  });

  test("quotes the service's own refusal with its status and endpoint", () => {
    const error = sdkError("NotFound", "Topic does not exist", {
      $fault: "client",
      $metadata: { httpStatusCode: 404 },
    });
    expect(describeAwsError("sns", error, E, "Publish")).toBe(
      `SNS refused Publish: NotFound: Topic does not exist (HTTP 404 from ${E})`,
    );
  });

  test("cuts a refusal's long message", () => {
    const error = sdkError("ValidationException", "x".repeat(5000));
    expect(describeAwsError("dynamodb", error, E, "GetItem")).toBe(
      `DynamoDB refused GetItem: ValidationException: ${"x".repeat(200)}… (5000 characters)`,
    );
  });
});

describe("the endpoint a message names", () => {
  test("is the client's own, else the environment's for the service, else AWS_ENDPOINT_URL, else AWS's", () => {
    expect(endpointOf("sqs", { endpoint: E, region: "eu-west-1" }, { AWS_ENDPOINT_URL_SQS: "http://x:1" })).toBe(E);
    expect(
      endpointOf(
        "sqs",
        { region: "eu-west-1" },
        { AWS_ENDPOINT_URL_SQS: "http://x:1", AWS_ENDPOINT_URL: "http://y:2" },
      ),
    ).toBe("http://x:1");
    expect(endpointOf("sqs", { region: "eu-west-1" }, { AWS_ENDPOINT_URL: "http://y:2" })).toBe("http://y:2");
    expect(endpointOf("dynamodb", { region: "eu-west-1" }, {})).toBe("https://dynamodb.eu-west-1.amazonaws.com");
    expect(endpointOf("sns", {}, { AWS_REGION: "ap-south-1" })).toBe("https://sns.ap-south-1.amazonaws.com");
  });
});

describe("a command's deadline", () => {
  test("has not passed before its time, and aborts its signal when it comes", async () => {
    const deadline = new Deadline(0.05);
    expect([deadline.passed, deadline.signal.aborted]).toEqual([false, false]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect([deadline.passed, deadline.signal.aborted]).toEqual([true, true]);
  });

  test("cuts a sleep short when it passes first", async () => {
    const deadline = new Deadline(0.05);
    const started = Date.now();
    await deadline.sleep(10_000);
    expect(deadline.passed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("returns at once from a sleep begun after it passed", async () => {
    const deadline = new Deadline(0.01);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const started = Date.now();
    await deadline.sleep(10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("lets a sleep that ends first end on its own time", async () => {
    const deadline = new Deadline(60);
    try {
      await deadline.sleep(10);
      expect(deadline.passed).toBe(false);
    } finally {
      deadline.stop();
    }
  });

  test("never fires once stopped", async () => {
    const deadline = new Deadline(0.02);
    deadline.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deadline.passed).toBe(false);
  });

  test("names its option and seconds", () => {
    const deadline = new Deadline(5, "--wait");
    deadline.stop();
    expect(deadline.describe()).toBe("within 5 s (--wait 5)");
  });
});

describe("a caller", () => {
  test("passes the deadline's signal to each call and returns its answer", async () => {
    const deadline = new Deadline(60);
    try {
      const caller = new AwsCaller("sns", { endpoint: E }, deadline);
      let given: AbortSignal | undefined;
      const answer = await caller.call("Publish", async (options) => {
        given = options.abortSignal;
        return "answer";
      });
      expect([answer, given]).toEqual(["answer", deadline.signal]);
    } finally {
      deadline.stop();
    }
  });

  test("turns a failure into an AwsCallError that describes it and keeps it as the cause", async () => {
    const deadline = new Deadline(60);
    try {
      const caller = new AwsCaller("sqs", { endpoint: E }, deadline);
      const failure = sdkError("Error", "connect ECONNREFUSED 127.0.0.1:4566");
      const thrown = await caller.call("GetQueueAttributes", () => Promise.reject(failure)).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(AwsCallError);
      expect(thrown).toMatchObject({
        message: `could not reach SQS at ${E} (ECONNREFUSED): is "npm run sandbox" running? It rewrites the outputs file each start`,
        cause: failure,
      });
    } finally {
      deadline.stop();
    }
  });

  test("lets an AwsCallError through unchanged", async () => {
    const deadline = new Deadline(60);
    try {
      const caller = new AwsCaller("sqs", { endpoint: E }, deadline);
      const described = new AwsCallError("already described");
      await expect(caller.call("ReceiveMessage", () => Promise.reject(described))).rejects.toBe(described);
    } finally {
      deadline.stop();
    }
  });
});
