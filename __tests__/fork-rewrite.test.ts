import * as fs from "fs";
import { FORK_PINS, rewriteImports, rewritePackageJson } from "../scripts/fork-rewrite.cjs";

// The rewrite npm run check:fork applies to a copy of the project to move it to CDK Terrain:
// module names only, so the check proves the move needs nothing else.
describe("the move to CDK Terrain as a rewrite (scripts/fork-rewrite.cjs)", () => {
  test.each([
    ['import { App, TerraformStack } from "cdktf";', 'import { App, TerraformStack } from "cdktn";'],
    [
      'import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";',
      'import { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue";',
    ],
    [
      "import { DataArchiveFile } from '@cdktf/provider-archive/lib/data-archive-file';",
      "import { DataArchiveFile } from '@cdktn/provider-archive/lib/data-archive-file';",
    ],
    ['import { parse } from "@cdktf/hcl2json";', 'import { parse } from "@cdktn/hcl2json";'],
    ['import AWS from "@cdktf/provider-aws/package.json";', 'import AWS from "@cdktn/provider-aws/package.json";'],
    ['export { Testing } from "cdktf";', 'export { Testing } from "cdktn";'],
    ['const { App } = require("cdktf");', 'const { App } = require("cdktn");'],
    ['jest.mock("cdktf/lib/x");', 'jest.mock("cdktn/lib/x");'],
    ['await import("cdktf")', 'await import("cdktn")'],
  ])("renames the module in %s", (source, fork) => {
    expect(rewriteImports(source)).toBe(fork);
  });

  test.each([
    ['tags: { "managed-by": "cdktf" }'],
    ['path.join(root, "cdktf.out")'],
    ['fs.existsSync("cdktf.json")'],
    ["// cdktf 0.21's S3Backend has no typed prop for it"],
    ['import { x } from "./cdktf-helpers";'],
    ['const cli = require.resolve("cdktf-cli/bundle/bin/cdktf");'],
  ])("leaves everything that is not a CDKTF module name alone: %s", (source) => {
    expect(rewriteImports(source)).toBe(source);
  });

  test("swaps each CDKTF dependency for the fork's exact pin and keeps every other", () => {
    const pkg = rewritePackageJson({
      dependencies: { "@cdktf/provider-aws": "21.22.1", cdktf: "0.21.0", constructs: "10.7.2" },
      devDependencies: { "cdktf-cli": "0.21.0", "@cdktf/hcl2json": "0.21.0", jest: "29.7.0" },
    });
    expect(pkg.dependencies).toEqual({ "@cdktn/provider-aws": "25.7.0", cdktn: "0.24.0", constructs: "10.7.2" });
    expect(pkg.devDependencies).toEqual({ "@cdktn/hcl2json": "0.24.0", "cdktn-cli": "0.24.0", jest: "29.7.0" });
  });

  test("runs the fork's CLI where a script runs cdktf, and leaves cdktf.out and script names alone", () => {
    const pkg = rewritePackageJson({
      scripts: {
        synth: "rm -rf cdktf.out && CHECKPOINT_DISABLE=1 cdktf synth",
        deploy: "CHECKPOINT_DISABLE=1 cdktf deploy --outputs-file outputs.json",
        clean: "rm -rf cdktf.out",
      },
    });
    expect(pkg.scripts).toEqual({
      synth: "rm -rf cdktf.out && CHECKPOINT_DISABLE=1 cdktn synth",
      deploy: "CHECKPOINT_DISABLE=1 cdktn deploy --outputs-file outputs.json",
      clean: "rm -rf cdktf.out",
    });
  });

  test("refuses a CDKTF package it has no fork pin for", () => {
    expect(() => rewritePackageJson({ dependencies: { "@cdktf/provider-random": "12.0.0" } })).toThrow(
      "no CDK Terrain pin for @cdktf/provider-random: add it to FORK_PINS in scripts/fork-rewrite.cjs",
    );
  });

  test("leaves no CDKTF package in this project's package.json", () => {
    const fork = rewritePackageJson(JSON.parse(fs.readFileSync("package.json", "utf8")));
    const names = Object.keys({ ...fork.dependencies, ...fork.devDependencies });
    expect(names.filter((name) => /^(cdktf|@cdktf\/)/.test(name))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(Object.values(FORK_PINS).map(([name]) => name)));
  });
});
