import { Token } from "cdktf";
import { ConstructPropsError, PropsValidator, isResolved, quoteCut } from "../constructs/validation";

/** The problems `check` finds, or [] when it finds none. */
const problemsOf = (check: (v: PropsValidator) => PropsValidator): readonly string[] => {
  try {
    check(new PropsValidator("Thing", "stack/Thing")).throwIfInvalid();
  } catch (error) {
    expect(error).toBeInstanceOf(ConstructPropsError);
    return (error as ConstructPropsError).problems;
  }
  return [];
};

const NAME = { minLength: 2, maxLength: 3, pattern: /^[a-z]+$/, characters: "lower-case letters" };

describe("ConstructPropsError", () => {
  test("is named ConstructPropsError and lists each problem under the construct and its path", () => {
    const error = new ConstructPropsError("Thing", "stack/Thing", ["a is wrong", "b is wrong"]);
    expect([error.name, error.message, error.problems]).toEqual([
      "ConstructPropsError",
      "Invalid Thing props at stack/Thing:\n  - a is wrong\n  - b is wrong",
      ["a is wrong", "b is wrong"],
    ]);
  });
});

describe("quoteCut", () => {
  test("keeps a quoted value of 120 characters whole", () => {
    expect(quoteCut("a".repeat(118))).toBe(`"${"a".repeat(118)}"`);
  });

  test("cuts a quoted value of 121 characters to its first 120, then its length", () => {
    expect(quoteCut("a".repeat(119))).toBe(`"${"a".repeat(119)}... (121 characters)`);
  });
});

describe("PropsValidator", () => {
  test("accepts integers at both ends of a range", () => {
    expect(problemsOf((v) => v.integerInRange("n", 1, 1, 3).integerInRange("m", 3, 1, 3))).toEqual([]);
  });

  test("refuses integers just outside a range and a fraction inside it", () => {
    expect(
      problemsOf((v) => v.integerInRange("n", 0, 1, 3).integerInRange("m", 4, 1, 3).integerInRange("f", 1.5, 1, 3)),
    ).toEqual([
      "n must be an integer between 1 and 3 (given 0)",
      "m must be an integer between 1 and 3 (given 4)",
      "f must be an integer between 1 and 3 (given 1.5)",
    ]);
  });

  test("skips every check for a value not given or known only at plan time", () => {
    const token = Token.asString({ resolve: () => "x" });
    const numberToken = Token.asNumber({ resolve: () => 0 });
    expect(
      problemsOf((v) =>
        v
          .integerInRange("n", undefined, 1, 3)
          .integerInRange("t", numberToken, 1, 3)
          .oneOf("o", undefined, ["a"])
          .oneOf("p", token, ["a"])
          .name("s", undefined, NAME)
          .name("u", token, NAME)
          .arn("a", undefined, { pattern: /^arn:/, example: "arn:x" })
          .arn("b", token, { pattern: /^arn:/, example: "arn:x" }),
      ),
    ).toEqual([]);
  });

  test("refuses a value not among those allowed, quoting each", () => {
    expect(problemsOf((v) => v.oneOf("o", "c", ["a", "b"]).oneOf("p", 2, [1]))).toEqual([
      'o must be one of "a", "b" (given "c")',
      "p must be one of 1 (given 2)",
    ]);
  });

  test("refuses names too short, too long or of other characters, with their length", () => {
    expect(problemsOf((v) => v.name("a", "x", NAME).name("b", "xxxx", NAME).name("c", "X1", NAME))).toEqual([
      'a must be 2-3 characters of lower-case letters (given "x", 1 character)',
      'b must be 2-3 characters of lower-case letters (given "xxxx", 4 characters)',
      'c must be 2-3 characters of lower-case letters (given "X1", 2 characters)',
    ]);
  });

  test("accepts names at both ends of their length", () => {
    expect(problemsOf((v) => v.name("a", "xx", NAME).name("b", "xxx", NAME))).toEqual([]);
  });

  test("refuses an ARN its pattern does not match, naming an example", () => {
    expect(problemsOf((v) => v.arn("a", "nope", { pattern: /^arn:/, example: "arn:aws:sqs:x" }))).toEqual([
      'a must be an ARN such as arn:aws:sqs:x (given "nope")',
    ]);
  });

  test("records a rule's message only when the rule fails", () => {
    expect(problemsOf((v) => v.expect(true, "kept out").expect(false, "reported"))).toEqual(["reported"]);
  });
});

describe("isResolved", () => {
  test("is true for a value known at synth time only", () => {
    expect([
      isResolved(0),
      isResolved(""),
      isResolved(undefined),
      isResolved(Token.asString({ resolve: () => "x" })),
    ]).toEqual([true, true, false, false]);
  });
});
