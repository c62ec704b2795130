import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { LocalEnvironment } from "../local/environment";
import { StackManifest, readStackManifest } from "../local/stack-manifest";
import { listeningServers, serversBackTo, synthesized } from "./support/commands";
import { projectDefaultStack } from "./support/configuration";

// The stack's AWS on this machine (what `npm run sandbox` and `npm run local` start), from the
// manifest of the first environment's stack with one change each test makes: a filter policy, a
// restart on kept data with other settings, a resource the server refuses.

let out: string;
let manifest: StackManifest;
let folder: string;
beforeAll(async () => {
  out = await synthesized();
  manifest = readStackManifest(out, projectDefaultStack()).manifest;
}, 120_000);
beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-local-environment-"));
});
afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/** The manifest with its first subscription (the pipeline's own) changed by `changes`. */
function withSubscription(changes: Partial<StackManifest["subscriptions"][number]>): StackManifest {
  const [first, ...others] = manifest.subscriptions;
  return { ...manifest, subscriptions: [{ ...first, ...changes }, ...others] };
}

/** Starts the environment, runs `body` with it, and stops it (its servers too) whatever happens. */
async function withEnvironment<T>(
  m: StackManifest,
  options: { visibilityTimeoutSeconds: number; dataDir?: string },
  body: (env: LocalEnvironment) => Promise<T>,
): Promise<T> {
  const env = await LocalEnvironment.start(m, options);
  try {
    return await body(env);
  } finally {
    await env.stop();
  }
}

/** The attributes of the pipeline's own subscription, as the local SNS server keeps them. */
async function subscriptionAttributes(env: LocalEnvironment): Promise<Record<string, string>> {
  const { Subscriptions } = await env.sns.send(
    new ListSubscriptionsByTopicCommand({ TopicArn: env.outputs.topic_arn }),
  );
  const subscription = Subscriptions!.find((s) => s.Endpoint === env.queueArn)!;
  const { Attributes } = await env.sns.send(
    new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }),
  );
  return Attributes!;
}

const USD_ONLY = JSON.stringify({ currency: ["USD"] });

test("refuses a filter policy the local SNS server would not apply as SNS does, naming the subscription and the operator", async () => {
  const [first] = manifest.subscriptions;
  const m = withSubscription({ filterPolicy: JSON.stringify({ total: [{ between: [1, 2] }] }) });
  await expect(LocalEnvironment.start(m, { visibilityTimeoutSeconds: 2 })).rejects.toThrow(
    new Error(
      "the local SNS server (fauxqs) does not apply these filter policies as SNS does, so a local run would deliver " +
        `other messages than AWS:\n  - the subscription of ${first.queue} to ${first.topic} filters with "between" (on total)\n` +
        "Test this subscription on AWS, or use an operator fauxqs applies (see docs/local.md).",
    ),
  );
});

test("subscribes the queue with the manifest's raw delivery, filter policy and its scope", async () => {
  const m = withSubscription({ rawMessageDelivery: true, filterPolicy: USD_ONLY, filterPolicyScope: "MessageBody" });
  const attributes = await withEnvironment(m, { visibilityTimeoutSeconds: 2 }, subscriptionAttributes);
  expect([attributes.RawMessageDelivery, attributes.FilterPolicy, attributes.FilterPolicyScope]).toEqual([
    "true",
    USD_ONLY,
    "MessageBody",
  ]);
}, 60_000);

test("replaces a subscription kept from an earlier run on the same data by the manifest's", async () => {
  const dataDir = path.join(folder, "data");
  await withEnvironment(manifest, { visibilityTimeoutSeconds: 2, dataDir }, async () => undefined);
  const m = withSubscription({ filterPolicy: USD_ONLY, filterPolicyScope: "MessageBody" });
  const attributes = await withEnvironment(m, { visibilityTimeoutSeconds: 2, dataDir }, subscriptionAttributes);
  expect([attributes.FilterPolicy, attributes.FilterPolicyScope]).toEqual([USD_ONLY, "MessageBody"]);
}, 60_000);

test("applies another visibility timeout to the queues kept from an earlier run on the same data", async () => {
  const dataDir = path.join(folder, "data");
  await withEnvironment(manifest, { visibilityTimeoutSeconds: 2, dataDir }, async () => undefined);
  const timeout = await withEnvironment(manifest, { visibilityTimeoutSeconds: 7, dataDir }, async (env) => {
    const { Attributes } = await env.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: env.outputs.queue_url, AttributeNames: ["VisibilityTimeout"] }),
    );
    return Attributes!.VisibilityTimeout;
  });
  expect(timeout).toBe("7");
}, 60_000);

test("stops the servers it started when the server refuses a resource of the manifest", async () => {
  const before = listeningServers();
  const m = { ...manifest, topics: [...manifest.topics, { name: "not a topic name!" }] };
  await expect(LocalEnvironment.start(m, { visibilityTimeoutSeconds: 2 })).rejects.toThrow(
    /Topic name must contain only alphanumeric characters/,
  );
  expect(await serversBackTo(before)).toBe(before);
}, 60_000);

test("names its topic and queues in the manifest's region", async () => {
  const arns = await withEnvironment(
    { ...manifest, region: "eu-west-1" },
    { visibilityTimeoutSeconds: 2 },
    async (env) => [env.outputs.topic_arn, env.queueArn],
  );
  expect(arns).toEqual([
    expect.stringMatching(/^arn:aws:sns:eu-west-1:/),
    expect.stringMatching(/^arn:aws:sqs:eu-west-1:/),
  ]);
}, 60_000);

test("keeps each server's data in a folder of its own under the data folder", async () => {
  const dataDir = path.join(folder, "data");
  await withEnvironment(manifest, { visibilityTimeoutSeconds: 2, dataDir }, async () => undefined);
  expect(fs.readdirSync(dataDir).sort()).toEqual(["dynamodb", "sns-sqs"]);
}, 60_000);

test("keeps the queues' messages across a stop and a start on the same data", async () => {
  const dataDir = path.join(folder, "data");
  await withEnvironment(manifest, { visibilityTimeoutSeconds: 2, dataDir }, (env) =>
    env.sqs.send(new SendMessageCommand({ QueueUrl: env.outputs.dlq_url, MessageBody: "kept" })),
  );
  const bodies = await withEnvironment(manifest, { visibilityTimeoutSeconds: 2, dataDir }, async (env) => {
    const { Messages } = await env.sqs.send(new ReceiveMessageCommand({ QueueUrl: env.outputs.dlq_url }));
    return (Messages ?? []).map((m) => m.Body);
  });
  expect(bodies).toEqual(["kept"]);
}, 60_000);
