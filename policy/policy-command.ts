import * as fs from "fs";
import * as path from "path";
import { CommandIo, EXIT, UsageError, runCommand, stringOption } from "../cli/cli";
import { quote, readBoundedFile } from "../config/input";
import { withCatalogue } from "./catalogue";
import { Verdict, evaluateStack, reasonOf } from "./evaluate";
import { RULES } from "./rules";
import { sarifLog } from "./sarif";
import { loadStack } from "./stack";

export const POLICY_COMMAND = "npm run policy";

export const POLICY_HELP = `Usage: npm run policy -- [synth folder] [options]

Runs the policy suite (the rules and waivers of policy/, the ones npm test runs) over every stack
of a synthesized folder: each stacks/<stack>/cdk.tf.json that cdktf synth wrote, the project's, an
adopter's or an example's. Prints each finding (rule, resource address, reason), each waiver
applied with its reason, and a summary line. Run it after synth, before terraform plan.

  [synth folder]           the folder cdktf synth wrote (default cdktf.out)
  --sarif <file>           also write the results as SARIF 2.1.0 (for code scanning); waived
                           findings are results with a suppression that gives the waiver's reason
  --catalogue <page>       instead: rewrite the rule catalogue (table and counts) of a Markdown page
                           between its markers, from the rules (docs/guardrails.md)

Exit codes: 0 no finding (waived ones aside), 1 a finding, 2 bad input (no such folder, no stack in
it, a cdk.tf.json that is not JSON).
`;

const OPTIONS = {
  sarif: { type: "string" },
  catalogue: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The most a cdk.tf.json may hold: the project's are under 100 KiB; a bundle is never inlined. */
const MAX_STACK_BYTES = 64 * 1024 * 1024;

/** The most a Markdown page given to --catalogue may hold. */
const MAX_PAGE_BYTES = 1024 * 1024;

/** A synthesized stack as the command found it. */
export interface SynthStack {
  readonly name: string;
  /** Its cdk.tf.json, as given (relative to the working folder when the folder was). */
  readonly file: string;
  readonly verdicts: readonly Verdict[];
}

/** The stack files of a synth folder, by stack name; UsageError when there is no folder or no stack. */
function stackFiles(folder: string): { name: string; file: string }[] {
  const given = `given ${quote(folder)}`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(folder);
  } catch {
    throw new UsageError(
      `the synth folder must exist: the folder cdktf synth wrote, cdktf.out by default (${given}: no such folder); run npm run synth first`,
    );
  }
  if (!stat.isDirectory()) {
    throw new UsageError(`the synth folder must be a folder, the one cdktf synth wrote (${given}: not a folder)`);
  }
  const stacks = path.join(folder, "stacks");
  const names = fs.existsSync(stacks)
    ? fs
        .readdirSync(stacks, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(stacks, e.name, "cdk.tf.json")))
        .map((e) => e.name)
        .sort()
    : [];
  if (names.length === 0) {
    throw new UsageError(
      `the synth folder must hold stacks/<stack>/cdk.tf.json, as cdktf synth writes it (${given}: none found); ` +
        "npm run synth:hcl writes cdk.tf, which this command does not read",
    );
  }
  return names.map((name) => ({ name, file: path.join(stacks, name, "cdk.tf.json") }));
}

/** Every stack of `folder`, read and judged. UsageError for bad input, before any output. */
export async function judgeFolder(folder: string): Promise<SynthStack[]> {
  const files = stackFiles(folder);
  const parsed = files.map(({ name, file }) => {
    const text = readBoundedFile(file, { what: `stack ${name}'s cdk.tf.json`, maxBytes: MAX_STACK_BYTES });
    try {
      const tf = JSON.parse(text);
      if (!tf || typeof tf !== "object" || Array.isArray(tf)) throw new Error("not a JSON object");
      return { name, file, tf };
    } catch (error) {
      throw new UsageError(`${file} must be Terraform JSON (${(error as Error).message.split("\n")[0]})`);
    }
  });
  const judged: SynthStack[] = [];
  for (const { name, file, tf } of parsed) judged.push({ name, file, verdicts: evaluateStack(await loadStack(tf)) });
  return judged;
}

