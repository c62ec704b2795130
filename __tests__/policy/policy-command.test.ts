import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CATALOGUE_BEGIN, CATALOGUE_END, catalogueMarkdown } from "../../policy/catalogue";
import { RULES } from "../../policy/rules";
import { WAIVERS } from "../../policy/waivers";
import { CommandResult, runBuilt } from "../support/commands";
import { synthExample } from "../support/example";
import { TfJson, resourcesOf, synthApp } from "../support/tf";

/**
 * `npm run policy`, the built command (dist/policy/policy.js, as its npm script runs it after the
 * build) over synth folders: the project's, a broken copy, an adopter's extra resource, the example.
 */
const COMMAND = "dist/policy/policy.js";
const policy = (args: readonly string[]): Promise<CommandResult> => runBuilt(COMMAND, args);

/** The project's configuration synthesized (the run's shared synth, copied), and its stacks. */
const project = synthApp();
const stackNames = Object.keys(project.stacks).sort();

/** A synth folder of this test's own holding `stacks` (name -> cdk.tf.json). */
function synthFolder(stacks: Record<string, TfJson>): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-policy-"));
  for (const [name, tf] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(folder, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(folder, "stacks", name, "cdk.tf.json"), JSON.stringify(tf, null, 2));
  }
  return folder;
}

/** The first stack with a resource of `type`, as a fresh copy. */
function stackWith(type: string): [string, TfJson] {
  const name = stackNames.find((n) => Object.keys(resourcesOf(project.stacks[n], type)).length > 0)!;
  return [name, structuredClone(project.stacks[name])];
}

const lines = (text: string): string[] => text.split("\n").filter((l) => l !== "");

describe("npm run policy on the project's synth", () => {
  let result: CommandResult;
  beforeAll(async () => {
    result = await policy([project.outdir]);
  });

  test("exits 0 and says so in its summary, naming every stack and rule", () => {
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    const waived = lines(result.stdout).filter((l) => l.startsWith("  waived ")).length;
    expect(lines(result.stdout).at(-1)).toMatch(
      new RegExp(
        `^policy passed: ${stackNames.length} stacks, ${RULES.length} rules, 0 findings, \\d+ waived findings$`,
      ),
    );
    expect(waived).toBeGreaterThan(0);
  });

  test("prints a line per stack, and each waiver it applied with the resources and the waiver's reason", () => {
    for (const name of stackNames) {
      expect(result.stdout).toContain(
        `${name} (${path.join(project.outdir, "stacks", name, "cdk.tf.json")}): 0 findings`,
      );
    }
    const bucketWaiver = WAIVERS.find((w) => w.on.includes("aws_s3_bucket"))!;
    const [, bootstrap] = stackWith("aws_s3_bucket");
    const bucket = Object.keys(resourcesOf(bootstrap, "aws_s3_bucket"))[0];
    expect(lines(result.stdout)).toContain(
      `  waived ${bucketWaiver.rule} on aws_s3_bucket.${bucket}: ${bucketWaiver.reason}`,
    );
  });
});

describe("npm run policy on a broken copy", () => {
  test('exits 1 naming CKV_AWS_168 and the queue policy when a statement admits Principal "*" unconditionally', async () => {
    const [name, tf] = stackWith("aws_sqs_queue_policy");
    const [id, body] = Object.entries(resourcesOf(tf, "aws_sqs_queue_policy"))[0];
    const document = resourcesOf(tf, "aws_iam_policy_document", "data")[
      /^\$\{data\.aws_iam_policy_document\.([^.]+)\.json\}$/.exec(body.policy)![1]
    ];
    document.statement.push({
      sid: "Anyone",
      effect: "Allow",
      principals: [{ type: "*", identifiers: ["*"] }],
      actions: ["sqs:SendMessage"],
      resources: ["*"],
    });
    const result = await policy([synthFolder({ [name]: tf })]);
    expect(result.status).toBe(1);
    expect(lines(result.stdout)).toContain(
      `  FAIL CKV_AWS_168 aws_sqs_queue_policy.${id}: policy statement Anyone is public`,
    );
    expect(lines(result.stdout).at(-1)).toMatch(/^policy FAILED: 1 stack, \d+ rules, [1-9]\d* findings?, /);
  });

  test("exits 1 naming CKV_AWS_27 for an adopter's added queue without encryption", async () => {
    const [name, tf] = stackWith("aws_sqs_queue");
    tf.resource.aws_sqs_queue.UsdOrders = { name: "orders-usd" };
    const result = await policy([synthFolder({ [name]: tf })]);
    expect(result.status).toBe(1);
    expect(lines(result.stdout)).toContain("  FAIL CKV_AWS_27 aws_sqs_queue.UsdOrders: is not encrypted at rest");
  });
});

