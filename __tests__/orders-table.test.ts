import { OrdersTable, PolicyStatement } from "../constructs";
import { TfJson, onlyResource, synthConstructs } from "./support/tf";

describe("OrdersTable with default props", () => {
  let table: TfJson;
  beforeAll(() => {
    table = onlyResource(
      synthConstructs((scope) => new OrdersTable(scope, "Orders", { tableName: "p-Orders" })),
      "aws_dynamodb_table",
    );
  });

  test("keys the table by orderId as a string", () => {
    expect(table.hash_key).toBe("orderId");
    expect(table.attribute).toEqual([{ name: "orderId", type: "S" }]);
    expect(table.range_key).toBeUndefined();
  });

  test("bills on demand", () => {
    expect(table.billing_mode).toBe("PAY_PER_REQUEST");
  });

  test("turns on point-in-time recovery", () => {
    expect(table.point_in_time_recovery).toEqual({ enabled: true });
  });

  test("turns on KMS server-side encryption", () => {
    expect(table.server_side_encryption).toEqual({ enabled: true });
  });

  test("protects the table from deletion unless told otherwise", () => {
    expect(table.deletion_protection_enabled).toBe(true);
  });
});

describe("OrdersTable overrides", () => {
  test("turns deletion protection off when asked", () => {
    const tf = synthConstructs(
      (scope) => new OrdersTable(scope, "O", { tableName: "t-Orders", deletionProtection: false }),
    );
    expect(onlyResource(tf, "aws_dynamodb_table").deletion_protection_enabled).toBe(false);
  });

  test("encrypts with a customer key when one is given", () => {
    const kmsKeyArn = "arn:aws:kms:us-east-1:111122223333:key/abc";
    const tf = synthConstructs((scope) => new OrdersTable(scope, "O", { tableName: "t-Orders", kmsKeyArn }));
    expect(onlyResource(tf, "aws_dynamodb_table").server_side_encryption).toEqual({
      enabled: true,
      kms_key_arn: kmsKeyArn,
    });
  });

  test("grants a writer PutItem and GetItem on this table only", () => {
    const granted: PolicyStatement[] = [];
    synthConstructs((scope) => {
      new OrdersTable(scope, "O", { tableName: "t-Orders" }).grantWriteOrders({
        addToRolePolicy: (statement) => granted.push(statement),
      });
    });
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({ effect: "Allow", actions: ["dynamodb:PutItem", "dynamodb:GetItem"] });
    expect(granted[0].resources).toHaveLength(1);
    expect(granted[0].resources![0]).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
  });
});

describe("OrdersTable validation", () => {
  test("rejects a table name shorter than 3 characters", () => {
    expect(() => synthConstructs((scope) => new OrdersTable(scope, "O", { tableName: "ab" }))).toThrow(
      'Invalid OrdersTable props at stack/O:\n  - tableName must be 3-255 characters of letters, digits, _, - and . (given "ab", 2 characters)',
    );
  });
});
