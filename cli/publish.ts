import { PublishBatchCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";

/** SNS takes at most 10 entries per PublishBatch. */
export const SNS_BATCH_ENTRIES = 10;

/** SNS's largest message, and the largest PublishBatch (all its messages together): 256 KiB. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** Runs one SNS request; the operator commands bound and describe it (`AwsCaller.call`). */
export type Call = <T>(operation: string, send: (options: { abortSignal?: AbortSignal }) => Promise<T>) => Promise<T>;

const direct: Call = (_operation, send) => send({});

export interface PublishEachOptions {
  /** PublishBatch requests at once (default 1). */
  readonly inFlight?: number;
  /** Called as SNS accepts each order (`index` in `orders`), as soon as its answer comes. */
  readonly onAccepted?: (index: number, messageId: string) => void;
  /** Called for each order SNS refused in a PublishBatch answer, with SNS's code and message. */
  readonly onRefused?: (index: number, reason: string) => void;
  /** How each request runs (default: as is). */
  readonly call?: Call;
  /** Asked before each request: true stops the publishing (Ctrl-C), the rest counted as not sent. */
  readonly stopped?: () => boolean;
}

/** What became of each order. */
export interface PublishOutcome {
  readonly accepted: number;
  readonly refused: number;
  /**
   * Orders whose request got no answer (the failure thrown is in `error`): SNS may or may not
   * have accepted them.
   */
  readonly unanswered: readonly number[];
  /** Orders not sent, because an earlier request failed. */
  readonly notSent: number;
  /** Why a request failed, when one did (publishing then stops). */
  readonly error?: unknown;
  /** Whether `stopped()` ended the publishing. */
  readonly stopped?: boolean;
}

/** Batches of order indexes: at most 10 orders and 256 KiB of messages each. */
export function batchesOf(messages: readonly string[]): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  messages.forEach((message, index) => {
    const size = Buffer.byteLength(message);
    if (current.length === SNS_BATCH_ENTRIES || (current.length > 0 && bytes + size > SNS_MAX_MESSAGE_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Publishes orders to a topic as JSON (one Publish for one order, PublishBatch by 10 and 256 KiB
 * otherwise, up to `inFlight` batches at once), reporting each order as SNS accepts or refuses
 * it. A request that fails stops the publishing: the outcome says which orders got no answer and
 * how many were not sent. Never throws for SNS's answers; the caller decides.
 */
export async function publishEach(
  client: SNSClient,
  topicArn: string,
  orders: readonly Record<string, unknown>[],
  options: PublishEachOptions = {},
): Promise<PublishOutcome> {
  const call = options.call ?? direct;
  const messages = orders.map((order) => JSON.stringify(order));
  let accepted = 0;
  let refused = 0;
  if (orders.length === 1) {
    try {
      const result = await call("Publish", (o) =>
        client.send(new PublishCommand({ TopicArn: topicArn, Message: messages[0] }), o),
      );
      options.onAccepted?.(0, result.MessageId!);
      return { accepted: 1, refused: 0, unanswered: [], notSent: 0 };
    } catch (error) {
      return { accepted: 0, refused: 0, unanswered: [0], notSent: 0, error };
    }
  }
  const batches = batchesOf(messages);
  const inFlight = options.inFlight ?? 1;
  for (let i = 0; i < batches.length; i += inFlight) {
    if (options.stopped?.()) {
      return { accepted, refused, unanswered: [], notSent: batches.slice(i).flat().length, stopped: true };
    }
    const wave = batches.slice(i, i + inFlight);
    const results = await Promise.allSettled(
      wave.map((batch) =>
        call("PublishBatch", (o) =>
          client.send(
            new PublishBatchCommand({
              TopicArn: topicArn,
              PublishBatchRequestEntries: batch.map((index, j) => ({ Id: String(j), Message: messages[index] })),
            }),
            o,
          ),
        ),
      ),
    );
    const unanswered: number[] = [];
    let error: unknown;
    results.forEach((result, w) => {
      const batch = wave[w];
      if (result.status === "rejected") {
        error ??= result.reason;
        unanswered.push(...batch);
        return;
      }
      const ids = new Map((result.value.Successful ?? []).map((s) => [s.Id, s.MessageId!]));
      const failures = new Map((result.value.Failed ?? []).map((f) => [f.Id, f]));
      batch.forEach((index, j) => {
        const id = ids.get(String(j));
        const failure = failures.get(String(j));
        if (id !== undefined) {
          accepted++;
          options.onAccepted?.(index, id);
        } else {
          refused++;
          options.onRefused?.(
            index,
            failure ? `${failure.Code ?? "refused"}: ${failure.Message ?? "no reason given"}` : "not in SNS's answer",
          );
        }
      });
    });
    if (error !== undefined) {
      const sent = wave.flat().length + batches.slice(0, i).flat().length;
      return { accepted, refused, unanswered, notSent: orders.length - sent, error };
    }
  }
  return { accepted, refused, unanswered: [], notSent: 0 };
}

/**
 * Publishes every order and returns their SNS message IDs in order; throws when a request fails
 * or SNS refuses any order. For callers that need all or nothing (the local batch run).
 */
export async function publishOrders(
  client: SNSClient,
  topicArn: string,
  orders: readonly Record<string, unknown>[],
  inFlight = 1,
): Promise<string[]> {
  const ids: string[] = [];
  const reasons: string[] = [];
  const outcome = await publishEach(client, topicArn, orders, {
    inFlight,
    onAccepted: (index, id) => (ids[index] = id),
    onRefused: (index, reason) => reasons.push(`${String(orders[index].orderId)}: ${reason}`),
  });
  if (outcome.error !== undefined) throw outcome.error;
  if (reasons.length > 0) throw new Error(`SNS refused ${reasons.length} of ${orders.length}: ${reasons.join("; ")}`);
  return ids;
}
