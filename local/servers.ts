import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { AddressInfo } from "net";
import type { Server } from "http";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, localClientSettings } from "../cli/aws";
import { TableManifest } from "./stack-manifest";

/**
 * The AWS APIs on this machine: fauxqs (SNS and SQS in one server: SNS delivers to subscribed
 * queues with its real envelope, raw delivery and filter policies; SQS redrives to a DLQ after
 * maxReceiveCount) and dynalite (DynamoDB). Both listen on 127.0.0.1 only, on free ports.
 */

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite: (options: Record<string, unknown>) => Server = require("dynalite");

/** A real API server on 127.0.0.1 and how to stop it. */
export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Credentials and region the SDK reads from the environment to sign requests to local servers. */
export const LOCAL_AWS_ENV = {
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_REGION: "us-east-1",
} as const;

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/**
 * Starts dynalite on a free loopback port: in memory, or kept in `dataDir` (LevelDB) across restarts.
 */
export async function startDynamoDb(options: { dataDir?: string } = {}): Promise<LocalServer> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir ? { path: options.dataDir } : {}),
  });
  const endpoint = await listen(server);
  return {
    endpoint,
    // dynalite's close also closes its database (releasing the LevelDB lock of --data).
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// fauxqs is an ES module; its types are imported for checking only.
type FauxqsModule = typeof import("fauxqs");

/** The installed fauxqs package folder (its package.json exports only the module entry). */
function fauxqsDir(): string {
  const dir = (require.resolve.paths("fauxqs") ?? [])
    .map((p) => path.join(p, "fauxqs"))
    .find((d) => fs.existsSync(path.join(d, "package.json")));
  if (!dir) throw new Error('fauxqs is not installed: run "npm ci"');
  return dir;
}

/** Imports one of fauxqs's own files (pinned version: see package.json). */
async function fauxqsInternal<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(path.join(fauxqsDir(), "dist", file)).href)) as T;
}

/** Hides the one warning node:sqlite prints when fauxqs loads it: machinery, not a problem for the user. */
function withoutSqliteWarning<T>(load: () => Promise<T>): Promise<T> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  return load().finally(() => {
    process.emitWarning = emitWarning;
  });
}

/**
 * Starts fauxqs (SNS and SQS) on a free port of 127.0.0.1, in memory or kept in `dataDir` (SQLite).
 * fauxqs's own `startFauxqs` listens on 0.0.0.0 (every interface); this builds the same server
 * with its `buildApp` and listens on loopback only. With `dataDir` it wires fauxqs's persistence
 * into the stores the way `startFauxqs` does.
 */
export async function startSnsSqs(options: { region: string; dataDir?: string }): Promise<LocalServer> {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 5)) {
    throw new Error(`the local SNS and SQS server (fauxqs) needs Node.js 22.5 or newer (this is ${process.version})`);
  }
  const app = await withoutSqliteWarning(async () => {
    const { buildApp } = (await import("fauxqs")) as FauxqsModule;
    if (!options.dataDir) return buildApp({ logger: false, defaultRegion: options.region });
    const [{ SqsStore }, { SnsStore }, { S3Store }, { PersistenceManager }] = await Promise.all([
      fauxqsInternal<{ SqsStore: new () => FauxqsStore }>("sqs/sqsStore.js"),
      fauxqsInternal<{ SnsStore: new () => FauxqsStore }>("sns/snsStore.js"),
      fauxqsInternal<{ S3Store: new () => FauxqsStore }>("s3/s3Store.js"),
      fauxqsInternal<{ PersistenceManager: new (dir: string) => FauxqsPersistence }>("persistence.js"),
    ]);
    const stores = { sqsStore: new SqsStore(), snsStore: new SnsStore(), s3Store: new S3Store() };
    const persistence = new PersistenceManager(options.dataDir);
    // Load first, then attach: attaching before loading would write every loaded row back.
    persistence.load(stores.sqsStore, stores.snsStore, stores.s3Store);
    for (const store of Object.values(stores)) store.persistence = persistence;
    for (const queue of stores.sqsStore.allQueues!()) queue.persistence = persistence;
    // The stores are fauxqs's own classes, loaded from its files: its types do not export them.
    const built = buildApp({ logger: false, defaultRegion: options.region, stores: stores as never });
    built.addHook("preClose", () => {
      persistence.close();
    });
    return built;
  });
  const endpoint = await app.listen({ port: 0, host: "127.0.0.1" });
  return { endpoint, stop: () => app.close() };
}

interface FauxqsStore {
  persistence?: FauxqsPersistence;
  allQueues?(): Iterable<{ persistence?: FauxqsPersistence }>;
}

interface FauxqsPersistence {
  load(sqs: FauxqsStore, sns: FauxqsStore, s3: FauxqsStore): void;
  close(): void;
}

/** A DynamoDB client for a local endpoint. */
export function localDynamoDbClient(endpoint: string, region: string = LOCAL_AWS_ENV.AWS_REGION): DynamoDBClient {
  return new DynamoDBClient(localClientSettings(endpoint, region));
}

/**
 * Creates the table the stack defines (name, key schema, billing) unless it exists already (a
 * sandbox restarted on its `--data`); an existing table with another key schema is an error.
 */
export async function createTable(client: DynamoDBClient, table: TableManifest): Promise<void> {
  const keys = [
    { AttributeName: table.partitionKey.name, KeyType: "HASH" as const },
    ...(table.sortKey ? [{ AttributeName: table.sortKey.name, KeyType: "RANGE" as const }] : []),
  ];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table.name,
        KeySchema: keys,
        AttributeDefinitions: [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])].map((k) => ({
          AttributeName: k.name,
          AttributeType: k.type,
        })),
        BillingMode: table.billingMode,
        ...(table.billingMode === "PROVISIONED"
          ? {
              ProvisionedThroughput: {
                ReadCapacityUnits: table.readCapacity ?? 1,
                WriteCapacityUnits: table.writeCapacity ?? 1,
              },
            }
          : {}),
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "ResourceInUseException") throw error;
    const existing = (await client.send(new DescribeTableCommand({ TableName: table.name }))).Table?.KeySchema ?? [];
    const same =
      JSON.stringify(existing.map((k) => [k.AttributeName, k.KeyType])) ===
      JSON.stringify(keys.map((k) => [k.AttributeName, k.KeyType]));
    if (!same) {
      throw new Error(
        `table ${table.name} exists with another key schema (${JSON.stringify(existing)}): ` +
          `delete the sandbox's --data folder to start afresh`,
      );
    }
  }
}
