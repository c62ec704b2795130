import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { LOCAL_AWS_ENV, LocalServer, startSqs } from "../local/servers";
import { sampleOrder, snsDeliveryBody } from "../local/sns-delivery";
import { dlqMain } from "../ops/dlq";
import { recordingIo } from "./support/io";

let server: LocalServer;
let sqs: SQSClient;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = await startSqs();
  savedEnv = { ...process.env };
  Object.assign(process.env, LOCAL_AWS_ENV, { AWS_ENDPOINT_URL_SQS: server.endpoint });
  sqs = new SQSClient({});
});

afterAll(async () => {
  sqs.destroy();
  process.env = savedEnv;
  await server.stop();
});

let n = 0;
/**
 * A source queue and its DLQ holding three dead letters (a valid order, an invalid one, a malformed
 * body) that got there the real way: received past maxReceiveCount, then moved by SQS's redrive.
 * With `direct`, they are sent straight to the DLQ instead, so SQS knows no source for them.
 */
async function queuesWithDeadLetters(direct = false): Promise<{ queueUrl: string; dlqUrl: string; orderId: string }> {
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
  const bodies = [
    snsDeliveryBody(JSON.stringify(order), { rawMessageDelivery: false, topicArn: "arn:aws:sns:us-east-1:1:t" }),
    JSON.stringify(sampleOrder({ currency: "eur" })),
    "{broken",
  ];
  const target = direct ? dlq.QueueUrl : queue.QueueUrl;
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: target, MessageBody: body }));
  if (!direct) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The receive after maxReceiveCount moves them to the DLQ.
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10 }));
  }
  return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl!, orderId: order.orderId as string };
}

async function visible(queueUrl: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
  );
  return Number(a.Attributes!.ApproximateNumberOfMessages);
}

describe("npm run dlq -- list", () => {
  test("shows each dead letter with its receive count, first-seen time and orderId or reason", async () => {
    const { dlqUrl, orderId } = await queuesWithDeadLetters();
    const io = recordingIo();
    expect(await dlqMain(["list", "--dlq-url", dlqUrl], io)).toBe(0);
    const lines = io.out().trim().split("\n");
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

  test("consumes nothing", async () => {
    const { dlqUrl } = await queuesWithDeadLetters(true);
    await dlqMain(["list", "--dlq-url", dlqUrl], recordingIo());
    expect(await visible(dlqUrl)).toBe(3);
  });

  test("stops at --max", async () => {
    const { dlqUrl } = await queuesWithDeadLetters(true);
    const io = recordingIo();
    await dlqMain(["list", "--dlq-url", dlqUrl, "--max", "2"], io);
    expect(io.out().trim().split("\n")).toHaveLength(3);
  });
});

describe("npm run dlq -- redrive", () => {
  test("moves every dead letter back to its source queue with a message-move task and reports progress", async () => {
    const { queueUrl, dlqUrl } = await queuesWithDeadLetters();
    const io = recordingIo();
    expect(await dlqMain(["redrive", "--dlq-url", dlqUrl, "--interval", "100"], io)).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines[0]).toMatch(
      /^started moving messages from arn:aws:sqs:us-east-1:\d+:dlq-\d+ back to their source queue \(task \S+\)$/,
    );
    expect(lines[lines.length - 1]).toBe("COMPLETED: moved 3 of 3");
    expect(await visible(dlqUrl)).toBe(0);
    expect(await visible(queueUrl)).toBe(3);
  });
});

describe("npm run dlq -- redrive of messages SQS cannot trace to a source", () => {
  test("exits 1 with SQS's reason", async () => {
    const { dlqUrl } = await queuesWithDeadLetters(true);
    const io = recordingIo();
    expect(await dlqMain(["redrive", "--dlq-url", dlqUrl, "--interval", "100"], io)).toBe(1);
    expect(io.err()).toBe("the move ended FAILED: CouldNotDetermineMessageSource\n");
    expect(await visible(dlqUrl)).toBe(3);
  });
});

describe("npm run dlq -- purge", () => {
  test("purges after a yes", async () => {
    const { dlqUrl } = await queuesWithDeadLetters(true);
    const io = recordingIo(true);
    expect(await dlqMain(["purge", "--dlq-url", dlqUrl], io)).toBe(0);
    expect(io.out()).toBe(`purged ${dlqUrl}\n`);
    // The server accepted the purge: SQS allows one per queue per 60 seconds.
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }))).rejects.toThrow(
      /Only one PurgeQueue operation/,
    );
  });

  test("purges nothing after a no", async () => {
    const { dlqUrl } = await queuesWithDeadLetters(true);
    const io = recordingIo(false);
    expect(await dlqMain(["purge", "--dlq-url", dlqUrl], io)).toBe(0);
    expect(io.out()).toBe("not purged\n");
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }))).resolves.toBeDefined();
  });

  test("refuses to purge without a terminal to confirm or --yes", async () => {
    const { dlqUrl } = await queuesWithDeadLetters(true);
    const io = recordingIo();
    expect(await dlqMain(["purge", "--dlq-url", dlqUrl], io)).toBe(2);
    expect(io.err().split("\n")[0]).toBe(
      "purge deletes every message on the DLQ: run it in a terminal to confirm, or pass --yes",
    );
    expect(await visible(dlqUrl)).toBe(3);
  });
});

describe("npm run dlq bad input", () => {
  test("asks for one action", async () => {
    const io = recordingIo();
    expect(await dlqMain(["drain", "--dlq-url", "http://x"], io)).toBe(2);
    expect(io.err().split("\n")[0]).toBe('give one action: list, redrive or purge (given "drain")');
  });

  test("exits 1 with a plain message when SQS cannot be reached", async () => {
    const io = recordingIo();
    const saved = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = "http://127.0.0.1:9";
    try {
      expect(await dlqMain(["list", "--dlq-url", "http://127.0.0.1:9/000000000000/dlq"], io)).toBe(1);
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = saved;
    }
    expect(io.err()).toBe(
      "could not reach SQS (ECONNREFUSED): check the region, AWS_ENDPOINT_URL_SQS and the network\n",
    );
  });
});
