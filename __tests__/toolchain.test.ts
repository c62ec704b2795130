import * as fs from "fs";
import { parse } from "yaml";

// Node.js 22 is the baseline: every place that names a Node version agrees.
const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
const read = (file: string) => fs.readFileSync(file, "utf8");
const version = (text: string) => text.split(".").map(Number);
const atLeast = (given: string, floor: string) => {
  const [a, b, c] = version(given);
  const [x, y, z] = version(floor);
  return a !== x ? a > x : b !== y ? b > y : c >= z;
};

describe("the Node.js toolchain", () => {
  test("package.json requires Node.js 22.19 or newer, and npm enforces it (engine-strict)", () => {
    expect(pkg.engines).toEqual({ node: ">=22.19.0" });
    expect(read(".npmrc").split("\n")).toContain("engine-strict=true");
  });

  test("the suite runs on a Node.js that package.json accepts", () => {
    expect(`node ${process.versions.node} >= 22.19.0: ${atLeast(process.versions.node, "22.19.0")}`).toBe(
      `node ${process.versions.node} >= 22.19.0: true`,
    );
  });

  test(".nvmrc and .ci/run name the same Node.js 22 release, one package.json accepts", () => {
    const nvmrc = read(".nvmrc").trim();
    expect(nvmrc).toMatch(/^22\.\d+\.\d+$/);
    expect(atLeast(nvmrc, "22.19.0")).toBe(true);
    expect(read(".ci/run")).toContain(`\nNODE_PIN=${nvmrc}\n`);
  });

  test("the README, docs/synth.md and .ci/run install Node.js 22 into the same folder", () => {
    const pin = /^NODE_PIN=(.+)$/m.exec(read(".ci/run"))![1];
    const home = /^\s*node_home="(.+)"$/m.exec(read(".ci/run"))![1].replace("$HOME", "~").replace("$NODE_PIN", pin);
    for (const doc of ["README.md", "docs/synth.md"]) {
      const [, prefix, version] = /npm install --prefix (\S+) node@(\S+)/.exec(read(doc))!;
      expect({ doc, prefix, version }).toEqual({ doc, prefix: home, version: pin });
    }
  });

  test("@types/node is pinned to a Node.js 22 release", () => {
    expect(pkg.devDependencies["@types/node"]).toMatch(/^22\.\d+\.\d+$/);
  });

  test("constructs is pinned to a version both cdktf 0.21 (^10.4.2) and CDK Terrain (>=10.6.0 <10.8.0) accept", () => {
    const constructs = pkg.dependencies.constructs;
    expect(constructs).toMatch(/^10\.[67]\.\d+$/);
  });
});

describe("the test workflow (.github/workflows/test.yml)", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let workflow: any;
  const runs = (job: string): string[] =>
    workflow.jobs[job].steps.map((step: { run?: string; uses?: string }) => step.run ?? step.uses);
  beforeAll(() => {
    workflow = parse(read(".github/workflows/test.yml"));
  });

  test("runs the checks, the suite and the synth on Node.js 22 and 24", () => {
    expect(workflow.jobs.test.strategy.matrix.node).toEqual([22, 24]);
    const setup = workflow.jobs.test.steps.find((step: { uses?: string }) =>
      step.uses?.startsWith("actions/setup-node"),
    );
    expect(setup.with["node-version"]).toBe("${{ matrix.node }}");
    expect(runs("test")).toEqual(
      expect.arrayContaining(["npm ci", "npm run typecheck", "npm run lint", "npm run synth"]),
    );
    expect(runs("test").some((run) => run.startsWith("npm test"))).toBe(true);
  });

  test("fails when the test output holds a NodeVersionSupportWarning", () => {
    expect(runs("test")).toContain("! grep NodeVersionSupportWarning test-output.txt");
  });

  test("runs the CDK Terrain fork check on the .nvmrc release", () => {
    const setup = workflow.jobs.fork.steps.find((step: { uses?: string }) =>
      step.uses?.startsWith("actions/setup-node"),
    );
    expect(setup.with["node-version-file"]).toBe(".nvmrc");
    expect(runs("fork")).toEqual(["actions/checkout@v4", "actions/setup-node@v4", "npm ci", "npm run check:fork"]);
  });
});
