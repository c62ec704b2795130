import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dlqMain } from "../ops/dlq-command";
import { FakeService, ServiceAnswer, startFakeSqs } from "./support/fake-json-service";
import { CommandIo } from "../cli/cli";
import { recordingIo } from "./support/io";

/**
 * `npm run dlq` against SQS answers local-aws-sqs never gives: an SQS without the message-move
 * task, a task that ends CANCELLED, stays RUNNING past --timeout or cannot be found, entries of a
 * delete that fail, a listing whose messages cannot be made visible again, messages without a
 * sent time. SQS is a stand-in on 127.0.0.1 speaking its JSON protocol; the command runs in
 * jest's process. ops-dlq.test.ts runs the usual paths against local-aws-sqs.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-dlq-answers-"));
const DLQ_ARN = "arn:aws:sqs:us-east-1:000000000000:orders-dev-OrderQueueDLQ";
let sqs: FakeService;
let dlqUrl: string;

beforeAll(async () => {
  sqs = await startFakeSqs();
  dlqUrl = `${sqs.endpoint}/000000000000/orders-dev-OrderQueueDLQ`;
});

afterAll(() => sqs.stop());

/** An outputs file naming the DLQ and the stand-in, as arguments. */
function stackArgs(): string[] {
  const outputs = path.join(dir, "outputs.json");
  fs.writeFileSync(
    outputs,
    JSON.stringify({ "orders-dev": { dlq_url: dlqUrl, aws_region: "us-east-1", aws_endpoint_url_sqs: sqs.endpoint } }),
  );
  return ["--outputs", outputs, "--stack", "orders-dev"];
}

/** Runs the command in this process with these SQS answers; --dlq-url and the endpoint come from an outputs file. */
async function dlq(
  argv: string[],
  answers: Record<string, (body: Record<string, unknown>) => ServiceAnswer>,
): Promise<{ exit: number; stdout: string; stderr: string }> {
  sqs.answers = { GetQueueAttributes: () => ({ Attributes: { QueueArn: DLQ_ARN } }), ...answers };
  const io = recordingIo();
  const exit = await dlqMain([...argv, ...stackArgs()], io);
  return { exit, stdout: io.out(), stderr: io.err() };
}

/** ListMessageMoveTasks answering one task of this state. */
const task = (fields: Record<string, unknown>) => () => ({ Results: [{ TaskHandle: "t-1", ...fields }] });
const started = { StartMessageMoveTask: () => ({ TaskHandle: "t-1" }) };
const startLine = `started moving messages from ${DLQ_ARN} back to their source queue (task t-1)\n`;

