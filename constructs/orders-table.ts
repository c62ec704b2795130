import { Construct, IConstruct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { KMS_KEY_ARN } from "./arns";
import { DYNAMODB_TABLE_NAME, TABLE_DEFAULTS, TABLE_KEY_ACTIONS, TABLE_WRITE_ACTIONS } from "./defaults";
import { EncryptionKey, accountContext, keyStatement } from "./encryption-key";
import { Grant, IGrantable, PolicyStatement, principalGrant, statementId } from "./policy";
import { PropsValidator, quoteCut } from "./validation";

/**
 * A table orders are written to: created by `OrdersTable`, or an existing one imported with
 * `OrdersTable.fromTableName`. Integrations take this interface, as aws-cdk's take `ITable`.
 */
export interface ITable extends IConstruct {
  readonly tableName: string;
  readonly tableArn: string;
  /** The partition key's attribute name. */
  readonly partitionKey: string;
  /** ARN of the customer-managed key that encrypts the table, when known. */
  readonly encryptionKeyArn?: string;
  /**
   * Gives `grantee` exactly the item actions the order writer uses on this table (and the use of
   * its customer key through DynamoDB, when the key is known); returns the statements.
   */
  grantWriteOrders(grantee: IGrantable): Grant;
}

/** What is known of an existing table imported by name (`OrdersTable.fromTableName`). */
export interface ImportedTableOptions {
  /**
   * ARN of the customer-managed KMS key that encrypts the table (a key ARN, not an alias): writers get
   * its use through DynamoDB only. Leave it out for a table encrypted with an AWS-owned or AWS-managed
   * key, whose use needs no IAM permission; a writer of a table with an unnamed customer key is
   * refused by KMS at run time.
   * @default no key permission is granted
   */
  readonly encryptionKeyArn?: string;
  /**
   * The partition key's attribute name (for tools that create the table on this machine).
   * @default "orderId"
   */
  readonly partitionKey?: string;
}

export interface OrdersTableProps {
  /** Physical name of the table: 3-255 characters of letters, digits, _, - and `.`. Derive it from the stack prefix. */
  readonly tableName: string;
  /**
   * Refuse `DeleteTable` (and `terraform destroy`) until this is turned off. Turn it on for production.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * ARN of an existing customer-managed KMS key for server-side encryption. Its key policy must let
   * this account use it through DynamoDB (and create grants for DynamoDB).
   * @default a new customer-managed key (`alias/<tableName>`) with yearly rotation, used only through DynamoDB
   */
  readonly kmsKeyArn?: string;
  /**
   * Administrators of the new key (EncryptionKey's `administrators`); ignored with `kmsKeyArn`.
   * @default the account root
   */
  readonly keyAdministrators?: readonly string[];
}

/**
 * The Orders table: partition key `orderId` (string), on-demand billing,
 * point-in-time recovery, KMS server-side encryption, deletion protection as given.
 */
export class OrdersTable extends Construct implements ITable {
  /**
   * An existing table, by name (e.g. one owned by another stack): writers are granted on it like on a
   * created one. Its ARN is built in this stack's account, region and partition.
   */
  public static fromTableName(
    scope: Construct,
    id: string,
    tableName: string,
    options: ImportedTableOptions = {},
  ): ITable {
    return new ImportedTable(scope, id, tableName, options);
  }

  public readonly table: DynamodbTable;
  /** The partition key's attribute name. */
  public readonly partitionKey: string = TABLE_DEFAULTS.partitionKey;
  /** The key created for the table, unless `kmsKeyArn` was given. */
  public readonly encryptionKey?: EncryptionKey;
  /** ARN of the customer-managed key that encrypts the table. */
  public readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: OrdersTableProps) {
    super(scope, id);
    new PropsValidator("OrdersTable", this.node.path)
      .name("tableName", props.tableName, DYNAMODB_TABLE_NAME)
      .throwIfInvalid();

    if (props.kmsKeyArn === undefined) {
      this.encryptionKey = new EncryptionKey(this, "Key", {
        alias: props.tableName,
        description: `Encrypts the DynamoDB table ${props.tableName}`,
        usedThrough: [{ service: "dynamodb", grants: true }],
        administrators: props.keyAdministrators,
      });
    }
    this.kmsKeyArn = props.kmsKeyArn ?? this.encryptionKey!.key.arn;

    this.table = new DynamodbTable(this, "Table", {
      name: props.tableName,
      billingMode: TABLE_DEFAULTS.billingMode,
      hashKey: this.partitionKey,
      attribute: [{ name: this.partitionKey, type: "S" }],
      pointInTimeRecovery: { enabled: TABLE_DEFAULTS.pointInTimeRecovery },
      serverSideEncryption: { enabled: true, kmsKeyArn: this.kmsKeyArn },
      deletionProtectionEnabled: props.deletionProtection ?? TABLE_DEFAULTS.deletionProtection,
    });
  }

  public get tableName(): string {
    return this.table.name;
  }

  public get tableArn(): string {
    return this.table.arn;
  }

  public get encryptionKeyArn(): string {
    return this.kmsKeyArn;
  }

  /**
   * Gives `grantee` exactly the item actions the order writer uses on this table, and the use
   * of its key through DynamoDB only (`kms:ViaService`). Statement ids derive from this
   * construct's path (`WriteOrders`, `UseOrdersTableKey` for a table named `Orders` in its stack).
   */
  public grantWriteOrders(grantee: IGrantable): Grant {
    return principalGrant(grantee, writeStatements(this));
  }
}

/** PutItem and GetItem on `table` only, and its key's use through DynamoDB when the key is known. */
function writeStatements(table: ITable): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      sid: statementId("Write", table),
      effect: "Allow",
      actions: [...TABLE_WRITE_ACTIONS],
      resources: [table.tableArn],
    },
  ];
  if (table.encryptionKeyArn !== undefined) {
    const sid = statementId("Use", table, "TableKey");
    statements.push(keyStatement(table, sid, TABLE_KEY_ACTIONS, table.encryptionKeyArn, "dynamodb"));
  }
  return statements;
}

/** An existing table (`OrdersTable.fromTableName`). */
class ImportedTable extends Construct implements ITable {
  public readonly tableArn: string;
  public readonly partitionKey: string;
  public readonly encryptionKeyArn?: string;

  constructor(
    scope: Construct,
    id: string,
    public readonly tableName: string,
    options: ImportedTableOptions,
  ) {
    super(scope, id);
    new PropsValidator("OrdersTable.fromTableName", this.node.path)
      .name("tableName", tableName, DYNAMODB_TABLE_NAME)
      .arn("encryptionKeyArn", options.encryptionKeyArn, KMS_KEY_ARN)
      .expect(
        options.partitionKey === undefined || (options.partitionKey.length >= 1 && options.partitionKey.length <= 255),
        `partitionKey must be 1-255 characters (given ${quoteCut(options.partitionKey)})`,
      )
      .throwIfInvalid();
    const account = accountContext(this);
    this.tableArn = `arn:${account.partition}:dynamodb:${account.region}:${account.accountId}:table/${tableName}`;
    this.partitionKey = options.partitionKey ?? TABLE_DEFAULTS.partitionKey;
    this.encryptionKeyArn = options.encryptionKeyArn;
  }

  public grantWriteOrders(grantee: IGrantable): Grant {
    return principalGrant(grantee, writeStatements(this));
  }
}
