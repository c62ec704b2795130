import { collectReferences, danglingReferences, expressionsIn, referencesIn } from "./support/references";
import { TfJson, synthApp } from "./support/tf-json";

describe("reference integrity of every synthesized stack", () => {
  let stacks: Record<string, TfJson>;
  beforeAll(() => {
    stacks = synthApp().stacks;
  });

  test("every reference names a declared resource, data source, variable or local", () => {
    for (const [name, tf] of Object.entries(stacks)) {
      expect({ stack: name, dangling: danglingReferences(tf) }).toEqual({ stack: name, dangling: [] });
    }
  });

  test("the check sees the stack's references (at least one per wiring)", () => {
    for (const tf of Object.values(stacks)) {
      expect(collectReferences(tf).length).toBeGreaterThanOrEqual(10);
    }
  });
});

describe("the reference checker", () => {
  test("reports a reference to a resource that does not exist", () => {
    const tf = { resource: { aws_sqs_queue: { a: { name: "x", policy: "${aws_sqs_queue.b.arn}" } } } };
    expect(danglingReferences(tf)).toEqual([".resource.aws_sqs_queue.a.policy: aws_sqs_queue.b"]);
  });

  test("reports a depends_on entry that names nothing", () => {
    const tf = { resource: { aws_sqs_queue: { a: { depends_on: ["aws_iam_role.gone"] } } } };
    expect(danglingReferences(tf)).toEqual([".resource.aws_sqs_queue.a.depends_on: aws_iam_role.gone"]);
  });

  test("reports an undeclared variable", () => {
    expect(danglingReferences({ output: { o: { value: "${var.missing}" } } })).toEqual([
      ".output.o.value: var.missing",
    ]);
  });

  test("reads references inside jsonencode and ignores quoted keys and functions", () => {
    const [expression] = expressionsIn('${jsonencode({"a.b" = aws_sqs_queue.q.arn, "n" = 3})}');
    expect(referencesIn(expression)).toEqual(["aws_sqs_queue.q"]);
  });

  test("reads data source and built-in references", () => {
    expect(referencesIn("data.aws_iam_policy_document.d.json")).toEqual(["data.aws_iam_policy_document.d"]);
    expect(referencesIn('"${path.module}/x"')).toEqual([]);
  });
});
