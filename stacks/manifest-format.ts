/**
 * The stack manifest's format, shared by its writer (`stacks/stack-manifest.ts`, at synth) and its
 * readers (`local/`). Plain types and constants: importing this file loads no cdktf.
 */

/**
 * The stack manifest: what tools on this machine need of a pipeline stack to run it locally, written
 * by synth beside each stack's Terraform from the values the constructs hold (`stacks/stack-manifest.ts`):
 * every topic queues are subscribed to, every subscribed or consumed queue with its DLQ, every
 * subscription with its filter policy and scope, every table, and every consumer function with its
 * event source mapping. Local runs read it instead of the rendered Terraform.
 */

/** The file, in `cdktf.out/stacks/<stack>/`, beside `cdk.tf.json`. Not `*.tf.json`: Terraform ignores it. */
export const STACK_MANIFEST_FILE = "stack-manifest.json";

/**
 * Bumped when a field changes meaning; readers refuse other versions.
 * 2: lists of topics, queues, subscriptions, tables and functions (1 held one of each).
 */
export const STACK_MANIFEST_VERSION = 2;

export interface QueueManifest {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly receiveWaitTimeSeconds: number;
  readonly delaySeconds: number;
}

/** A queue a topic delivers to or a function consumes, with its dead-letter queue. */
export interface SourceQueueManifest extends QueueManifest {
  /** Where a message goes after `maxReceiveCount` receives; absent for a queue without one. */
  readonly deadLetterQueue?: QueueManifest;
  readonly maxReceiveCount?: number;
}

/** SNS's two filter policy scopes. */
export type FilterPolicyScope = "MessageAttributes" | "MessageBody";

/** One queue's subscription to one topic (a queue may be subscribed more than once, with other filters). */
export interface SubscriptionManifest {
  /** The topic's name (in `topics`). */
  readonly topic: string;
  /** The queue's name (in `queues`). */
  readonly queue: string;
  readonly rawMessageDelivery: boolean;
  /** SNS filter policy JSON, when the subscription has one. */
  readonly filterPolicy?: string;
  /** What `filterPolicy` matches; SNS matches message attributes when absent. */
  readonly filterPolicyScope?: FilterPolicyScope;
}

export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N" | "B";
}

export interface TableManifest {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
  /** Read and write capacity units, with PROVISIONED billing. */
  readonly readCapacity?: number;
  readonly writeCapacity?: number;
}

/** A function and its event source mapping on one queue. */
export interface FunctionManifest {
  readonly name: string;
  /** The queue its event source mapping consumes (in `queues`). */
  readonly queue: string;
  /** Its bundle (the file the stack zips), relative to the project root. */
  readonly bundle: string;
  /** Its environment variables; a table's or queue's name, referenced in the stack, is written as the name. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** The mapping's maximum concurrency; undefined when it has none. */
  readonly maximumConcurrency?: number;
}

export interface StackManifest {
  readonly version: number;
  readonly stack: string;
  /** The AWS region of the stack's resources. */
  readonly region: string;
  /** The topics queues are subscribed to, created by the stack or imported, in the order they were made. */
  readonly topics: readonly { readonly name: string }[];
  /** Every queue a topic delivers to or a function consumes. */
  readonly queues: readonly SourceQueueManifest[];
  readonly subscriptions: readonly SubscriptionManifest[];
  /** Every table of the stack, created or imported. */
  readonly tables: readonly TableManifest[];
  /** Every function fed by a queue (`SqsLambda`). */
  readonly functions: readonly FunctionManifest[];
}
