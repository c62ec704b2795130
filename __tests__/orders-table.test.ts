import { Grant, KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS, OrdersTable, PolicyDocument, PolicyStatement } from "../constructs";
import { TfJson, onlyResource, resourcesOf, statementsOf, synthConstructs, viaServiceCondition } from "./support/tf";

describe("OrdersTable with default props", () => {
  let tf: TfJson;
  let table: TfJson;
  beforeAll(() => {
    tf = synthConstructs((scope) => new OrdersTable(scope, "Orders", { tableName: "p-Orders" }));
    table = onlyResource(tf, "aws_dynamodb_table");
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

  test("encrypts with its own customer-managed key (CKV_AWS_119)", () => {
    const keyId = Object.keys(resourcesOf(tf, "aws_kms_key"))[0];
    expect(table.server_side_encryption).toEqual({ enabled: true, kms_key_arn: `\${aws_kms_key.${keyId}.arn}` });
  });

  test("rotates the table key yearly and names it after the table", () => {
    expect(onlyResource(tf, "aws_kms_key")).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      description: "Encrypts the DynamoDB table p-Orders",
    });
    expect(onlyResource(tf, "aws_kms_alias").name).toBe("alias/p-Orders");
  });

  test("lets the account administer the table key, and use it only through DynamoDB", () => {
    const root =
      "arn:${data.aws_partition.Partition.partition}:iam::${data.aws_caller_identity.CallerIdentity.account_id}:root";
    const throughDynamodb = [
      viaServiceCondition("dynamodb"),
      {
        test: "StringEquals",
        variable: "kms:CallerAccount",
        values: ["${data.aws_caller_identity.CallerIdentity.account_id}"],
      },
    ];
    const statements = statementsOf(tf, onlyResource(tf, "aws_kms_key").policy);
    expect(statements.map((s) => [s.sid, s.principals, s.condition])).toEqual([
      ["AccountAdministersKey", [{ type: "AWS", identifiers: [root] }], undefined],
      ["AccountUsesKeyThroughDynamodb", [{ type: "AWS", identifiers: [root] }], throughDynamodb],
      [
        "DynamodbGrantsForItsResources",
        [{ type: "AWS", identifiers: [root] }],
        [...throughDynamodb, { test: "Bool", variable: "kms:GrantIsForAWSResource", values: ["true"] }],
      ],
    ]);
    expect(statements[0].actions).toEqual(KEY_ADMIN_ACTIONS);
    expect(statements[0].actions).not.toContain("kms:Decrypt");
    expect(statements[1].actions).toEqual(KEY_USE_ACTIONS);
    expect(statements[2].actions).toEqual(["kms:CreateGrant"]);
    expect(statements.flatMap((s) => s.actions)).not.toContain("kms:*");
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

  test("grants a writer PutItem and GetItem on this table, and the use of its key through DynamoDB, only, with ids from its path", () => {
    const kmsKeyArn = "arn:aws:kms:us-east-1:111122223333:key/abc";
    const tf = synthConstructs((scope) => {
      const grants = new PolicyDocument(scope, "Grants");
      new OrdersTable(scope, "O", { tableName: "t-Orders", kmsKeyArn }).grantWriteOrders({
        addToRolePolicy: (statement) => grants.addStatements(statement),
      });
    });
    const tableId = Object.keys(resourcesOf(tf, "aws_dynamodb_table"))[0];
    expect(onlyResource(tf, "aws_iam_policy_document", "data").statement).toEqual([
      {
        sid: "WriteO",
        effect: "Allow",
        actions: ["dynamodb:PutItem", "dynamodb:GetItem"],
        resources: [`\${aws_dynamodb_table.${tableId}.arn}`],
      },
      {
        sid: "UseOTableKey",
        effect: "Allow",
        actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        resources: [kmsKeyArn],
        condition: [viaServiceCondition("dynamodb")],
      },
    ]);
  });
});

describe("OrdersTable grants that compose", () => {
  test("returns what it added, keeps a second grant to the same grantee once and names a second table's apart", () => {
    const grants: Grant[] = [];
    const tf = synthConstructs((scope) => {
      const document = new PolicyDocument(scope, "Grants");
      const grantee = { addToRolePolicy: (statement: PolicyStatement) => document.addStatements(statement) };
      const orders = new OrdersTable(scope, "Orders", { tableName: "t-Orders" });
      const archive = new OrdersTable(scope, "Archive", { tableName: "t-Archive" });
      grants.push(
        orders.grantWriteOrders(grantee),
        orders.grantWriteOrders(grantee),
        archive.grantWriteOrders(grantee),
      );
    });
    const grantsId = Object.keys(resourcesOf(tf, "aws_iam_policy_document", "data")).find((id) =>
      id.startsWith("Grants"),
    )!;
    expect(resourcesOf(tf, "aws_iam_policy_document", "data")[grantsId].statement.map((s: TfJson) => s.sid)).toEqual([
      "WriteOrders",
      "UseOrdersTableKey",
      "WriteArchive",
      "UseArchiveTableKey",
    ]);
    expect(grants.map((g) => g.principalStatements.map((s) => s.sid))).toEqual([
      ["WriteOrders", "UseOrdersTableKey"],
      ["WriteOrders", "UseOrdersTableKey"],
      ["WriteArchive", "UseArchiveTableKey"],
    ]);
  });
});

describe("OrdersTable.fromTableName", () => {
  const grantsOn = (options: { encryptionKeyArn?: string }): TfJson[] => {
    const tf = synthConstructs((scope) => {
      const grants = new PolicyDocument(scope, "Grants");
      OrdersTable.fromTableName(scope, "Existing", "shared-Orders", options).grantWriteOrders({
        addToRolePolicy: (statement) => grants.addStatements(statement),
      });
    });
    expect(resourcesOf(tf, "aws_dynamodb_table")).toEqual({});
    return onlyResource(tf, "aws_iam_policy_document", "data").statement;
  };
  const tableArn =
    "arn:${data.aws_partition.Partition.partition}:dynamodb:${data.aws_region.Region.region}:" +
    "${data.aws_caller_identity.CallerIdentity.account_id}:table/shared-Orders";

  test("grants PutItem and GetItem on the existing table, by its ARN in this stack's account and region", () => {
    expect(grantsOn({})).toEqual([
      {
        sid: "WriteExisting",
        effect: "Allow",
        actions: ["dynamodb:PutItem", "dynamodb:GetItem"],
        resources: [tableArn],
      },
    ]);
  });

  test("grants the use of the table's customer key through DynamoDB when its ARN is given", () => {
    const keyArn = "arn:aws:kms:us-east-1:111122223333:key/abc";
    expect(grantsOn({ encryptionKeyArn: keyArn })[1]).toEqual({
      sid: "UseExistingTableKey",
      effect: "Allow",
      actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
      resources: [keyArn],
      condition: [viaServiceCondition("dynamodb")],
    });
  });

  test("knows its partition key: the one given, orderId by default", () => {
    const keys: string[] = [];
    synthConstructs((scope) => {
      keys.push(OrdersTable.fromTableName(scope, "A", "shared-Orders", { partitionKey: "pk" }).partitionKey);
      keys.push(OrdersTable.fromTableName(scope, "B", "other-Orders", {}).partitionKey);
    });
    expect(keys).toEqual(["pk", "orderId"]);
  });

  test("accepts a partition key of 1 to 255 characters and rejects an empty one and one of 256", () => {
    const errorOf = (partitionKey: string): string | undefined => {
      try {
        synthConstructs((scope) => OrdersTable.fromTableName(scope, "E", "shared-Orders", { partitionKey }));
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(["k", "k".repeat(255), "", "k".repeat(256)].map(errorOf)).toEqual([
      undefined,
      undefined,
      'Invalid OrdersTable.fromTableName props at stack/E:\n  - partitionKey must be 1-255 characters (given "")',
      `Invalid OrdersTable.fromTableName props at stack/E:\n  - partitionKey must be 1-255 characters (given "${"k".repeat(119)}... (258 characters))`,
    ]);
  });

  test("rejects a bad table name and a key alias in one error", () => {
    expect(() =>
      synthConstructs((scope) =>
        OrdersTable.fromTableName(scope, "E", "a b", {
          encryptionKeyArn: "arn:aws:kms:us-east-1:111122223333:alias/x",
        }),
      ),
    ).toThrow(
      [
        "Invalid OrdersTable.fromTableName props at stack/E:",
        '  - tableName must be 3-255 characters of letters, digits, _, - and . (given "a b", 3 characters)',
        '  - encryptionKeyArn must be an ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (given "arn:aws:kms:us-east-1:111122223333:alias/x")',
      ].join("\n"),
    );
  });
});

describe("OrdersTable validation", () => {
  test("rejects a table name shorter than 3 characters", () => {
    expect(() => synthConstructs((scope) => new OrdersTable(scope, "O", { tableName: "ab" }))).toThrow(
      'Invalid OrdersTable props at stack/O:\n  - tableName must be 3-255 characters of letters, digits, _, - and . (given "ab", 2 characters)',
    );
  });

  test("counts a one-character table name as 1 character", () => {
    expect(() => synthConstructs((scope) => new OrdersTable(scope, "O", { tableName: "a" }))).toThrow(
      'Invalid OrdersTable props at stack/O:\n  - tableName must be 3-255 characters of letters, digits, _, - and . (given "a", 1 character)',
    );
  });
});
