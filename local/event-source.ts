import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  Message,
  MessageSystemAttributeName,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "timers/promises";
import { sqsRecordOf } from "./sqs-record";
import { Handler } from "./function";

/**
 * Lambda's SQS event source mapping, on this machine: pollers receive up to the batch size,
 * invoke the function with a real SQS event (receipt handles, receive counts), delete what it did
 * not report as failed, and leave the failures to reappear after the visibility timeout, so the
 * queue's redrive moves a message to the DLQ after maxReceiveCount receives.
 *
 * One addition: while an invocation runs, its messages' visibility is renewed. On AWS the queue's
 * visibility timeout (6 x the function timeout) outlasts every invocation, so no message comes back
 * while the function still works on it; here it is shortened to seconds so that retries are quick,
 * and without the renewal an invocation slowed past it (a starved machine) would see its good
 * orders received again and, after maxReceiveCount receives, moved to the DLQ.
 */

export interface EventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: Handler;
  /** Records per invocation; above 10, several receives fill one batch. */
  readonly batchSize: number;
  /** Pollers running at once. */
  readonly concurrency: number;
  /** Long-poll wait of an empty queue, seconds; keep it below the visibility timeout. */
  readonly waitTimeSeconds: number;
  /** The function's timeout: an invocation that runs longer fails as a whole, as on Lambda. */
  readonly timeoutSeconds: number;
  /** The queue's visibility timeout, seconds: renewed every third of it while an invocation runs. */
  readonly visibilityTimeoutSeconds: number;
  /** Called after each invocation. */
  readonly onInvocation?: (invocation: Invocation) => void;
  /**
   * Called when a poll or a renewal of an invocation's messages fails for a reason other than stopping;
   * polling resumes after a second.
   */
  readonly onError?: (error: Error) => void;
}

/** What one invocation did. */
export interface Invocation {
  readonly records: number;
  readonly failed: number;
  /** Set when the function threw or timed out (every record failed). */
  readonly error?: string;
  /** The batch's messages: SQS message ID, receive count, body, and whether the function completed it. */
  readonly receives: readonly {
    readonly messageId: string;
    readonly receiveCount: number;
    readonly body: string;
    readonly completed: boolean;
  }[];
}

export class EventSourceMapping {
  /** Invocations so far. */
  public invocations = 0;
  /** Messages the function completed (deleted from the queue), by message ID. */
  public readonly completed = new Set<string>();
  /** How many times each message ID was handed to the function. */
  public readonly receivesByMessageId = new Map<string, number>();
  private readonly abort = new AbortController();
  private pollers: Promise<void>[] = [];

  constructor(private readonly options: EventSourceOptions) {}

  start(): void {
    this.pollers = Array.from({ length: this.options.concurrency }, () => this.poll());
  }

  /** Stops polling (an open long poll is abandoned) and waits for running invocations to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.pollers);
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      let messages: Message[];
      try {
        messages = await this.receiveBatch();
      } catch (error) {
        if (this.stopping) return;
        this.options.onError?.(error as Error);
        await sleep(1000);
        continue;
      }
      if (messages.length > 0) await this.invoke(messages);
      // A short poll of an empty queue returns at once: do not spin.
      else if (this.options.waitTimeSeconds === 0 && !this.stopping) await sleep(50);
    }
  }

  private async receiveBatch(): Promise<Message[]> {
    const { sqs, queueUrl, batchSize, waitTimeSeconds } = this.options;
    const messages: Message[] = [];
    while (messages.length < batchSize && !this.stopping) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
          WaitTimeSeconds: messages.length === 0 ? waitTimeSeconds : 0,
          // Both spellings: older servers know only AttributeNames.
          AttributeNames: ["All"],
          MessageSystemAttributeNames: [MessageSystemAttributeName.All],
        }),
        { abortSignal: this.abort.signal },
      );
      if (!received.Messages?.length) break;
      messages.push(...received.Messages);
    }
    return messages;
  }

  private async invoke(messages: Message[]): Promise<void> {
    const { queueArn, region, handler, timeoutSeconds, visibilityTimeoutSeconds } = this.options;
    const records = messages.map((m) => sqsRecordOf(m, queueArn, region));
    for (const r of records)
      this.receivesByMessageId.set(r.messageId, (this.receivesByMessageId.get(r.messageId) ?? 0) + 1);
    this.invocations++;
    let failed: Set<string>;
    let error: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const renewal = setInterval(() => void this.renewVisibility(messages), (visibilityTimeoutSeconds * 1000) / 3);
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutSeconds} s`)), timeoutSeconds * 1000);
      });
      const response = await Promise.race([handler({ Records: records }), timeout]);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (thrown) {
      // A thrown (or timed-out) invocation fails the whole batch, as on Lambda.
      failed = new Set(records.map((r) => r.messageId));
      error = (thrown as Error).message;
    } finally {
      clearTimeout(timer);
      clearInterval(renewal);
    }
    const done = records.filter((r) => !failed.has(r.messageId));
    for (const ten of inTens(done)) {
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: ten.map((r, j) => ({ Id: `d${j}`, ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    for (const r of done) this.completed.add(r.messageId);
    this.options.onInvocation?.({
      records: records.length,
      failed: failed.size,
      error,
      receives: records.map((r) => ({
        messageId: r.messageId,
        receiveCount: Number(r.attributes.ApproximateReceiveCount),
        body: r.body,
        completed: !failed.has(r.messageId),
      })),
    });
  }

  /** Keeps an invocation's messages invisible for another visibility timeout (a failed renewal is reported). */
  private async renewVisibility(messages: readonly Message[]): Promise<void> {
    const { sqs, queueUrl, visibilityTimeoutSeconds } = this.options;
    try {
      for (const ten of inTens(messages)) {
        const { Failed } = await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: ten.map((m, j) => ({
              Id: `v${j}`,
              ReceiptHandle: m.ReceiptHandle!,
              VisibilityTimeout: visibilityTimeoutSeconds,
            })),
          }),
        );
        // SQS answers a batch it took with the entries it did not renew: those may be handed out again.
        if (Failed?.length) {
          throw new Error(
            `SQS did not renew the visibility of ${Failed.length} message(s) the function holds: ` +
              Failed.map((f) => f.Code ?? f.Message).join("; "),
          );
        }
      }
    } catch (error) {
      if (!this.stopping) this.options.onError?.(error as Error);
    }
  }
}

/** SQS's batch calls take at most 10 entries. */
function inTens<T>(items: readonly T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / 10) }, (_, i) => items.slice(i * 10, i * 10 + 10));
}
