import { PublishBatchCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";

/** SNS takes at most 10 entries per PublishBatch. */
const SNS_BATCH = 10;

/**
 * Publishes orders to a topic as JSON (one Publish for one order, PublishBatch by 10 otherwise, up to
 * `inFlight` batches at once) and returns their SNS message IDs in order. Any refused entry throws.
 */
export async function publishOrders(
  client: SNSClient,
  topicArn: string,
  orders: readonly Record<string, unknown>[],
  inFlight = 1,
): Promise<string[]> {
  if (orders.length === 1) {
    const result = await client.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(orders[0]) }));
    return [result.MessageId!];
  }
  const batches: (readonly Record<string, unknown>[])[] = [];
  for (let i = 0; i < orders.length; i += SNS_BATCH) batches.push(orders.slice(i, i + SNS_BATCH));
  const ids: string[][] = [];
  for (let i = 0; i < batches.length; i += inFlight) {
    const wave = batches.slice(i, i + inFlight);
    const results = await Promise.all(
      wave.map((batch) =>
        client.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: batch.map((order, j) => ({ Id: String(j), Message: JSON.stringify(order) })),
          }),
        ),
      ),
    );
    results.forEach((result, w) => {
      const batch = wave[w];
      if (result.Failed?.length) {
        throw new Error(
          `SNS refused ${result.Failed.length} of ${batch.length}: ${result.Failed.map((f) => f.Message ?? f.Code).join("; ")}`,
        );
      }
      const byId = new Map((result.Successful ?? []).map((s) => [s.Id, s.MessageId!]));
      ids.push(batch.map((_, j) => byId.get(String(j))!));
    });
  }
  return ids.flat();
}
