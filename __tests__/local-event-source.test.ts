import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { sampleOrder } from "../contract/samples";
import { setTimeout as sleep } from "timers/promises";
import { EventSourceMapping } from "../local/event-source";
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
