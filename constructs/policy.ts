import { Fn } from "cdktf";
import { Construct } from "constructs";
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";

/**
 * The one place where the constructs turn structured data into JSON-valued
 * Terraform attributes. `JSON.stringify` over a token renders `cdk.tf.json`
 * correctly but breaks `cdktf synth --hcl` (the exit path from CDKTF), so:
 * - IAM, queue and topic policies are `aws_iam_policy_document` data sources
 *   (structured in both outputs, composable, checked by the provider);
 * - any other JSON attribute (redrive policies) goes through `jsonencode`.
 */

/** One IAM statement, in the provider's own shape. */
export type PolicyStatement = DataAwsIamPolicyDocumentStatement;

/** Anything with an IAM role that statements can be added to (`SqsLambda`); what grants take. */
export interface IGrantable {
  addToRolePolicy(statement: PolicyStatement): void;
}

/** A JSON-valued attribute that may hold references: valid in both the JSON and the HCL output. */
export function jsonAttribute(value: Record<string, unknown>): string {
  return Fn.jsonencode(value);
}

/**
 * A policy document that several integrations add statements to. A queue or
 * topic has exactly one policy resource; composing every statement here is
 * what keeps two integrations from overwriting each other's policy.
 */
export class PolicyDocument extends Construct {
  /** The `aws_iam_policy_document` data source; `json` is the rendered policy. */
  public readonly document: DataAwsIamPolicyDocument;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, statements: readonly PolicyStatement[] = []) {
    super(scope, id);
    this.document = new DataAwsIamPolicyDocument(this, "document", { statement: [] });
    this.addStatements(...statements);
  }

  /** Adds statements; a `sid` may appear once per document (IAM rejects duplicates). */
  public addStatements(...statements: PolicyStatement[]): void {
    for (const statement of statements) {
      if (statement.sid !== undefined && this.statements.some((s) => s.sid === statement.sid)) {
        throw new Error(`${this.node.path}: a statement with sid ${JSON.stringify(statement.sid)} already exists`);
      }
      this.statements.push(statement);
    }
    this.document.putStatement([...this.statements]);
  }

  /** The rendered policy JSON (a reference to the data source's `json`). */
  public get json(): string {
    return this.document.json;
  }
}