describe("redrive", () => {
  test("against an SQS without the message-move task says so, names the server and moves nothing", async () => {
    expect(await dlq(["redrive"], {})).toEqual({
      exit: 1,
      stdout: "",
      stderr:
        `redrive needs SQS's StartMessageMoveTask, which the SQS server at ${sqs.endpoint} does not implement ` +
        `(it answered UnknownOperationException: no StartMessageMoveTask here); fauxqs, the server of ` +
        `"npm run sandbox", has none: nothing was moved\n`,
    });
  });

  test.each(["XInvalidAction", "InvalidActionX"])(
    "reports an SQS error named %s as the error it is, not as a server without the move task",
    async (name) => {
      const refused = { status: 400, body: { __type: `com.amazonaws.sqs#${name}`, message: "refused" } };
      const result = await dlq(["redrive"], { StartMessageMoveTask: () => refused });
      expect(result.stderr).not.toMatch(/^redrive needs/);
    },
  );

  test.each(["FAILED", "CANCELLED", "CANCELLING"])(
    "reports a move that ends %s before moving anything, without a reason, and fails",
    async (status) => {
      const result = await dlq(["redrive"], { ...started, ListMessageMoveTasks: task({ Status: status }) });
      expect(result).toEqual({
        exit: 1,
        stdout: `${startLine}${status}: moved 0\n`,
        stderr: `the move ended ${status}\n`,
      });
    },
  );

  test("stops watching a move still RUNNING at --timeout and says SQS goes on with it", async () => {
    const result = await dlq(["redrive", "--timeout", "1", "--interval", "400"], {
      ...started,
      ListMessageMoveTasks: task({
        Status: "RUNNING",
        ApproximateNumberOfMessagesMoved: 1,
        ApproximateNumberOfMessagesToMove: 3,
      }),
    });
    expect({ exit: result.exit, stderr: result.stderr }).toEqual({
      exit: 1,
      stderr:
        'the move is still RUNNING within 1 s (--timeout 1): moved 1 of 3; SQS goes on with it ("npm run dlq -- list" shows what is left)\n',
    });
    expect(result.stdout.split("\n").slice(1, -1)).toEqual([
      "RUNNING: moved 1 of 3",
      "RUNNING: moved 1 of 3",
      "RUNNING: moved 1 of 3",
    ]);
  });

  test.each([
    ["an empty list", { Results: [] }],
    ["no list", {}],
  ])("fails when SQS lists no move task for the DLQ (%s)", async (_, answer) => {
    const result = await dlq(["redrive"], { ...started, ListMessageMoveTasks: () => answer });
    expect({ exit: result.exit, stderr: result.stderr }).toEqual({
      exit: 1,
      stderr: `no message-move task found for ${DLQ_ARN}\n`,
    });
  });

  test("follows its own task when SQS lists another first", async () => {
    const result = await dlq(["redrive"], {
      ...started,
      ListMessageMoveTasks: () => ({
        Results: [
          { TaskHandle: "other", Status: "FAILED" },
          { TaskHandle: "t-1", Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 2 },
        ],
      }),
    });
    expect(result).toEqual({ exit: 0, stdout: `${startLine}COMPLETED: moved 2\n`, stderr: "" });
  });
});

type Message = Record<string, unknown>;

/** A message as SQS gives it (the SDK checks the body's MD5), received `receives` times if given. */
const message = (id: string, body: string, receives?: number): Message => ({
  MessageId: id,
  ReceiptHandle: `h-${id}`,
  Body: body,
  MD5OfBody: createHash("md5").update(body).digest("hex"),
  ...(receives === undefined ? {} : { Attributes: { ApproximateReceiveCount: String(receives) } }),
});

/** ReceiveMessage answering each list of `answers` in turn, then no message. */
function receivedInTurn(...answers: Message[][]): () => ServiceAnswer {
  let calls = 0;
  return () => (calls < answers.length ? { Messages: answers[calls++] } : {});
}

/** ReceiveMessage answering `messages` the first time, then none. */
const receivedOnce = (...messages: Message[]): (() => ServiceAnswer) => receivedInTurn(messages);
const visibleAgain = { ChangeMessageVisibilityBatch: () => ({ Successful: [{ Id: "v0" }] }) };

describe("purge --max", () => {
  const received = () => receivedOnce(message("m-1", "{}"), message("m-2", "{}"), message("m-3", "{}"));

  test("fails naming why SQS did not delete some messages, and says how many it deleted", async () => {
    const result = await dlq(["purge", "--max", "5", "--yes"], {
      ReceiveMessage: received(),
      DeleteMessageBatch: () => ({
        Successful: [{ Id: "d0" }],
        Failed: [
          { Id: "d1", SenderFault: true, Code: "ReceiptHandleIsInvalid" },
          { Id: "d2", SenderFault: true, Code: "InvalidIdFormat" },
        ],
      }),
    });
    expect(result).toEqual({
      exit: 1,
      stdout: `deleted 1 message(s) from ${dlqUrl}\n`,
      stderr: "SQS did not delete 2 message(s): ReceiptHandleIsInvalid; InvalidIdFormat\n",
    });
  });

  test("reports an action SQS does not implement as SQS's refusal (the advice about the move task is redrive's)", async () => {
    const result = await dlq(["purge", "--max", "5", "--yes"], {});
    expect(result.stderr).toBe(
      `SQS refused ReceiveMessage: UnknownOperationException: no ReceiveMessage here (HTTP 400 from ${sqs.endpoint})\n`,
    );
  });

  test("names a failed delete by its message when SQS gives no code", async () => {
    const result = await dlq(["purge", "--max", "5", "--yes"], {
      ReceiveMessage: received(),
      DeleteMessageBatch: () => ({ Failed: [{ Id: "d0", SenderFault: false, Message: "try again" }] }),
    });
    expect(result.stderr).toBe("SQS did not delete 1 message(s): try again\n");
  });
});

