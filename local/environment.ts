import * as path from "path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueAttributeName,
  SQSClient,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, localClientSettings } from "../cli/aws";
import { LocalEndpointOutputs, PipelineOutputs } from "../cli/outputs";
import { QueueManifest, StackManifest } from "./stack-manifest";
import { LocalServer, createTable, localDynamoDbClient, startDynamoDb, startSnsSqs } from "./servers";

/**
 * A stack's AWS on this machine: the servers, and in them the topic, queue, DLQ, subscription and
 * table with the names and settings of the stack's manifest. Shared by `npm run sandbox` and
 * `npm run local`.
 */

/** What a stack's resources are called on the local servers, in the shape of the stack outputs. */
export type LocalOutputs = PipelineOutputs & LocalEndpointOutputs;

export interface LocalEnvironmentOptions {
  /** Visibility timeout of the local queue, seconds (shortened so retries take seconds, not minutes). */
  readonly visibilityTimeoutSeconds: number;
  /** Folder that keeps queues, messages and the table across restarts; in memory when undefined. */
  readonly dataDir?: string;
}

export class LocalEnvironment {
  private constructor(
    public readonly manifest: StackManifest,
    public readonly outputs: LocalOutputs,
    /** The ARN of the queue the function consumes (the event source mapping's source). */
    public readonly queueArn: string,
    public readonly sns: SNSClient,
    public readonly sqs: SQSClient,
    public readonly dynamodb: DynamoDBClient,
    private readonly servers: readonly LocalServer[],
  ) {}

  /** Starts both servers and creates the stack's resources in them. */
  static async start(manifest: StackManifest, options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
    const dataDir = options.dataDir;
    const servers: LocalServer[] = [];
    try {
      const snsSqs = await startSnsSqs({
        region: manifest.region,
        dataDir: dataDir ? path.join(dataDir, "sns-sqs") : undefined,
      });
      servers.push(snsSqs);
      const dynamo = await startDynamoDb({ dataDir: dataDir ? path.join(dataDir, "dynamodb") : undefined });
      servers.push(dynamo);
      const sns = new SNSClient(localClientSettings(snsSqs.endpoint, manifest.region));
      const sqs = new SQSClient(localClientSettings(snsSqs.endpoint, manifest.region));
      const dynamodb = localDynamoDbClient(dynamo.endpoint, manifest.region);
      const { outputs, queueArn } = await createResources(
        manifest,
        { sns, sqs, dynamodb },
        options.visibilityTimeoutSeconds,
        {
          aws_region: manifest.region,
          aws_endpoint_url_sns: snsSqs.endpoint,
          aws_endpoint_url_sqs: snsSqs.endpoint,
          aws_endpoint_url_dynamodb: dynamo.endpoint,
        },
      );
      return new LocalEnvironment(manifest, outputs, queueArn, sns, sqs, dynamodb, servers);
    } catch (error) {
      await Promise.allSettled(servers.map((s) => s.stop()));
      throw error;
    }
  }

  /** The environment the function's SDK client reads: region, credentials, the local DynamoDB endpoint. */
  functionEnv(): Record<string, string> {
    return {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: this.manifest.region,
      AWS_ENDPOINT_URL_DYNAMODB: this.outputs.aws_endpoint_url_dynamodb,
      ORDERS_TABLE_NAME: this.manifest.table.name,
    };
  }

  /** Closes the clients and stops both servers: no listener is left. */
  async stop(): Promise<void> {
    this.sns.destroy();
    this.sqs.destroy();
    this.dynamodb.destroy();
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** SQS attributes of a queue from the manifest. */
function queueAttributes(queue: QueueManifest, visibilityTimeoutSeconds: number): Record<string, string> {
  return {
    VisibilityTimeout: String(visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(queue.messageRetentionSeconds),
    ReceiveMessageWaitTimeSeconds: String(queue.receiveWaitTimeSeconds),
    DelaySeconds: String(queue.delaySeconds),
  };
}

/**
 * Creates (or, after a restart on the same data, updates) a queue with `attributes`; returns its
 * URL on `endpoint` (127.0.0.1: the server's own URLs name sqs.<region>.localhost, which does not
 * resolve everywhere) and its ARN.
 */
async function ensureQueue(
  sqs: SQSClient,
  endpoint: string,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  let url: string;
  try {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  } catch (error) {
    // Kept from an earlier run with other settings (another --visibility-timeout): apply these.
    // AWS names it QueueAlreadyExists (QueueNameExists in the JSON protocol; fauxqs prefixes it).
    if (!/QueueAlreadyExists|QueueNameExists/.test((error as Error).name)) throw error;
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [QueueAttributeName.QueueArn] }))
  ).Attributes!.QueueArn!;
  return { url: new URL(new URL(url).pathname, endpoint).href, arn };
}

async function createResources(
  manifest: StackManifest,
  clients: { sns: SNSClient; sqs: SQSClient; dynamodb: DynamoDBClient },
  visibilityTimeoutSeconds: number,
  endpoints: LocalEndpointOutputs,
): Promise<{ outputs: LocalOutputs; queueArn: string }> {
  const { sns, sqs, dynamodb } = clients;
  const endpoint = endpoints.aws_endpoint_url_sqs;
  const dlq = await ensureQueue(
    sqs,
    endpoint,
    manifest.deadLetterQueue.name,
    queueAttributes(manifest.deadLetterQueue, manifest.deadLetterQueue.visibilityTimeoutSeconds),
  );
  const queue = await ensureQueue(sqs, endpoint, manifest.queue.name, {
    ...queueAttributes(manifest.queue, visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: manifest.maxReceiveCount }),
  });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: manifest.topic.name }));
  const { subscription } = manifest;
  const subscribe = new SubscribeCommand({
    TopicArn,
    Protocol: "sqs",
    Endpoint: queue.arn,
    Attributes: {
      RawMessageDelivery: String(subscription.rawMessageDelivery),
      ...(subscription.filterPolicy ? { FilterPolicy: subscription.filterPolicy } : {}),
      ...(subscription.filterPolicyScope ? { FilterPolicyScope: subscription.filterPolicyScope } : {}),
    },
  });
  try {
    await sns.send(subscribe);
  } catch (error) {
    // Kept from an earlier run (--data) with other settings: replace it with the stack's.
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    const existing = Subscriptions?.find((s) => s.Endpoint === queue.arn);
    if (!existing?.SubscriptionArn) throw error;
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: existing.SubscriptionArn }));
    await sns.send(subscribe);
  }
  await createTable(dynamodb, manifest.table);
  const outputs: LocalOutputs = {
    topic_arn: TopicArn!,
    queue_url: queue.url,
    dlq_url: dlq.url,
    table_name: manifest.table.name,
    function_name: manifest.function.name,
    ...endpoints,
  };
  return { outputs, queueArn: queue.arn };
}
