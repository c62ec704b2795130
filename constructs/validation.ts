import { Token } from "cdktf";

/**
 * Thrown by a construct whose props are invalid. `problems` holds one line per
 * problem; the message lists them all, so one synth run reports every mistake.
 */
export class ConstructPropsError extends Error {
  public readonly problems: readonly string[];

  constructor(construct: string, path: string, problems: readonly string[]) {
    super(`Invalid ${construct} props at ${path}:\n` + problems.map((problem) => `  - ${problem}`).join("\n"));
    this.name = "ConstructPropsError";
    this.problems = problems;
  }
}

/** Renders a given value the way the error messages quote it. */
export function quote(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Like `quote`, but cut to `max` characters: a long value is named, never echoed whole. */
export function quoteCut(value: unknown, max = 120): string {
  const text = quote(value);
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/**
 * Collects prop problems, then throws them as one `ConstructPropsError`.
 * Every check is skipped for `undefined` (not given) and for unresolved tokens
 * (values Terraform only knows at plan time, such as a variable).
 */
export class PropsValidator {
  private readonly problems: string[] = [];

  constructor(
    private readonly construct: string,
    private readonly path: string,
  ) {}

  /** `prop must be an integer between min and max (given x)` */
  public integerInRange(prop: string, value: number | undefined, min: number, max: number): this {
    if (value === undefined || Token.isUnresolved(value)) return this;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${prop} must be an integer between ${min} and ${max} (given ${quote(value)})`);
    }
    return this;
  }

  /** `prop must be one of a, b, c (given x)` */
  public oneOf<T>(prop: string, value: T | undefined, allowed: readonly T[]): this {
    if (value === undefined || Token.isUnresolved(value)) return this;
    if (!allowed.includes(value)) {
      this.problems.push(`${prop} must be one of ${allowed.map(quote).join(", ")} (given ${quote(value)})`);
    }
    return this;
  }

  /** `prop must be 1-80 characters of letters, digits, - and _ (given "x", 81 characters)` */
  public name(prop: string, value: string | undefined, rule: NameRule): this {
    if (value === undefined || Token.isUnresolved(value)) return this;
    if (value.length < rule.minLength || value.length > rule.maxLength || !rule.pattern.test(value)) {
      this.problems.push(
        `${prop} must be ${rule.minLength}-${rule.maxLength} characters of ${rule.characters} ` +
          `(given ${quoteCut(value)}, ${value.length} ${value.length === 1 ? "character" : "characters"})`,
      );
    }
    return this;
  }

  /** `prop must be an ARN such as arn:aws:sns:... (given "x")` */
  public arn(prop: string, value: string | undefined, rule: { pattern: RegExp; example: string }): this {
    if (value === undefined || Token.isUnresolved(value)) return this;
    if (!rule.pattern.test(value)) {
      this.problems.push(`${prop} must be an ARN such as ${rule.example} (given ${quoteCut(value)})`);
    }
    return this;
  }

  /** Records `message` when `ok` is false; for rules that relate two props. */
  public expect(ok: boolean, message: string): this {
    if (!ok) this.problems.push(message);
    return this;
  }

  /** Throws one error listing every problem found, if any. */
  public throwIfInvalid(): void {
    if (this.problems.length > 0) {
      throw new ConstructPropsError(this.construct, this.path, this.problems);
    }
  }
}

/** A physical-name rule: AWS's length limit and character set for one resource type. */
export interface NameRule {
  readonly minLength: number;
  readonly maxLength: number;
  readonly pattern: RegExp;
  readonly characters: string;
}

/** True when a value is known at synth time (not a token resolved by Terraform). */
export function isResolved(value: unknown): boolean {
  return value !== undefined && !Token.isUnresolved(value);
}
