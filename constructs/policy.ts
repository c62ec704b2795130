import { DefaultTokenResolver, Fn, StringConcat, TerraformStack, Tokenization } from "cdktf";
import { Construct, IConstruct } from "constructs";
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
  /** Adds `statement` to the principal's identity policy; an identical statement already there is kept once. */
  addToRolePolicy(statement: PolicyStatement): void;
}

/**
 * What a grant or an integration added, as aws-cdk's `Grant` reports it: the statements on the
 * grantee's identity policy, those on the resource's own policy (a queue policy, a key policy), and
 * those it needs on a resource it cannot change (an imported queue or key, whose policy is owned
 * elsewhere): their owner must add them, or the access is refused.
 */
export interface Grant {
  /** Added to the grantee's identity policy. */
  readonly principalStatements: readonly PolicyStatement[];
  /** Added to the resource's own policy. */
  readonly resourceStatements: readonly PolicyStatement[];
  /** Needed on a resource this stack does not own: not added. */
  readonly pendingStatements: readonly PolicyStatement[];
}

/** Combines grants into one (an integration that grants on several resources). */
export function combineGrants(...grants: readonly Grant[]): Grant {
  return {
    principalStatements: grants.flatMap((g) => g.principalStatements),
    resourceStatements: grants.flatMap((g) => g.resourceStatements),
    pendingStatements: grants.flatMap((g) => g.pendingStatements),
  };
}

/** A grant of identity-policy statements only. */
export function principalGrant(grantee: IGrantable, statements: readonly PolicyStatement[]): Grant {
  for (const statement of statements) grantee.addToRolePolicy(statement);
  return { principalStatements: [...statements], resourceStatements: [], pendingStatements: [] };
}

/** A JSON-valued attribute that may hold references: valid in both the JSON and the HCL output. */
export function jsonAttribute(value: Record<string, unknown>): string {
  return Fn.jsonencode(value);
}

/**
 * An IAM statement id for `construct`: `prefix` followed by the construct's path inside its stack,
 * letters and digits only (IAM sids are alphanumeric). Paths are unique in a stack, so statements
 * derived from two constructs never share an id: `Consume` + `stack/OrderQueue` is `ConsumeOrderQueue`,
 * `Consume` + `stack/Usd/Queue` is `ConsumeUsdQueue`.
 */
export function statementId(prefix: string, construct: IConstruct, suffix = ""): string {
  const stack = TerraformStack.of(construct);
  const inside = construct.node.scopes.slice(stack.node.scopes.length).map((scope) => scope.node.id);
  return `${prefix}${inside.join("")}${suffix}`.replace(/[^A-Za-z0-9]/g, "");
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
    this.document = new DataAwsIamPolicyDocument(this, "document");
    // Puts the statement list, an empty one too.
    this.addStatements(...statements);
  }

  /**
   * Adds statements. A statement identical to one already here is kept once (a second grant of the
   * same access); a different statement with a `sid` already here is an error (IAM rejects duplicates).
   */
  public addStatements(...statements: PolicyStatement[]): void {
    for (const statement of statements) {
      const same = this.statements.find((s) => statement.sid !== undefined && s.sid === statement.sid);
      if (same !== undefined) {
        if (this.rendered(same) === this.rendered(statement)) continue;
        throw new Error(
          `${this.node.path}: a different statement with sid ${JSON.stringify(statement.sid)} already exists`,
        );
      }
      this.statements.push(statement);
    }
    this.document.putStatement([...this.statements]);
  }

  /** The rendered policy JSON (a reference to the data source's `json`). */
  public get json(): string {
    return this.document.json;
  }

  /**
   * A statement as Terraform will read it: each token resolved to its expression (two reads of one
   * attribute are two tokens, one expression). Resolving without `preparing` changes nothing.
   */
  private rendered(statement: PolicyStatement): string {
    const resolver = new DefaultTokenResolver(new StringConcat());
    return JSON.stringify(Tokenization.resolve(statement, { scope: this, resolver, preparing: false }));
  }
}
