import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { sampleOrder } from "../contract/samples";
import { setTimeout as sleep } from "timers/promises";
import { EventSourceMapping, EventSourceOptions, Invocation } from "../local/event-source";
import { localClientSettings } from "../cli/aws";
import { FakeService, startFakeSqs } from "./support/fake-json-service";
import { createHash } from "crypto";
import { LocalSqs, startLocalSqs } from "./support/local-sqs";

/**
 * The event source mapping of `npm run local` and `npm run sandbox`, with a stand-in function,
 * against local-aws-sqs (support/local-sqs.ts). The queue's visibility timeout is 1 s, as
 * `npm run local --visibility-timeout 1` sets it; on AWS it is 6 x the function timeout, so no
 * invocation outlasts it.
 */

const VISIBILITY_S = 1;
const MAX_RECEIVE_COUNT = 3;
let local: LocalSqs;
let sqs: SQSClient;

beforeAll(async () => {
  local = await startLocalSqs();
  ({ sqs } = local);
});

afterAll(() => local.stop());

const queueArn = async (queueUrl: string): Promise<string> =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!
    .QueueArn!;

const messagesIn = async (queueUrl: string): Promise<number> => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
};

test("does not hand a message out again while an invocation that outlasts the visibility timeout still runs", async () => {
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "orders-dev-OrderQueueDLQ" }))).QueueUrl!;
  const queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: "orders-dev-OrderQueue",
        Attributes: {
          VisibilityTimeout: String(VISIBILITY_S),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: await queueArn(dlqUrl),
            maxReceiveCount: MAX_RECEIVE_COUNT,
          }),
        },
      }),
    )
  ).QueueUrl!;
  let invocations = 0;
  const mapping = new EventSourceMapping({
    sqs,
    queueUrl,
    queueArn: await queueArn(queueUrl),
    region: "us-east-1",
    // 3.5 visibility timeouts: without renewal, the other pollers would receive the message again
    // and the queue's redrive would move it to the DLQ before this invocation ends.
    handler: async () => {
      invocations++;
      await sleep((MAX_RECEIVE_COUNT + 0.5) * VISIBILITY_S * 1000);
    },
    batchSize: 1,
    concurrency: 4,
    waitTimeSeconds: 0,
    timeoutSeconds: 30,
    visibilityTimeoutSeconds: VISIBILITY_S,
  });
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(sampleOrder()) }));
  mapping.start();
  try {
    for (let waited = 0; mapping.completed.size === 0 && waited < 15_000; waited += 100) await sleep(100);
  } finally {
    await mapping.stop();
  }
  expect({
    invocations,
    receives: [...mapping.receivesByMessageId.values()],
    completed: mapping.completed.size,
    inQueue: await messagesIn(queueUrl),
    inDeadLetterQueue: await messagesIn(dlqUrl),
  }).toEqual({ invocations: 1, receives: [1], completed: 1, inQueue: 0, inDeadLetterQueue: 0 });
}, 30_000);

