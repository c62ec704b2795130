import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Message } from "@aws-sdk/client-sqs";
import { LocalServer, createTable, localDynamoDbClient, startDynamoDb } from "../local/servers";
import { sqsRecordOf } from "../local/sqs-record";
import { TableManifest } from "../local/stack-manifest";

// The tables the sandbox creates from a stack manifest (any the stack defines, not only the pipeline's
// PAY_PER_REQUEST table keyed by orderId), in dynalite on 127.0.0.1; and the SQS record it builds.

let dynamo: LocalServer;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamo = await startDynamoDb();
  client = localDynamoDbClient(dynamo.endpoint);
});
afterAll(async () => {
  client.destroy();
  await dynamo.stop();
});

const describeTable = async (name: string) => (await client.send(new DescribeTableCommand({ TableName: name }))).Table!;

describe("createTable", () => {
  test("creates a provisioned table with a sort key, its capacities as the manifest gives them", async () => {
    const table: TableManifest = {
      name: "t-Ledger",
      partitionKey: { name: "accountId", type: "S" },
      sortKey: { name: "at", type: "N" },
      billingMode: "PROVISIONED",
      readCapacity: 3,
      writeCapacity: 2,
    };
    await createTable(client, table);
    const created = await describeTable(table.name);
    expect({
      keys: created.KeySchema,
      attributes: created.AttributeDefinitions,
      capacity: [created.ProvisionedThroughput?.ReadCapacityUnits, created.ProvisionedThroughput?.WriteCapacityUnits],
    }).toEqual({
      keys: [
        { AttributeName: "accountId", KeyType: "HASH" },
        { AttributeName: "at", KeyType: "RANGE" },
      ],
      attributes: [
        { AttributeName: "accountId", AttributeType: "S" },
        { AttributeName: "at", AttributeType: "N" },
      ],
      capacity: [3, 2],
    });
  });

  test("gives a provisioned table without capacities one read and one write unit", async () => {
    await createTable(client, { name: "t-Small", partitionKey: { name: "id", type: "S" }, billingMode: "PROVISIONED" });
    const created = await describeTable("t-Small");
    expect([
      created.ProvisionedThroughput?.ReadCapacityUnits,
      created.ProvisionedThroughput?.WriteCapacityUnits,
    ]).toEqual([1, 1]);
  });

  test("keeps a table that exists with the same keys (a restart on kept data)", async () => {
    const table: TableManifest = {
      name: "t-Kept",
      partitionKey: { name: "orderId", type: "S" },
      billingMode: "PAY_PER_REQUEST",
    };
    await createTable(client, table);
    await expect(createTable(client, table)).resolves.toBeUndefined();
  });

  test("refuses a table that exists with other keys, saying how to start afresh", async () => {
    const table: TableManifest = {
      name: "t-Changed",
      partitionKey: { name: "orderId", type: "S" },
      billingMode: "PAY_PER_REQUEST",
    };
    await createTable(client, table);
    await expect(createTable(client, { ...table, partitionKey: { name: "id", type: "S" } })).rejects.toThrow(
      new Error(
        'table t-Changed exists with another key schema ([{"AttributeName":"orderId","KeyType":"HASH"}]): ' +
          "delete the sandbox's --data folder to start afresh",
      ),
    );
  });
});

describe("sqsRecordOf", () => {
  test("fills what a message received without attributes lacks as Lambda would: one receive, sent now, by local", () => {
    const before = Date.now();
    const record = sqsRecordOf(
      { MessageId: "m-1", ReceiptHandle: "h-1" } as Message,
      "arn:aws:sqs:us-east-1:000000000000:q",
      "us-east-1",
    );
    const sent = Number(record.attributes.SentTimestamp);
    expect({
      ...record,
      attributes: { ...record.attributes, SentTimestamp: "now", ApproximateFirstReceiveTimestamp: "now" },
    }).toEqual({
      messageId: "m-1",
      receiptHandle: "h-1",
      body: "",
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "now",
        SenderId: "local",
        ApproximateFirstReceiveTimestamp: "now",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
      awsRegion: "us-east-1",
    });
    expect(
      sent >= before && sent <= Date.now() && record.attributes.ApproximateFirstReceiveTimestamp === String(sent),
    ).toBe(true);
  });

  test("keeps what the queue gave", () => {
    const message: Message = {
      MessageId: "m-1",
      ReceiptHandle: "h-1",
      Body: "{}",
      MD5OfBody: "99914b932bd37a50b983c5e7c90ae93b",
      Attributes: {
        ApproximateReceiveCount: "3",
        SentTimestamp: "1",
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: "2",
      },
    };
    const record = sqsRecordOf(message, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1");
    expect([record.body, record.md5OfBody, record.attributes]).toEqual([
      "{}",
      "99914b932bd37a50b983c5e7c90ae93b",
      { ApproximateReceiveCount: "3", SentTimestamp: "1", SenderId: "AIDA", ApproximateFirstReceiveTimestamp: "2" },
    ]);
  });
});
