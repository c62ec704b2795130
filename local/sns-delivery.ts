import { randomUUID } from "crypto";

/**
 * What SNS writes into a subscribed SQS queue for one published message: the
 * message itself with raw message delivery on, otherwise the SNS notification JSON.
 */
export function snsDeliveryBody(
  message: string,
  options: { readonly rawMessageDelivery: boolean; readonly topicArn: string; readonly messageId?: string },
): string {
  if (options.rawMessageDelivery) return message;
  const messageId = options.messageId ?? randomUUID();
  return JSON.stringify({
    Type: "Notification",
    MessageId: messageId,
    TopicArn: options.topicArn,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    Signature: "local",
    SigningCertURL: "https://sns.us-east-1.amazonaws.com/local.pem",
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${options.topicArn}:${messageId}`,
  });
}

/** A valid order (the product's message contract), unique by default. */
export function sampleOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderId: `order-${randomUUID()}`,
    customerId: "customer-42",
    items: [
      { sku: "SKU-1", quantity: 2, unitPrice: 9.5 },
      { sku: "SKU-2", quantity: 1, unitPrice: 0 },
    ],
    currency: "EUR",
    createdAt: "2026-11-27T10:00:00Z",
    ...overrides,
  };
}