describe("list", () => {
  test("fails when the listed messages cannot be made visible again, saying when they reappear", async () => {
    const result = await dlq(["list"], {
      ReceiveMessage: receivedOnce(message("m-1", "{}")),
      ChangeMessageVisibilityBatch: () => ({
        status: 400,
        body: { __type: "com.amazonaws.sqs#ReceiptHandleIsInvalid", message: "handle expired" },
      }),
    });
    expect({ exit: result.exit, stdout: result.stdout }).toEqual({ exit: 1, stdout: "" });
    expect(result.stderr).toMatch(
      /^SQS refused ChangeMessageVisibilityBatch: ReceiptHandleIsInvalid: handle expired .+: the listed messages reappear on their own after 30 s\n$/,
    );
  });

  test("shows a message without a sent time as first seen unknown", async () => {
    const result = await dlq(["list"], {
      ReceiveMessage: receivedOnce(message("m-1", "{broken")),
      ...visibleAgain,
    });
    expect(result.stdout.split("\n")[1]).toMatch(/^m-1 {2}receives 0 {2}first seen unknown {2}MalformedMessageError: /);
  });

  test("fails naming why SQS did not make each of the listed messages visible again", async () => {
    const result = await dlq(["list"], {
      ReceiveMessage: receivedOnce(message("m-1", "{}"), message("m-2", "{}")),
      ChangeMessageVisibilityBatch: () => ({
        Failed: [
          { Id: "v0", SenderFault: true, Code: "ReceiptHandleIsInvalid" },
          { Id: "v1", SenderFault: true, Code: "MessageNotInflight" },
        ],
      }),
    });
    expect({ exit: result.exit, stderr: result.stderr }).toEqual({
      exit: 1,
      stderr:
        "SQS did not make 2 listed message(s) visible again (ReceiptHandleIsInvalid; MessageNotInflight): " +
        "they reappear on their own after 30 s\n",
    });
  });

  test("gives up making the listed messages visible again after 5 s when SQS does not answer", async () => {
    const started = Date.now();
    const result = await dlq(["list", "--timeout", "60"], {
      ReceiveMessage: receivedOnce(message("m-1", "{}")),
      ChangeMessageVisibilityBatch: () => "silent",
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect({ exit: result.exit, stderr: result.stderr }).toEqual({
      exit: 1,
      stderr: expect.stringMatching(
        /ChangeMessageVisibilityBatch.*: the listed messages reappear on their own after 30 s\n$/,
      ),
    });
  }, 30_000);

  test("names ReceiveMessage when SQS refuses it", async () => {
    const result = await dlq(["list"], {
      ReceiveMessage: () => ({
        status: 400,
        body: { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "no such queue" },
      }),
    });
    expect(result.stderr).toMatch(/^SQS refused ReceiveMessage: QueueDoesNotExist: no such queue /);
  });

  test("asks for no more messages than --max leaves, with every system attribute in both spellings", async () => {
    sqs.requests.length = 0;
    await dlq(["list", "--max", "3"], {
      ReceiveMessage: receivedInTurn([message("m-1", "{}")], [message("m-2", "{}")], [message("m-3", "{}")]),
      ...visibleAgain,
    });
    const receives = sqs.requests.filter((r) => r.operation === "ReceiveMessage").map((r) => r.body);
    expect(receives.map((b) => b.MaxNumberOfMessages)).toEqual([3, 2, 1]);
    expect(receives[0]).toMatchObject({ AttributeNames: ["All"], MessageSystemAttributeNames: ["All"] });
  });

  test("shows at most --max messages when SQS returns more than asked", async () => {
    const result = await dlq(["list", "--max", "2"], {
      ReceiveMessage: receivedOnce(message("m-1", "{}"), message("m-2", "{}"), message("m-3", "{}")),
      ...visibleAgain,
    });
    expect(result.stdout.split("\n")[0]).toBe(`2 message(s) on ${dlqUrl}`);
  });

  test("shows a message SQS delivered twice in one listing once, with its first receive count", async () => {
    const result = await dlq(["list"], {
      ReceiveMessage: receivedInTurn([message("m-1", "{}", 2)], [message("m-1", "{}", 3)]),
      ...visibleAgain,
    });
    expect(result.stdout.split("\n").slice(0, 2)).toEqual([
      `1 message(s) on ${dlqUrl}`,
      expect.stringMatching(/^m-1 {2}receives 1 {2}/),
    ]);
  });
});

describe("a request SQS refuses", () => {
  const refused = () => ({
    status: 400,
    body: { __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "no such queue" },
  });
  const received = () => receivedOnce(message("m-1", "{}"));
  test.each([
    ["redrive", ["redrive"], "GetQueueAttributes", {}],
    ["redrive", ["redrive"], "StartMessageMoveTask", {}],
    ["redrive", ["redrive"], "ListMessageMoveTasks", started],
    ["purge --yes", ["purge", "--yes"], "PurgeQueue", {}],
    ["purge --max", ["purge", "--max", "5", "--yes"], "ReceiveMessage", {}],
    ["purge --max", ["purge", "--max", "5", "--yes"], "DeleteMessageBatch", {}],
  ] as const)("by %s is named: %s", async (_label, argv, operation, before) => {
    const result = await dlq([...argv], { ReceiveMessage: received(), ...before, [operation]: refused });
    expect({ exit: result.exit, first: result.stderr.split(": ")[0] }).toEqual({
      exit: 1,
      first: `SQS refused ${operation}`,
    });
  });
});

describe("purge", () => {
  test.each([
    [[], "purge deletes every message on the DLQ: run it in a terminal to confirm, or pass --yes"],
    [["--max", "3"], "purge deletes up to 3 messages on the DLQ: run it in a terminal to confirm, or pass --yes"],
  ])("without --yes and no terminal %j is refused, saying what it would delete", async (extra, message) => {
    const result = await dlq(["purge", ...extra], {});
    expect({ exit: result.exit, first: result.stderr.split("\n")[0] }).toEqual({ exit: 2, first: message });
  });

  test("asks at the terminal about every message when --max is not given", async () => {
    const questions: string[] = [];
    const io = recordingIo();
    const asking: CommandIo = { ...io, confirm: async (question) => (questions.push(question), false) };
    expect(await dlqMain(["purge", ...stackArgs()], asking)).toBe(0);
    expect({ questions, out: io.out() }).toEqual({
      questions: [`Delete every message on ${dlqUrl}?`],
      out: "not purged\n",
    });
  });

  test("with --max receives no more than it has left to delete, and stops at an empty receive", async () => {
    sqs.requests.length = 0;
    const ten = Array.from({ length: 10 }, (_, i) => message(`m-${i}`, "{}"));
    const result = await dlq(["purge", "--max", "12", "--yes"], {
      ReceiveMessage: receivedInTurn(ten),
      DeleteMessageBatch: (body) => ({
        Successful: (body.Entries as { Id: string }[]).map((e) => ({ Id: e.Id })),
      }),
    });
    expect(result).toEqual({ exit: 0, stdout: `deleted 10 message(s) from ${dlqUrl}\n`, stderr: "" });
    const operations = sqs.requests.map((r) => [r.operation, r.body.MaxNumberOfMessages]);
    expect(operations).toEqual([
      ["ReceiveMessage", 10],
      ["DeleteMessageBatch", undefined],
      ["ReceiveMessage", 2],
    ]);
  });
});
