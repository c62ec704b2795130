import { DEFAULT_SETTINGS, settingsFromEnv } from "../main";
import { synthApp } from "./support/tf";

describe("app configuration from the environment", () => {
  test("uses the documented defaults when nothing is set", () => {
    expect(settingsFromEnv({})).toEqual(DEFAULT_SETTINGS);
  });

  test("reads the region, state bucket, state region, key prefix and name prefix", () => {
    expect(
      settingsFromEnv({
        ORDERS_REGION: "eu-west-1",
        ORDERS_STATE_BUCKET: "acme-tfstate",
        ORDERS_STATE_REGION: "eu-central-1",
        ORDERS_STATE_KEY_PREFIX: "teams/orders",
        ORDERS_NAME_PREFIX: "orders-alice",
      }),
    ).toMatchObject({
      region: "eu-west-1",
      stateBucket: "acme-tfstate",
      stateRegion: "eu-central-1",
      stateKeyPrefix: "teams/orders",
      namePrefix: "orders-alice",
    });
  });

  test("keeps state in the resources' region unless told otherwise", () => {
    expect(settingsFromEnv({ ORDERS_REGION: "ap-southeast-2" }).stateRegion).toBe("ap-southeast-2");
  });

  test("rejects bad values, naming each variable, the rule and the value", () => {
    expect(() => settingsFromEnv({ ORDERS_REGION: "Frankfurt", ORDERS_STATE_BUCKET: "My_Bucket" })).toThrow(
      [
        "Invalid configuration:",
        '  - ORDERS_REGION must be an AWS region such as eu-west-1 (given "Frankfurt")',
        '  - ORDERS_STATE_REGION must be an AWS region such as eu-west-1 (given "Frankfurt")',
        '  - ORDERS_STATE_BUCKET must be an S3 bucket name: 3-63 lower-case letters, digits, . and - (given "My_Bucket")',
      ].join("\n"),
    );
  });

  test("a second name prefix gives a second copy of every stack with its own names and state keys", () => {
    const { stacks } = synthApp({ ORDERS_NAME_PREFIX: "orders-alice" });
    expect(Object.keys(stacks).sort()).toEqual([
      "orders-alice-dev",
      "orders-alice-prod",
      "orders-alice-state-bootstrap",
    ]);
    const tf = stacks["orders-alice-dev"];
    expect(tf.terraform.backend.s3.key).toBe("order-pipeline/orders-alice-dev.tfstate");
    expect(
      Object.values(tf.resource.aws_sqs_queue)
        .map((q) => (q as { name: string }).name)
        .sort(),
    ).toEqual(["orders-alice-dev-OrderQueue", "orders-alice-dev-OrderQueueDLQ"]);
  });
});