/** The report: findings, then waivers applied, per stack; then one summary line. */
export function reportLines(stacks: readonly SynthStack[]): string[] {
  const lines: string[] = [];
  for (const stack of stacks) {
    const failing = stack.verdicts.filter((v) => !v.waiver);
    const waived = stack.verdicts.filter((v) => v.waiver);
    lines.push(`${stack.name} (${stack.file}): ${count(failing.length, "finding")}, ${count(waived.length, "waived")}`);
    for (const v of failing) lines.push(`  FAIL ${v.rule.id} ${v.finding.subject}: ${reasonOf(v.finding)}`);
    // Each waiver once per stack, with the resources whose findings it accepted.
    for (const waiver of new Set(waived.map((v) => v.waiver!))) {
      const subjects = [...new Set(waived.filter((v) => v.waiver === waiver).map((v) => v.finding.subject))];
      lines.push(`  waived ${waiver.rule} on ${subjects.join(", ")}: ${waiver.reason}`);
    }
  }
  const failing = stacks.flatMap((s) => s.verdicts.filter((v) => !v.waiver));
  const waived = stacks.flatMap((s) => s.verdicts.filter((v) => v.waiver));
  const verdict = failing.length === 0 ? "passed" : "FAILED";
  lines.push(
    `policy ${verdict}: ${count(stacks.length, "stack")}, ${RULES.length} rules, ` +
      `${count(failing.length, "finding")}, ${count(waived.length, "waived finding")}`,
  );
  return lines;
}

function count(n: number, noun: string): string {
  if (noun === "waived") return `${n} waived`;
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Checks that the SARIF file can be written where it is named, before anything runs. */
function checkSarifTarget(file: string): void {
  const folder = path.dirname(path.resolve(file));
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new UsageError(`--sarif must name a file in an existing folder (given ${quote(file)})`);
  }
  if (fs.existsSync(file) && !fs.statSync(file).isFile()) {
    throw new UsageError(`--sarif must name a regular file (given ${quote(file)})`);
  }
}

export async function policyMain(argv: string[], io: CommandIo): Promise<number> {
  return runCommand(
    { name: POLICY_COMMAND, help: POLICY_HELP, options: OPTIONS, positionals: true },
    argv,
    io,
    async ({ values, positionals }) => {
      const catalogue = stringOption(values, "catalogue");
      if (catalogue !== undefined) {
        if (positionals.length > 0 || values.sarif !== undefined) {
          throw new UsageError("--catalogue takes no synth folder and no --sarif: it only rewrites the page");
        }
        const page = readBoundedFile(catalogue, { what: "--catalogue", maxBytes: MAX_PAGE_BYTES });
        let updated: string;
        try {
          updated = withCatalogue(page);
        } catch (error) {
          throw new UsageError(`--catalogue ${quote(catalogue)}: ${(error as Error).message}`);
        }
        if (updated !== page) fs.writeFileSync(catalogue, updated);
        io.stdout.write(
          `${catalogue}: the catalogue of ${RULES.length} rules ${updated === page ? "is current" : "written"}\n`,
        );
        return EXIT.ok;
      }
      if (positionals.length > 1) {
        throw new UsageError(`give at most one synth folder (given ${quote(positionals.join(" "))})`);
      }
      const folder = positionals[0] ?? "cdktf.out";
      const sarif = stringOption(values, "sarif");
      if (sarif !== undefined) checkSarifTarget(sarif);
      const stacks = await judgeFolder(folder);
      io.stdout.write(`${reportLines(stacks).join("\n")}\n`);
      if (sarif !== undefined) fs.writeFileSync(sarif, `${JSON.stringify(sarifLog(stacks), null, 2)}\n`);
      return stacks.some((s) => s.verdicts.some((v) => !v.waiver)) ? EXIT.failed : EXIT.ok;
    },
  );
}