describe("npm run policy on the second-subscriber example's synth", () => {
  test("exits 0: the adopter's stack with an imported topic and table passes", async () => {
    const example = synthExample();
    const result = await policy([synthFolder({ [example.name]: example.tf })]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toContain(`${example.name} (`);
  });
});

describe("npm run policy --sarif", () => {
  let sarif: TfJson;
  let folder: string;
  let queuePolicy: string;
  beforeAll(async () => {
    const [name, tf] = stackWith("aws_sqs_queue");
    tf.resource.aws_sqs_queue.UsdOrders = { name: "orders-usd" };
    queuePolicy = name;
    folder = synthFolder({ [name]: tf });
    const file = path.join(folder, "policy.sarif");
    const result = await policy([folder, "--sarif", file]);
    expect(result.status).toBe(1);
    sarif = JSON.parse(fs.readFileSync(file, "utf8"));
  });

  test("writes SARIF 2.1.0 with one run whose driver lists every rule", () => {
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    expect(sarif.runs[0].tool.driver.rules.map((r: TfJson) => r.id)).toEqual(RULES.map((r) => r.id));
    for (const rule of sarif.runs[0].tool.driver.rules) expect(rule.shortDescription.text).toEqual(expect.any(String));
  });

  test("gives the finding its rule, level, message, the stack's cdk.tf.json and the resource as a logical location", () => {
    const result = sarif.runs[0].results.find((r: TfJson) => r.ruleId === "CKV_AWS_27" && !r.suppressions);
    expect(result).toEqual(
      expect.objectContaining({
        ruleId: "CKV_AWS_27",
        ruleIndex: RULES.findIndex((r) => r.id === "CKV_AWS_27"),
        level: "error",
        message: { text: `aws_sqs_queue.UsdOrders: is not encrypted at rest (stack ${queuePolicy})` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: `file://${path.join(folder, "stacks", queuePolicy, "cdk.tf.json")}` },
            },
            logicalLocations: [
              {
                name: "aws_sqs_queue.UsdOrders",
                fullyQualifiedName: `${queuePolicy}.aws_sqs_queue.UsdOrders`,
                kind: "resource",
              },
            ],
          },
        ],
      }),
    );
  });

  test("reports each waived finding as a result with an accepted suppression giving the waiver's reason", () => {
    const suppressed = sarif.runs[0].results.filter((r: TfJson) => r.suppressions);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const r of suppressed) {
      const waiver = WAIVERS.find((w) => w.rule === r.ruleId)!;
      expect(r.suppressions).toEqual([{ kind: "external", status: "accepted", justification: waiver.reason }]);
    }
  });
});

describe("npm run policy --catalogue", () => {
  test("rewrites a page's rule catalogue between its markers from the rules, and leaves the rest", async () => {
    const page = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-policy-page-")), "guardrails.md");
    fs.writeFileSync(page, `# Before\n\n${CATALOGUE_BEGIN}\nstale\n${CATALOGUE_END}\n\n# After\n`);
    const result = await policy(["--catalogue", page]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout).toBe(`${page}: the catalogue of ${RULES.length} rules written\n`);
    expect(fs.readFileSync(page, "utf8")).toBe(`# Before\n\n${catalogueMarkdown()}\n\n# After\n`);
  });

  test("exits 2 naming the markers when the page has none", async () => {
    const page = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "orders-policy-page-")), "other.md");
    fs.writeFileSync(page, "# No catalogue here\n");
    const result = await policy(["--catalogue", page]);
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(lines(result.stderr)[0]).toBe(
      `--catalogue ${JSON.stringify(page)}: the page has no catalogue markers: put ${CATALOGUE_BEGIN} and ${CATALOGUE_END} where it goes`,
    );
    expect(fs.readFileSync(page, "utf8")).toBe("# No catalogue here\n");
  });
});

describe("npm run policy with bad input", () => {
  test("exits 2 naming the synth folder when it does not exist, and prints nothing else", async () => {
    const missing = path.join(os.tmpdir(), "orders-policy-no-such-folder");
    const result = await policy([missing]);
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(lines(result.stderr)).toEqual([
      `the synth folder must exist: the folder cdktf synth wrote, cdktf.out by default (given ${JSON.stringify(missing)}: no such folder); run npm run synth first`,
      'See "npm run policy -- --help".',
    ]);
  });

  test("exits 2 when the folder holds no stacks/<stack>/cdk.tf.json", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "orders-policy-empty-"));
    const result = await policy([empty]);
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(lines(result.stderr)[0]).toBe(
      `the synth folder must hold stacks/<stack>/cdk.tf.json, as cdktf synth writes it (given ${JSON.stringify(empty)}: none found); ` +
        "npm run synth:hcl writes cdk.tf, which this command does not read",
    );
  });

  test("exits 2 naming the file when a cdk.tf.json is not JSON", async () => {
    const folder = synthFolder({ broken: {} });
    const file = path.join(folder, "stacks", "broken", "cdk.tf.json");
    fs.writeFileSync(file, "{ not json");
    const result = await policy([folder]);
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(lines(result.stderr)[0]).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} must be Terraform JSON \\(`),
    );
  });

  test("exits 2 before judging anything when --sarif names a file in a missing folder", async () => {
    const target = path.join(os.tmpdir(), "orders-policy-no-such-folder", "out.sarif");
    const result = await policy([project.outdir, "--sarif", target]);
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(lines(result.stderr)[0]).toBe(
      `--sarif must name a file in an existing folder (given ${JSON.stringify(target)})`,
    );
  });

  test("exits 2 for two synth folders", async () => {
    const result = await policy(["a", "b"]);
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(lines(result.stderr)[0]).toBe('give at most one synth folder (given "a b")');
  });

  test("answers --help with its usage and exit 0", async () => {
    const result = await policy(["--help"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout.split("\n")[0]).toBe("Usage: npm run policy -- [synth folder] [options]");
  });
});
