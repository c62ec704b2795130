/**
 * The stack manifest's format, shared by its writer (`stacks/stack-manifest.ts`, at synth) and its
 * readers (`local/`). Plain types and constants: importing this file loads no cdktf.
 */

/**
 * The stack manifest: the settings of a pipeline stack that tools on this machine need (names,
 * queue settings, redrive, subscription, table keys, the event source mapping), written by synth
 * beside each stack's Terraform from the values the constructs hold
 * (`stacks/stack-manifest.ts`). Local runs read it instead of the rendered Terraform.
 */

/** The file, in `cdktf.out/stacks/<stack>/`, beside `cdk.tf.json`. Not `*.tf.json`: Terraform ignores it. */
export const STACK_MANIFEST_FILE = "stack-manifest.json";

/** Bumped when a field changes meaning; readers refuse other versions. */
export const STACK_MANIFEST_VERSION = 1;

export interface QueueManifest {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly receiveWaitTimeSeconds: number;
  readonly delaySeconds: number;
}

export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N" | "B";
}

export interface StackManifest {
  readonly version: number;
  readonly stack: string;
  /** The AWS region of the stack's resources. */
  readonly region: string;
  readonly topic: { readonly name: string };
  /** The topic's subscription of `queue`. */
  readonly subscription: {
    readonly rawMessageDelivery: boolean;
    /** SNS filter policy JSON, when the subscription has one. */
    readonly filterPolicy?: string;
    readonly filterPolicyScope?: "MessageAttributes" | "MessageBody";
  };
  /** The queue that feeds the function. */
  readonly queue: QueueManifest;
  readonly deadLetterQueue: QueueManifest;
  /** Receives after which a message moves from `queue` to `deadLetterQueue`. */
  readonly maxReceiveCount: number;
  /** The table the function writes. */
  readonly table: {
    readonly name: string;
    readonly partitionKey: KeyAttribute;
    readonly sortKey?: KeyAttribute;
    readonly billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
    /** Read and write capacity units, with PROVISIONED billing. */
    readonly readCapacity?: number;
    readonly writeCapacity?: number;
  };
  /** The function and its event source mapping on `queue`. */
  readonly function: {
    readonly name: string;
    readonly timeoutSeconds: number;
    readonly batchSize: number;
    readonly maximumBatchingWindowSeconds: number;
    /** The mapping's maximum concurrency; undefined when it has none. */
    readonly maximumConcurrency?: number;
  };
}
