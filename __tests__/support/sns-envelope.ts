import { randomUUID } from "crypto";

/**
 * A fixture for the function's unit tests: what SNS writes into a subscribed SQS queue for one
 * published message (the message itself with raw message delivery on, else SNS's notification
 * JSON). The commands never build it: `npm run local` and `npm run sandbox` publish through a real
 * SNS API server, and the sandbox test checks this fixture's fields against what that server delivers.
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
