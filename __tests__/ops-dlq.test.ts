import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { poisonOrder, sampleOrder } from "../contract/samples";
import { dlqMain } from "../ops/dlq-command";
import { projectDefaultStack } from "./support/configuration";
import { recordingIo } from "./support/io";
import { LocalSqs, startLocalSqs } from "./support/local-sqs";
import { deliveryBody } from "./support/sqs-events";

/**
 * `npm run dlq` against local-aws-sqs, an SQS API server that has the message-move task (the
 * sandbox's fauxqs has none: see the sandbox test). The command runs in jest's process (its built
 * entry file is run by bad-input.test.ts) and reads the DLQ and the endpoint from an outputs file,
 * as it does with outputs.local.json.
 */

let local: LocalSqs;
let endpoint: string;
let sqs: SQSClient;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-dlq-"));

beforeAll(async () => {
  local = await startLocalSqs();
  ({ endpoint, sqs } = local);
});

afterAll(() => local.stop());

let n = 0;
/**
 * A source queue and its DLQ holding three dead letters (a valid order, an invalid one, a malformed
 * body) that got there the real way: received past maxReceiveCount, then moved by SQS's redrive.
 * With `direct`, they are sent straight to the DLQ instead, so SQS knows no source for them.
 * Returns an outputs file naming the DLQ and the server, as the sandbox writes one.
 */
async function queuesWithDeadLetters(
  direct = false,
): Promise<{ queueUrl: string; dlqUrl: string; orderId: string; outputs: string }> {
  n++;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${n}` }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes!.QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `queue-${n}`,
      Attributes: {
        VisibilityTimeout: "1",
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
      },
    }),
  );
  const order = sampleOrder();
  const bodies = [deliveryBody(order), JSON.stringify(poisonOrder()), "{broken"];
  const target = direct ? dlq.QueueUrl : queue.QueueUrl;
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: target, MessageBody: body }));
  if (!direct) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The receive after maxReceiveCount moves them to the DLQ.
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10 }));
  }
  const outputs = path.join(dir, `outputs-${n}.json`);
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      // The command's default stack: the first environment's.
      [projectDefaultStack()]: { dlq_url: dlq.QueueUrl, aws_region: "us-east-1", aws_endpoint_url_sqs: endpoint },
    }),
  );
  return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl!, orderId: order.orderId as string, outputs };
}

/**
 * Runs the command in this process, as its entry file does, on the outputs files' stack (named: an
 * ORDERS_NAME_PREFIX in the shell running the tests would change the default).
 */
async function dlq(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = recordingIo();
  const status = await dlqMain([...argv, "--stack", projectDefaultStack()], io);
  return { status, stdout: io.out(), stderr: io.err() };
}

async function visible(queueUrl: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(a.Attributes!.ApproximateNumberOfMessages);
}

/** How many messages receives return right now: each is hidden once received, until none is left. */
async function receivable(queueUrl: string): Promise<number> {
  const ids = new Set<string>();
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (!Messages?.length) return ids.size;
    for (const m of Messages) ids.add(m.MessageId!);
  }
}

describe("npm run dlq -- list", () => {
  test("shows each dead letter with its receive count, first-seen time and orderId or why it failed", async () => {
    const { dlqUrl, orderId, outputs } = await queuesWithDeadLetters();
    const result = await dlq(["list", "--outputs", outputs]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toBe(`3 message(s) on ${dlqUrl}`);
    const rows = lines.slice(1).sort();
    expect(rows).toHaveLength(3);
    const row = /^\S+ {2}receives \d+ {2}first seen \d{4}-\d\d-\d\dT[\d:.]+Z {2}/;
    for (const r of rows) expect(r).toMatch(row);
    expect(rows.map((r) => r.replace(row, "")).sort()).toEqual(
      [
        `orderId ${orderId}`,
        'InvalidOrderError: invalid order: currency must be an ISO 4217 code: three upper-case letters (given "eur")',
        expect.stringMatching(/^MalformedMessageError: record body is not JSON: /),
      ].sort(),
    );
  });

  test("consumes nothing: every message is visible again afterwards", async () => {
    const { dlqUrl, outputs } = await queuesWithDeadLetters(true);
    expect((await dlq(["list", "--outputs", outputs])).status).toBe(0);
    // A receive, not ApproximateNumberOfMessages: local-aws-sqs counts hidden messages in it too.
    expect(await receivable(dlqUrl)).toBe(3);
  });

  test("stops at --max", async () => {
    const { outputs } = await queuesWithDeadLetters(true);
    const result = await dlq(["list", "--outputs", outputs, "--max", "2"]);
    expect(result.stdout.trim().split("\n")).toHaveLength(3);
  });
});

describe("npm run dlq -- redrive", () => {
  test("moves every dead letter back to its source queue with a message-move task and reports progress", async () => {
    const { queueUrl, dlqUrl, outputs } = await queuesWithDeadLetters();
    const result = await dlq(["redrive", "--outputs", outputs, "--interval", "100"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^started moving messages from arn:aws:sqs:us-east-1:\d+:dlq-\d+ back to their source queue \(task \S+\)$/,
    );
    expect(lines[lines.length - 1]).toBe("COMPLETED: moved 3 of 3");
    expect(await visible(dlqUrl)).toBe(0);
    expect(await visible(queueUrl)).toBe(3);
  });

  test("exits 1 with SQS's reason when SQS cannot trace the messages to a source", async () => {
    const { dlqUrl, outputs } = await queuesWithDeadLetters(true);
    const result = await dlq(["redrive", "--outputs", outputs, "--interval", "100"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 1,
      stderr: "the move ended FAILED: CouldNotDetermineMessageSource\n",
    });
    expect(await visible(dlqUrl)).toBe(3);
  });
});

describe("npm run dlq -- purge", () => {
  test("purges with --yes", async () => {
    const { dlqUrl, outputs } = await queuesWithDeadLetters(true);
    const result = await dlq(["purge", "--yes", "--outputs", outputs]);
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: `purged ${dlqUrl}\n` });
    // The server accepted the purge: SQS allows one per queue per 60 seconds.
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }))).rejects.toThrow(
      /Only one PurgeQueue operation/,
    );
  });

  // Confirmation needs a terminal: these run the command in-process with an answer.
  test("purges after a yes at the terminal", async () => {
    const { dlqUrl, outputs } = await queuesWithDeadLetters(true);
    const io = recordingIo(true);
    expect(await dlqMain(["purge", "--outputs", outputs, "--stack", projectDefaultStack()], io)).toBe(0);
    expect(io.out()).toBe(`purged ${dlqUrl}\n`);
  });

  test("purges nothing after a no", async () => {
    const { dlqUrl, outputs } = await queuesWithDeadLetters(true);
    const io = recordingIo(false);
    expect(await dlqMain(["purge", "--outputs", outputs, "--stack", projectDefaultStack()], io)).toBe(0);
    expect(io.out()).toBe("not purged\n");
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }))).resolves.toBeDefined();
  });
});
