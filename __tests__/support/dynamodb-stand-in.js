// A DynamoDB endpoint for throughput tests, run as its own process (node dynamodb-stand-in.js):
// it answers the calls ProcessOrderLambda and the load test make (CreateTable, DescribeTable,
// PutItem with the conditional create on the key, GetItem, Scan with Select COUNT) from memory,
// over HTTP on a free port of 127.0.0.1, which it prints on its first line. It checks no item,
// size or signature (dynalite does that in the contract tests): it is here to be fast, so a test
// of 10,000 records measures the function's connections, not the stand-in's CPU.
"use strict";
const { Buffer } = require("buffer");
const http = require("http");

const JSON_TYPE = "application/x-amz-json-1.0";
/** orderId -> item, per table. */
const tables = new Map();

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function fail(res, type, message) {
  answer(res, 400, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
}

/** The key attribute's name and value of a request's Item or Key (the table has one key). */
function keyOf(table, attributes) {
  const value = attributes[table.key];
  return value && JSON.stringify(value);
}

const OPERATIONS = {
  CreateTable(body, res) {
    if (tables.has(body.TableName)) return fail(res, "ResourceInUseException", "Table already exists");
    const key = body.KeySchema.find((k) => k.KeyType === "HASH").AttributeName;
    tables.set(body.TableName, { key, schema: body.KeySchema, items: new Map() });
    answer(res, 200, {
      TableDescription: { TableName: body.TableName, TableStatus: "ACTIVE", KeySchema: body.KeySchema },
    });
  },
  DescribeTable(body, res, table) {
    answer(res, 200, { Table: { TableName: body.TableName, TableStatus: "ACTIVE", KeySchema: table.schema } });
  },
  PutItem(body, res, table) {
    const key = keyOf(table, body.Item);
    if (body.ConditionExpression && table.items.has(key)) {
      return fail(res, "ConditionalCheckFailedException", "The conditional request failed");
    }
    table.items.set(key, body.Item);
    answer(res, 200, {});
  },
  GetItem(body, res, table) {
    const item = table.items.get(keyOf(table, body.Key));
    answer(res, 200, item ? { Item: item } : {});
  },
  Scan(body, res, table) {
    answer(res, 200, { Count: table.items.size, ScannedCount: table.items.size });
  },
};

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const operation = String(req.headers["x-amz-target"] ?? "").replace(/^DynamoDB_\d+\./, "");
    const body = JSON.parse(Buffer.concat(chunks).toString() || "{}");
    const run = OPERATIONS[operation];
    if (!run) return fail(res, "UnknownOperationException", `${operation} is not supported by the stand-in`);
    const table = tables.get(body.TableName);
    if (operation !== "CreateTable" && !table)
      return fail(res, "ResourceNotFoundException", "Requested resource not found");
    run(body, res, table);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
