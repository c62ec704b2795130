import { createHash, randomUUID } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import type { SQSEvent, SQSRecord } from "aws-lambda";

/**
 * Test records built from AWS's own published sample events (__tests__/fixtures/README.md):
 * the record shape of aws-lambda-go's `sqs-event.json`, the SNS notification of Powertools'
 * `sns-body.json`. Only what identifies a message (IDs, body, its MD5) is replaced.
 */

function sample(file: string): SQSEvent {
  return JSON.parse(readFileSync(path.join(__dirname, "..", "fixtures", file), "utf8")) as SQSEvent;
}

const RECORD = sample("sqs-event.aws-lambda-go.json").Records[0];
const REDRIVEN_RECORD = sample("sqs-base.powertools.json").Records[1];
const NOTIFICATION = JSON.parse(sample("sqs-sns-body.powertools.json").Records[0].body) as Record<string, unknown>;

function fromTemplate(template: SQSRecord, body: string, overrides: Partial<SQSRecord>): SQSRecord {
  const copy = structuredClone(template);
  return {
    ...copy,
    messageId: randomUUID(),
    receiptHandle: `${copy.receiptHandle}-${randomUUID()}`,
    body,
    md5OfBody: createHash("md5").update(body).digest("hex"),
    ...overrides,
  };
}

/** An SQS record as the event source mapping delivers it (aws-lambda-go's sample), carrying `body`. */
export function sqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  return fromTemplate(RECORD, body, overrides);
}

/** A record of a message moved back from the DLQ (Powertools' sample with `DeadLetterQueueSourceArn`). */
export function redrivenRecord(body: string): SQSRecord {
  return fromTemplate(REDRIVEN_RECORD, body, {});
}

/** aws-lambda-go's published sample event, unchanged (one record, a plain-text body). */
export function publishedSampleEvent(): SQSEvent {
  return sample("sqs-event.aws-lambda-go.json");
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** The SNS notification JSON SQS holds with raw message delivery off (Powertools' sample), carrying `message`. */
export function snsNotification(message: string, messageId: string = randomUUID()): string {
  return JSON.stringify({ ...NOTIFICATION, MessageId: messageId, Message: message }, null, 2);
}

/** The body SQS holds for a published order: the order itself with raw delivery on, else the notification. */
export function deliveryBody(order: unknown, options: { readonly raw?: boolean; readonly messageId?: string } = {}) {
  const message = JSON.stringify(order);
  return options.raw ? message : snsNotification(message, options.messageId);
}
