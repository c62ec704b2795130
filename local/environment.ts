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
import { unsupportedFilterFeatures } from "./filter-policy";
import {
  FunctionManifest,
  Pipeline,
  QueueManifest,
  StackManifest,
  SubscriptionManifest,
  pipelineOf,
} from "./stack-manifest";
import { LocalServer, createTable, localDynamoDbClient, startDynamoDb, startSnsSqs } from "./servers";

/**
 * A stack's AWS on this machine: the servers, and in them every topic, queue (with its DLQ),
 * subscription (with its filter policy and scope) and table of the stack's manifest, with their names
 * and settings. Shared by `npm run sandbox` and `npm run local`.
 */

/** What a stack's resources are called on the local servers, in the shape of the stack outputs. */
export type LocalOutputs = PipelineOutputs & LocalEndpointOutputs;

export interface LocalEnvironmentOptions {
  /** Visibility timeout of every source queue here, seconds (shortened so retries take seconds, not minutes). */
  readonly visibilityTimeoutSeconds: number;
  /** Folder that keeps queues, messages and tables across restarts; in memory when undefined. */
  readonly dataDir?: string;
}

/** A queue created on the local server: its URL there (on 127.0.0.1) and its ARN. */
export interface LocalQueue {
  readonly url: string;
  readonly arn: string;
}

export class LocalEnvironment {
  private constructor(
    public readonly manifest: StackManifest,
    /** The first function's pipeline: what the outputs describe and `npm run local` runs. */
    public readonly pipeline: Pipeline,
    public readonly outputs: LocalOutputs,
    /** Every queue and DLQ, by name. */
    public readonly queues: ReadonlyMap<string, LocalQueue>,
    /** Every topic's ARN, by name. */
    public readonly topicArns: ReadonlyMap<string, string>,
    public readonly sns: SNSClient,
    public readonly sqs: SQSClient,
    public readonly dynamodb: DynamoDBClient,
    private readonly servers: readonly LocalServer[],
  ) {}

  /**
   * Starts both servers and creates the stack's resources in them. A filter policy the local SNS
   * server would not apply as SNS does is an Error before anything starts.
   */
  static async start(manifest: StackManifest, options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
    const pipeline = pipelineOf(manifest);
    const unsupported = manifest.subscriptions.flatMap((s) =>
      unsupportedFilterFeatures(s).map(
        (feature) => `the subscription of ${s.queue} to ${s.topic} filters with ${feature}`,
      ),
    );
    if (unsupported.length > 0) {
      throw new Error(
        `the local SNS server (fauxqs) does not apply these filter policies as SNS does, so a local run would ` +
          `deliver other messages than AWS:\n  - ${unsupported.join("\n  - ")}\n` +
          "Test this subscription on AWS, or use an operator fauxqs applies (see docs/local.md).",
      );
    }
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
      const { queues, topicArns } = await createResources(
        manifest,
        { sns, sqs, dynamodb },
        options.visibilityTimeoutSeconds,
        snsSqs.endpoint,
      );
      const outputs: LocalOutputs = {
        topic_arn: topicArns.get(pipeline.topic.name)!,
        queue_url: queues.get(pipeline.queue.name)!.url,
        dlq_url: queues.get(pipeline.deadLetterQueue.name)!.url,
        table_name: pipeline.table.name,
        function_name: pipeline.function.name,
        aws_region: manifest.region,
        aws_endpoint_url_sns: snsSqs.endpoint,
        aws_endpoint_url_sqs: snsSqs.endpoint,
        aws_endpoint_url_dynamodb: dynamo.endpoint,
      };
      return new LocalEnvironment(manifest, pipeline, outputs, queues, topicArns, sns, sqs, dynamodb, servers);
    } catch (error) {
      await Promise.allSettled(servers.map((s) => s.stop()));
      throw error;
    }
  }

  /** The ARN of the queue the first function consumes. */
  get queueArn(): string {
    return this.queues.get(this.pipeline.queue.name)!.arn;
  }

  /**
   * The environment `fn` (default: the first function) runs with here: its own variables from the
   * stack, then region, credentials and the local DynamoDB endpoint.
   */
  functionEnv(fn: FunctionManifest = this.pipeline.function): Record<string, string> {
    return {
      ...fn.environment,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: this.manifest.region,
      AWS_ENDPOINT_URL_DYNAMODB: this.outputs.aws_endpoint_url_dynamodb,
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
): Promise<LocalQueue> {
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
  endpoint: string,
): Promise<{ queues: Map<string, LocalQueue>; topicArns: Map<string, string> }> {
  const { sns, sqs, dynamodb } = clients;
  const queues = new Map<string, LocalQueue>();
  for (const queue of manifest.queues) {
    const dlq = queue.deadLetterQueue;
    const redrive: Record<string, string> = {};
    if (dlq) {
      const created = await ensureQueue(sqs, endpoint, dlq.name, queueAttributes(dlq, dlq.visibilityTimeoutSeconds));
      queues.set(dlq.name, created);
      redrive.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: created.arn,
        maxReceiveCount: queue.maxReceiveCount,
      });
    }
    const attributes = { ...queueAttributes(queue, visibilityTimeoutSeconds), ...redrive };
    queues.set(queue.name, await ensureQueue(sqs, endpoint, queue.name, attributes));
  }
  const topicArns = new Map<string, string>();
  for (const topic of manifest.topics) {
    topicArns.set(topic.name, (await sns.send(new CreateTopicCommand({ Name: topic.name }))).TopicArn!);
  }
  for (const subscription of manifest.subscriptions) {
    await subscribe(sns, topicArns.get(subscription.topic)!, queues.get(subscription.queue)!.arn, subscription);
  }
  for (const table of manifest.tables) await createTable(dynamodb, table);
  return { queues, topicArns };
}

/** Subscribes a queue with the subscription's attributes; one kept from an earlier run (--data) is replaced. */
async function subscribe(
  sns: SNSClient,
  topicArn: string,
  queueArn: string,
  subscription: SubscriptionManifest,
): Promise<void> {
  const subscribe = new SubscribeCommand({
    TopicArn: topicArn,
    Protocol: "sqs",
    Endpoint: queueArn,
    Attributes: {
      RawMessageDelivery: String(subscription.rawMessageDelivery),
      ...(subscription.filterPolicy ? { FilterPolicy: subscription.filterPolicy } : {}),
      ...(subscription.filterPolicyScope ? { FilterPolicyScope: subscription.filterPolicyScope } : {}),
    },
  });
  try {
    await sns.send(subscribe);
  } catch (error) {
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const existing = Subscriptions?.find((s) => s.Endpoint === queueArn);
    if (!existing?.SubscriptionArn) throw error;
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: existing.SubscriptionArn }));
    await sns.send(subscribe);
  }
}
