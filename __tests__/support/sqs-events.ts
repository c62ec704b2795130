import { randomUUID } from "crypto";
import type { SQSEvent, SQSRecord } from "aws-lambda";

/** An SQS record as the event source mapping delivers it. */
export function sqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: `handle-${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(Date.parse("2026-11-27T10:00:01Z")),
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: String(Date.parse("2026-11-27T10:00:02Z")),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:orders-dev-OrderQueue",
    awsRegion: "us-east-1",
    ...overrides,
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export const TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:orders-dev-OrderTopic";
