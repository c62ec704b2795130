import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { pipelineStacks, synthApp } from "./support/tf";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Workflow = Record<string, any>;

describe("the pull-request pipeline (.github/workflows/plan.yml)", () => {
  let workflow: Workflow;
  let stacks: string[];
  let pipeline: string[];
  /** What the synth job's `stacks` step writes to $GITHUB_OUTPUT, run on a synth of the app. */
  let outputs: Record<string, unknown>;
  const steps = (job: string): string[] => workflow.jobs[job].steps.map((s: Workflow) => s.run ?? s.uses);
  const step = (job: string, uses: string): Workflow =>
    workflow.jobs[job].steps.find((s: Workflow) => String(s.uses).startsWith(uses));
  beforeAll(() => {
    workflow = parse(fs.readFileSync(".github/workflows/plan.yml", "utf8"));
    const app = synthApp();
    stacks = Object.keys(app.stacks).sort();
    pipeline = Object.keys(pipelineStacks(app.stacks)).sort();
    const job = fs.mkdtempSync(path.join(os.tmpdir(), "orders-workflow-"));
    fs.cpSync(app.outdir, path.join(job, "cdktf.out"), { recursive: true });
    const step = workflow.jobs.synth.steps.find((s: Workflow) => s.id === "stacks");
    const result = spawnSync("bash", ["-c", step.run], {
      cwd: job,
      env: { ...process.env, GITHUB_OUTPUT: path.join(job, "output") },
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    outputs = Object.fromEntries(
      fs
        .readFileSync(path.join(job, "output"), "utf8")
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), JSON.parse(line.slice(line.indexOf("=") + 1))]),
    );
    fs.rmSync(job, { recursive: true, force: true });
  });

  test("runs on pull requests", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  test("installs from the lock file, synthesizes once and uploads the stack folders", () => {
    expect(steps("synth")).toEqual(expect.arrayContaining(["npm ci", "npm run synth"]));
    expect(steps("synth").indexOf("npm ci")).toBeLessThan(steps("synth").indexOf("npm run synth"));
    expect(step("synth", "actions/upload-artifact").with.path).toBe("cdktf.out/stacks/");
  });

  test("lists the stacks the synth wrote, so a new environment needs no edit of the workflow", () => {
    expect(workflow.jobs.synth.outputs).toEqual({
      stacks: "${{ steps.stacks.outputs.stacks }}",
      plan: "${{ steps.stacks.outputs.plan }}",
    });
    expect(outputs.stacks).toEqual(stacks);
  });

  test("validates every stack the app synthesizes, without credentials or state", () => {
    expect(workflow.jobs.validate.needs).toBe("synth");
    expect(workflow.jobs.validate.strategy.matrix.stack).toBe("${{ fromJSON(needs.synth.outputs.stacks) }}");
    expect(workflow.jobs.validate.env.STACK).toBe("${{ matrix.stack }}");
    expect(steps("validate")).toEqual(
      expect.arrayContaining([
        "terraform -chdir=stacks/$STACK init -backend=false -input=false",
        "terraform -chdir=stacks/$STACK validate",
      ]),
    );
    expect(steps("validate")).not.toContain("aws-actions/configure-aws-credentials@v4");
  });

  test("checks the HCL export with terraform fmt -check and validate", () => {
    const runs = steps("hcl-export").join("\n");
    expect(runs).toContain("npm run synth:hcl");
    expect(runs).toContain("terraform fmt -check -recursive cdktf.out/stacks");
    expect(runs).toContain('terraform -chdir="$dir" validate');
  });

  test("plans every environment from its stack folder, after validation, with its tfvars from a repository variable", () => {
    const plan = workflow.jobs.plan;
    expect(plan.needs).toEqual(["synth", "policy", "validate"]);
    expect(plan.strategy.matrix.include).toBe("${{ fromJSON(needs.synth.outputs.plan) }}");
    expect(outputs.plan).toEqual(
      pipeline.map((stack) => ({ stack, tfvars: `TFVARS_${stack.toUpperCase().replace(/-/g, "_")}` })),
    );
    expect(plan.env).toEqual({ STACK: "${{ matrix.stack }}", TFVARS: "${{ vars[matrix.tfvars] }}" });
    const runs = steps("plan").filter((s) => !s.includes("@"));
    expect(runs).toEqual([
      `printf '%s\\n' "$TFVARS" > "$RUNNER_TEMP/$STACK.tfvars"`,
      "terraform -chdir=stacks/$STACK init -input=false",
      'terraform -chdir=stacks/$STACK plan -input=false -lock=false -var-file="$RUNNER_TEMP/$STACK.tfvars" -out=tfplan',
    ]);
    expect(steps("plan").indexOf("aws-actions/configure-aws-credentials@v4")).toBeLessThan(
      steps("plan").indexOf(runs[1]),
    );
  });

  test("judges the synth job's stack folders with npm run policy and uploads its SARIF, also when it fails", () => {
    const policy = workflow.jobs.policy;
    expect(policy.needs).toBe("synth");
    expect(policy.permissions).toEqual({ contents: "read", "security-events": "write" });
    expect(step("policy", "actions/download-artifact").with).toEqual({ name: "stacks", path: "cdktf.out/stacks" });
    const gate = "npm run policy -- cdktf.out --sarif policy.sarif";
    expect(steps("policy")).toEqual(expect.arrayContaining(["npm ci", gate]));
    const upload = step("policy", "github/codeql-action/upload-sarif");
    expect(upload.if).toMatch(/^always\(\)/);
    expect(upload.with.sarif_file).toBe("policy.sarif");
    expect(steps("policy").indexOf(gate)).toBeLessThan(steps("policy").indexOf("github/codeql-action/upload-sarif@v3"));
    expect(fs.readFileSync("docs/pipeline.md", "utf8")).toContain(gate);
  });

  test("uses Terraform 1.11 (S3 lock files) everywhere, and short-lived credentials only where it plans", () => {
    for (const job of ["validate", "hcl-export", "plan"]) {
      expect(step(job, "hashicorp/setup-terraform").with.terraform_version).toBe("~1.11");
    }
    expect(workflow.permissions).toEqual({ contents: "read" });
    expect(workflow.jobs.plan.permissions["id-token"]).toBe("write");
    for (const job of ["synth", "validate", "hcl-export"]) expect(workflow.jobs[job].permissions).toBeUndefined();
  });

  test("docs/pipeline.md gives the exact terraform commands the workflow runs", () => {
    const page = fs.readFileSync("docs/pipeline.md", "utf8");
    const commands = ["validate", "hcl-export", "plan"]
      .flatMap(steps)
      .flatMap((s) => s.split("\n"))
      .map((line) => line.trim())
      .filter((line) => line.startsWith("terraform ") || line.startsWith("printf "));
    expect(commands.length).toBeGreaterThanOrEqual(7);
    for (const command of commands)
      expect({ command, documented: page.includes(command) }).toMatchObject({ documented: true });
  });
});
