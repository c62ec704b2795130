import * as fs from "fs";
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
});
