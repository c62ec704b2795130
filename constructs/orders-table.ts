import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { DYNAMODB_TABLE_NAME, TABLE_DEFAULTS, TABLE_KEY_ACTIONS, TABLE_WRITE_ACTIONS } from "./defaults";
import { EncryptionKey, keyStatement } from "./encryption-key";
import { IGrantable } from "./policy";
import { PropsValidator } from "./validation";

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
}

/**
 * The Orders table: partition key `orderId` (string), on-demand billing,
 * point-in-time recovery, KMS server-side encryption, deletion protection as given.
 */
export class OrdersTable extends Construct {
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

  /**
   * Gives `grantee` exactly the item actions the order writer uses on this table, and the use
   * of its key through DynamoDB only (`kms:ViaService`).
   */
  public grantWriteOrders(grantee: IGrantable): void {
    grantee.addToRolePolicy({
      sid: "WriteOrders",
      effect: "Allow",
      actions: [...TABLE_WRITE_ACTIONS],
      resources: [this.table.arn],
    });
    grantee.addToRolePolicy(keyStatement(this, "UseOrdersTableKey", TABLE_KEY_ACTIONS, this.kmsKeyArn, "dynamodb"));
  }
}
