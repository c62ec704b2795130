import * as fs from "fs";
import * as path from "path";
import { parseHcl } from "./support/hcl";
import { TfJson, pipelineStacks, synthApp } from "./support/tf";

describe("terraform.tfvars.example", () => {
  let example: TfJson;
  let stacks: Record<string, TfJson>;
  beforeAll(async () => {
    example = await parseHcl("terraform.tfvars", fs.readFileSync("terraform.tfvars.example", "utf8"));
    stacks = pipelineStacks(synthApp().stacks);
  });

  test("lists every variable of every stack, and nothing else", () => {
    for (const tf of Object.values(stacks)) {
      expect(Object.keys(example).sort()).toEqual(Object.keys(tf.variable).sort());
    }
  });

  test("gives each variable a value of its declared type", () => {
    for (const tf of Object.values(stacks)) {
      for (const [name, variable] of Object.entries(tf.variable as Record<string, TfJson>)) {
        const type = Array.isArray(example[name]) ? `list(${typeof example[name][0]})` : typeof example[name];
        expect({ name, type }).toEqual({ name, type: variable.type });
      }
    }
  });

  test("comments every variable", () => {
    const text = fs.readFileSync("terraform.tfvars.example", "utf8");
    for (const name of Object.keys(example)) {
      expect(text).toMatch(new RegExp(`#[^\\n]*\\n(#[^\\n]*\\n)*${name} =`));
    }
  });

  test("states each variable's allowed values in the words of its validation block", () => {
    const text = fs.readFileSync("terraform.tfvars.example", "utf8");
    for (const tf of Object.values(stacks)) {
      for (const [name, variable] of Object.entries(tf.variable as Record<string, TfJson>)) {
        const allowed = new RegExp(`^${name} must be (.+) \\(given `).exec(variable.validation[0].error_message)![1];
        const comment = new RegExp(`((?:#[^\\n]*\\n)+)${name} =`).exec(text)![1];
        expect({ name, comment: comment.replace(/\n?# ?/g, " ") }).toEqual({
          name,
          comment: expect.stringContaining(allowed),
        });
      }
    }
  });
});

describe("terraform.tfvars.example's own instructions", () => {
  const header = fs
    .readFileSync("terraform.tfvars.example", "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#"))
    .join("\n");

  test("send the copy to the project root, where git ignores it, and the -var-file command there", () => {
    expect(header).toContain("Copy this file to terraform.tfvars at the project root");
    expect(fs.readFileSync(".gitignore", "utf8").split("\n")).toContain("terraform.tfvars");
    const [, stackDir, varFile] = /terraform -chdir=(\S+) plan -var-file=(\S+)/.exec(header)!;
    expect(path.resolve(stackDir, varFile)).toBe(path.resolve("terraform.tfvars"));
    expect(path.resolve(stackDir)).toBe(path.resolve("cdktf.out", "stacks", "orders-dev"));
  });

  test("give the same local plan command as docs/pipeline.md", () => {
    const command = /terraform -chdir=\S+ plan -var-file=\S+/.exec(header)![0];
    expect(fs.readFileSync("docs/pipeline.md", "utf8")).toContain(command);
  });

  test("name repository variables the pull-request workflow reads: TFVARS_<STACK> of a pipeline stack", () => {
    // The workflow's synth job names each pipeline stack's variable so (__tests__/workflow.test.ts runs it).
    const read = Object.keys(pipelineStacks(synthApp().stacks)).map(
      (s) => `TFVARS_${s.toUpperCase().replace(/-/g, "_")}`,
    );
    expect(header.match(/TFVARS_\w+/g)!.filter((variable) => !read.includes(variable))).toEqual([]);
  });
});
