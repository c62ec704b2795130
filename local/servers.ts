import { AddressInfo } from "net";
import type { Server } from "http";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PipelineSettings } from "./stack-settings";

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

/** A real API server on 127.0.0.1 and how to stop it. */
export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Credentials and region the SDK needs to sign requests to local servers (never real AWS). */
export const LOCAL_AWS_ENV = {
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_REGION: "us-east-1",
} as const;

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function stopper(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
}

/** Starts dynalite (DynamoDB's API, in memory) on a free loopback port. */
export async function startDynamoDb(): Promise<LocalServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return { endpoint: await listen(server), stop: stopper(server) };
}

/** Starts local-aws-sqs (SQS's JSON protocol, visibility timeouts, redrive) on a free loopback port. */
export async function startSqs(): Promise<LocalServer> {
  // local-aws-sqs listens itself; port 0 asks the OS for a free one.
  const { createSqsServer } = await import("local-aws-sqs");
  const server = await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    emulateQueueCreationLifecycle: false,
  });
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: stopper(server) };
}

/** A DynamoDB client for a local endpoint. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  });
}

/** Creates the table the stack defines: name, key schema, attribute types, billing mode. */
export async function createTable(client: DynamoDBClient, table: PipelineSettings["table"]): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table.name,
      KeySchema: [
        { AttributeName: table.hashKey, KeyType: "HASH" },
        ...(table.rangeKey ? [{ AttributeName: table.rangeKey, KeyType: "RANGE" as const }] : []),
      ],
      AttributeDefinitions: table.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
      BillingMode: table.billingMode === "PAY_PER_REQUEST" ? "PAY_PER_REQUEST" : "PROVISIONED",
      ...(table.billingMode === "PAY_PER_REQUEST"
        ? {}
        : { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }),
    }),
  );
}