describe("against an SQS stand-in (answers local-aws-sqs never gives)", () => {
  let fake: FakeService;
  let client: SQSClient;
  const QUEUE_URL = "http://127.0.0.1/000000000000/orders-dev-OrderQueue";
  beforeAll(async () => {
    fake = await startFakeSqs();
    client = new SQSClient(localClientSettings(fake.endpoint, "us-east-1"));
  });
  afterAll(async () => {
    client.destroy();
    await fake.stop();
  });
  beforeEach(() => fake.requests.splice(0));

  /** A message as SQS gives it (the SDK checks the body's MD5). */
  const message = (id: string, body = "{}") => ({
    MessageId: id,
    ReceiptHandle: `h-${id}`,
    Body: body,
    MD5OfBody: createHash("md5").update(body).digest("hex"),
    Attributes: { ApproximateReceiveCount: "1" },
  });

  /**
   * ReceiveMessage answering `messages` every time. Not once, then none: on a loaded machine the SDK may give up an
   * attempt on its connection timeout and retry, and an answer the stand-in gave that abandoned attempt is lost.
   */
  const always =
    (...messages: Record<string, unknown>[]) =>
    () => ({ Messages: messages });

  function mapping(options: Partial<EventSourceOptions>): EventSourceMapping {
    return new EventSourceMapping({
      sqs: client,
      queueUrl: QUEUE_URL,
      queueArn: "arn:aws:sqs:us-east-1:000000000000:orders-dev-OrderQueue",
      region: "us-east-1",
      handler: async () => undefined,
      batchSize: 10,
      concurrency: 1,
      waitTimeSeconds: 0,
      timeoutSeconds: 30,
      visibilityTimeoutSeconds: 30,
      ...options,
    });
  }

  /** Runs the mapping until `done` holds (at most 25 s: a deadline for a failing test, not a timing), then stops it. */
  async function runUntil(m: EventSourceMapping, done: () => boolean): Promise<void> {
    m.start();
    try {
      for (const until = Date.now() + 25_000; !done() && Date.now() < until;) await sleep(20);
    } finally {
      await m.stop();
    }
  }

  const requested = (operation: string): number => fake.requests.filter((r) => r.operation === operation).length;

  test("fails the whole batch when the function throws, and says why", async () => {
    fake.answers = { ReceiveMessage: always(message("m-1"), message("m-2")) };
    const invocations: Invocation[] = [];
    const m = mapping({
      handler: async () => {
        throw new Error("boom");
      },
      onInvocation: (i) => invocations.push(i),
    });
    await runUntil(m, () => invocations.length > 0);
    expect([invocations[0].failed, invocations[0].error, requested("DeleteMessageBatch")]).toEqual([2, "boom", 0]);
  });

  test("fails the whole batch when the function outlasts its timeout", async () => {
    fake.answers = { ReceiveMessage: always(message("m-1")) };
    const invocations: Invocation[] = [];
    const m = mapping({
      timeoutSeconds: 1,
      handler: () => new Promise(() => undefined),
      onInvocation: (i) => invocations.push(i),
    });
    await runUntil(m, () => invocations.length > 0);
    expect([invocations[0].failed, invocations[0].error]).toEqual([1, "timed out after 1 s"]);
  });

  test("reports a failed poll and polls again a second later", async () => {
    fake.answers = {};
    const errors: string[] = [];
    const m = mapping({ onError: (e) => errors.push(e.name) });
    await runUntil(m, () => errors.length >= 2);
    expect(errors.slice(0, 2)).toEqual(["UnknownOperationException", "UnknownOperationException"]);
  });

  test("reports the messages SQS did not keep invisible while the function holds them", async () => {
    fake.answers = {
      ReceiveMessage: always(message("m-1")),
      ChangeMessageVisibilityBatch: () => ({ Failed: [{ Id: "v0", SenderFault: true, Code: "MessageNotInflight" }] }),
      DeleteMessageBatch: () => ({ Successful: [{ Id: "d0" }] }),
    };
    const errors: string[] = [];
    let finished = false;
    // A visibility timeout of 1 s is renewed every third of it: the function runs past the first renewal.
    const m = mapping({
      visibilityTimeoutSeconds: 1,
      handler: async () => {
        await sleep(600);
        finished = true;
      },
      onError: (e) => errors.push(e.message),
    });
    await runUntil(m, () => finished && m.completed.size > 0);
    expect(errors[0]).toBe("SQS did not renew the visibility of 1 message(s) the function holds: MessageNotInflight");
  });

  test("reports nothing when stopped during a long poll, and polls no more once stopped", async () => {
    fake.answers = { ReceiveMessage: () => "silent" };
    // The mapping's own calls, counted as it makes them (the SDK's retries of one call, which a loaded machine's
    // connection timeout can cause, are not polls of the mapping).
    const counted = new SQSClient(localClientSettings(fake.endpoint, "us-east-1"));
    let polls = 0;
    counted.middlewareStack.add((next) => (args) => (polls++, next(args)), { step: "initialize" });
    const errors: Error[] = [];
    const m = mapping({ sqs: counted, waitTimeSeconds: 20, onError: (e) => errors.push(e) });
    try {
      m.start();
      while (requested("ReceiveMessage") === 0) await sleep(20);
      await m.stop();
      const atStop = polls;
      await sleep(300);
      expect([errors, atStop, polls]).toEqual([[], 1, 1]);
    } finally {
      counted.destroy();
    }
  });

  test("does not poll an empty queue in a busy loop when it short-polls", async () => {
    fake.answers = { ReceiveMessage: () => ({}) };
    const m = mapping({ waitTimeSeconds: 0 });
    m.start();
    await sleep(500);
    await m.stop();
    // One poll each 50 ms at most: about 10 in the half second (a busy loop makes hundreds).
    expect(requested("ReceiveMessage")).toBeLessThanOrEqual(12);
  });
});
