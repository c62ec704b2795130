import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { OrdersTable, QueueWithDlq, SqsLambda } from "../../constructs";
import { EnvironmentInput, environmentFrom } from "../../config/environments";
import { OrderPipelineStack, OrderPipelineStackProps } from "../../stacks/order-pipeline-stack";
import { BUNDLE_PATH } from "./tf";

/**
 * The everyday change of issue 19, made to a pipeline stack the test owns: a second subscriber of
 * OrderTopic that receives only orders whose currency is USD (filtering on the message body), with
 * its own queue and DLQ, consumer and table, as docs/add-a-subscriber.md adds it. Its parts are
 * named `Dollar...`, not `Usd...` as in the guide, so an adopter who followed the guide inside the
 * pipeline stack itself does not collide with this fixture.
 */
export function addUsdSubscriber(stack: OrderPipelineStack, prefix: string): void {
  const queue = new QueueWithDlq(stack, "DollarQueue", {
    queueName: `${prefix}-DollarQueue`,
    deadLetterQueue: { queueName: `${prefix}-DollarQueueDLQ` },
  });
  stack.topic.subscribeQueue(queue, { filterPolicy: { currency: ["USD"] }, filterPolicyScope: "MessageBody" });
  const table = new OrdersTable(stack, "DollarOrders", {
    tableName: `${prefix}-DollarOrders`,
    deletionProtection: false,
  });
  const consumer = new SqsLambda(stack, "DollarConsumer", {
    functionName: `${prefix}-DollarConsumer`,
    bundlePath: BUNDLE_PATH,
    source: queue,
    environment: {
      ORDERS_TABLE_NAME: table.tableName,
      // Its outcome metrics in the stack's namespace, apart from the pipeline's by their service.
      POWERTOOLS_SERVICE_NAME: "dollar-consumer",
      POWERTOOLS_METRICS_NAMESPACE: stack.outcomeMetrics.namespace,
    },
  });
  table.grantWriteOrders(consumer);
}

/** Props of a pipeline stack named `stack` that this suite owns (no environments file read). */
export function ownStackProps(stack: string, settings: Partial<EnvironmentInput> = {}): OrderPipelineStackProps {
  return {
    environment: environmentFrom({ name: "dev", region: "eu-west-1", deletionProtection: false, ...settings }),
    prefix: stack,
    backend: { bucket: "b", region: "eu-west-1", keyPrefix: "k", kmsKeyId: "alias/k-state" },
    functionBundlePath: BUNDLE_PATH,
  };
}

/** Synthesizes one pipeline stack of the suite's own into a temporary folder; `change` edits it first. */
export function synthOwnStack(
  stack: string,
  settings: Partial<EnvironmentInput> = {},
  change: (stack: OrderPipelineStack) => void = () => undefined,
): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-own-"));
  const app = new App({ outdir, stackTraces: false });
  change(new OrderPipelineStack(app, stack, ownStackProps(stack, settings)));
  app.synth();
  return outdir;
}
