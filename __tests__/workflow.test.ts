import * as fs from "fs";
import { parse } from "yaml";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Workflow = Record<string, any>;

describe("the pull-request pipeline example (.github/workflows/plan.yml)", () => {
  let workflow: Workflow;
  let steps: (job: string) => string[];
  beforeAll(() => {
    workflow = parse(fs.readFileSync(".github/workflows/plan.yml", "utf8"));
    steps = (job) => workflow.jobs[job].steps.map((s: Workflow) => s.run ?? s.uses);
  });

  test("runs on pull requests", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  });

  test("installs from the lock file, checks, runs the README's test command and synthesizes", () => {
    expect(steps("synth")).toEqual(
      expect.arrayContaining(["npm ci", "npm run typecheck", "npm run lint", "npm test", "npm run synth"]),
    );
    const order = ["npm ci", "npm test", "npm run synth"].map((s) => steps("synth").indexOf(s));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test("uploads the synthesized stack folders", () => {
    const upload = workflow.jobs.synth.steps.find((s: Workflow) =>
      String(s.uses).startsWith("actions/upload-artifact"),
    );
    expect(upload.with.path).toBe("cdktf.out/stacks/");
  });

  test("runs terraform init and plan in each environment's stack folder, after synth", () => {
    expect(workflow.jobs.plan.needs).toBe("synth");
    expect(workflow.jobs.plan.strategy.matrix.stack).toEqual(["orders-dev", "orders-prod"]);
    expect(steps("plan")).toEqual(
      expect.arrayContaining([
        "terraform -chdir=stacks/${{ matrix.stack }} init -input=false",
        "terraform -chdir=stacks/${{ matrix.stack }} plan -input=false -lock=false -out=tfplan",
      ]),
    );
  });

  test("uses a Terraform with S3 lock files and short-lived credentials", () => {
    const setup = workflow.jobs.plan.steps.find((s: Workflow) =>
      String(s.uses).startsWith("hashicorp/setup-terraform"),
    );
    expect(setup.with.terraform_version).toBe("~1.11");
    expect(workflow.permissions["id-token"]).toBe("write");
  });
});
