import { Construct } from "constructs";
import { PolicyDocument, PolicyStatement, statementId } from "../constructs";
import { TfJson, onlyResource, synthConstructs } from "./support/tf";

/** The statements of the one policy document `build` adds. */
const statementsOf = (build: (scope: Construct) => void): TfJson[] =>
  onlyResource(synthConstructs(build), "aws_iam_policy_document", "data").statement;

const allow = (action: string, sid?: string): PolicyStatement => ({
  ...(sid === undefined ? {} : { sid }),
  effect: "Allow",
  actions: [action],
  resources: ["*"],
});

describe("statementId", () => {
  test("is the prefix, the construct's path inside its stack and the suffix, letters and digits only", () => {
    let id = "";
    synthConstructs((scope) => {
      const outer = new Construct(scope, "usd-orders");
      id = statementId("Consume", new Construct(outer, "Queue_1"), "-Key");
    });
    expect(id).toBe("ConsumeusdordersQueue1Key");
  });
});

describe("PolicyDocument", () => {
  test("writes an empty statement list when nothing was added", () => {
    expect(statementsOf((scope) => new PolicyDocument(scope, "P"))).toEqual([]);
  });

  test("keeps a statement added twice once", () => {
    expect(
      statementsOf(
        (scope) => new PolicyDocument(scope, "P", [allow("sqs:SendMessage", "A"), allow("sqs:SendMessage", "A")]),
      ),
    ).toEqual([allow("sqs:SendMessage", "A")]);
  });

  test("keeps two different statements without a sid, in the order added", () => {
    expect(
      statementsOf((scope) => new PolicyDocument(scope, "P", [allow("sqs:SendMessage"), allow("sqs:ReceiveMessage")])),
    ).toEqual([allow("sqs:SendMessage"), allow("sqs:ReceiveMessage")]);
  });
});
