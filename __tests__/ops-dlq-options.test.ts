import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from "@aws-sdk/client-sqs";
import { dlqMain } from "../ops/dlq-command";
import { recordingIo } from "./support/io";
import { LocalSqs, startLocalSqs } from "./support/local-sqs";

/**
 * `npm run dlq` options do what they say, against local-aws-sqs (an SQS server with the
 * message-move task) on 127.0.0.1: list's default --max, purge --max (deletes that many, not the
 * whole queue), redrive --rate handed to SQS as messages per second. In-process.
 */

let local: LocalSqs;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-dlq-options-"));

beforeAll(async () => {
  local = await startLocalSqs();
});

afterAll(() => local.stop());

let n = 0;
/**
 * A DLQ holding `count` messages and an outputs file naming it. With `source`, the DLQ is a
 * source queue's DLQ and the messages got there by redrive (SQS can move them back).
 */
async function deadLetters(
  count: number,
  source = false,
): Promise<{ dlqUrl: string; dlqArn: string; outputs: string }> {
  const { sqs } = local;
  n++;
  const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `options-dlq-${n}` }))).QueueUrl!;
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] })))
    .Attributes!.QueueArn!;
  let target = dlqUrl;
  if (source) {
    const attributes = {
      VisibilityTimeout: "1",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
    };
    target = (await sqs.send(new CreateQueueCommand({ QueueName: `options-queue-${n}`, Attributes: attributes })))
      .QueueUrl!;
  }
  for (let i = 0; i < count; i += 10) {
    const entries = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
      Id: `m${j}`,
      MessageBody: `{"broken ${i + j}`,
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: target, Entries: entries }));
  }
  if (source) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: target, MaxNumberOfMessages: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The receive after maxReceiveCount moves them to the DLQ.
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: target, MaxNumberOfMessages: 10 }));
  }
  const outputs = path.join(dir, `outputs-${n}.json`);
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      "orders-dev": { dlq_url: dlqUrl, aws_region: "us-east-1", aws_endpoint_url_sqs: local.endpoint },
    }),
  );
  return { dlqUrl, dlqArn, outputs };
}

/** Receives until the queue answers nothing (each message hidden once received) and counts them. */
async function remaining(queueUrl: string): Promise<number> {
  const ids = new Set<string>();
  for (;;) {
    const { Messages } = await local.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (!Messages?.length) return ids.size;
    for (const m of Messages) ids.add(m.MessageId!);
  }
}

describe("dlq list", () => {
  test("lists 100 messages when --max is not given", async () => {
    const { dlqUrl, outputs } = await deadLetters(105);
    const io = recordingIo();
    expect(await dlqMain(["list", "--outputs", outputs], io)).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines[0]).toBe(`100 message(s) on ${dlqUrl}`);
    expect(lines).toHaveLength(101);
  }, 60_000);
});

describe("dlq purge --max", () => {
  test("deletes that many messages, not the whole queue", async () => {
    const { dlqUrl, outputs } = await deadLetters(3);
    const io = recordingIo();
    expect(await dlqMain(["purge", "--max", "2", "--yes", "--outputs", outputs], io)).toBe(0);
    expect(io.out()).toBe(`deleted 2 message(s) from ${dlqUrl}\n`);
    expect(await remaining(dlqUrl)).toBe(1);
  });

  test("asks about that many messages at the terminal", async () => {
    const { dlqUrl, outputs } = await deadLetters(2);
    const questions: string[] = [];
    const io = { ...recordingIo(), confirm: async (q: string) => (questions.push(q), false) };
    expect(await dlqMain(["purge", "--max", "5", "--outputs", outputs], io)).toBe(0);
    expect(questions).toEqual([`Delete up to 5 messages on ${dlqUrl}?`]);
    expect(await remaining(dlqUrl)).toBe(2);
  });

  test("refuses without a terminal and without --yes, saying how many it would delete", async () => {
    const { outputs } = await deadLetters(1);
    const io = recordingIo();
    expect(await dlqMain(["purge", "--max", "5", "--outputs", outputs], io)).toBe(2);
    expect(io.err().split("\n")[0]).toBe(
      "purge deletes up to 5 messages on the DLQ: run it in a terminal to confirm, or pass --yes",
    );
  });
});

describe("dlq redrive --rate", () => {
  test("hands SQS the rate in messages per second, and says so", async () => {
    const { dlqArn, outputs } = await deadLetters(3, true);
    const io = recordingIo();
    expect(await dlqMain(["redrive", "--rate", "7", "--interval", "50", "--outputs", outputs], io)).toBe(0);
    expect(io.out().split("\n")[1]).toBe("at most 7 message(s) per second");
    const { Results } = await local.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    expect(Results?.map((t) => t.MaxNumberOfMessagesPerSecond)).toEqual([7]);
  });
});
