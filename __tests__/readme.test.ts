import * as fs from "fs";
import * as path from "path";
import { TfJson, pipelineStacks, synthApp } from "./support/tf";

// The README is the newcomer's five minutes: short, with a table of contents and the command index
// near the top, and true of the code where a test can tell.
const README = fs.readFileSync("README.md", "utf8");
const LINES = README.split("\n");

/** The `## ` sections of a markdown text, in order. */
const headings = (text: string): string[] => [...text.matchAll(/^## (.+)$/gm)].map(([, heading]) => heading);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");

/** The body lines of the markdown table under `heading`, split into trimmed cells. */
function tableUnder(heading: string): string[][] {
  const start = LINES.indexOf(`## ${heading}`);
  if (start === -1) throw new Error(`no section "## ${heading}" in README.md`);
  const first = LINES.findIndex((line, i) => i > start && line.startsWith("|"));
  const rows: string[][] = [];
  for (let i = first + 2; LINES[i]?.startsWith("|"); i++) {
    rows.push(
      LINES[i]
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The lines outside fenced code blocks and tables: the README's prose. */
function proseLines(): string[] {
  let inCode = false;
  return LINES.filter((line) => {
    if (line.startsWith("```")) inCode = !inCode;
    return !inCode && !line.startsWith("```") && !line.startsWith("|");
  });
}

describe("README.md", () => {
  test("is under 15,000 characters", () => {
    expect(README.length).toBeLessThan(15_000);
  });

  test("opens with a table of contents that links every section, in order", () => {
    const sections = headings(README);
    const contents = sections.indexOf("Contents");
    expect(contents).toBe(0);
    const links = [...README.matchAll(/^- \[(.+)\]\(#([^)]+)\)$/gm)].map(([, text, target]) => [text, target]);
    expect(links).toEqual(sections.slice(1).map((heading) => [heading, anchor(heading)]));
  });

  test("puts the command index right after the quickstart", () => {
    expect(headings(README).slice(0, 3)).toEqual(["Contents", "Quickstart", "Commands"]);
  });

  test("lists every npm script in the command index, one line each, and no other", () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync("package.json", "utf8")).scripts).sort();
    const listed = tableUnder("Commands").map(([command]) => {
      const match = /^`npm (?:run )?([\w:-]+)(?: -- .*)?`$/.exec(command);
      if (!match) throw new Error(`not one npm command: ${command}`);
      return match[1];
    });
    expect(listed.sort()).toEqual(scripts);
  });

  test("gives a quickstart of two commands, the second the test command CI runs", () => {
    const start = LINES.indexOf("## Quickstart");
    const end = LINES.indexOf("## Commands");
    const blocks = LINES.slice(start, end)
      .join("\n")
      .split("```sh\n")
      .slice(1)
      .map((block) => block.split("\n```")[0]);
    const quickstart = blocks.find((block) => block.includes("npm ci"))!;
    const commands = quickstart.split("\n").map((line) => line.replace(/\s+#.*$/, ""));
    expect(commands).toEqual(["npm ci && npm run synth", "npm test"]);
    expect(fs.readFileSync(".ci/run", "utf8")).toMatch(/^run npm test\b/m);
  });

  test("says in one paragraph that CDKTF is archived upstream and how each proven exit is checked", () => {
    const paragraphs = README.split("\n\n").filter((p) => /archived upstream/.test(p));
    expect(paragraphs).toHaveLength(1);
    for (const part of ["CDK Terrain", "npm run check:fork", "plain Terraform", "npm run synth:hcl"]) {
      expect({ part, said: paragraphs[0].includes(part) }).toEqual({ part, said: true });
    }
  });

  test("tells whoever types npx cdktf to export CHECKPOINT_DISABLE=1, which every script running cdktf sets", () => {
    expect(README).toContain("`export CHECKPOINT_DISABLE=1`");
    const scripts: Record<string, string> = JSON.parse(fs.readFileSync("package.json", "utf8")).scripts;
    // cdktf, or cdktn in check:fork's copy on CDK Terrain.
    const cdktf = Object.entries(scripts).filter(([, script]) => /(^|[\s;&|])cdkt[fn] /.test(script));
    expect(cdktf.length).toBeGreaterThanOrEqual(3);
    expect(cdktf.filter(([, script]) => !/CHECKPOINT_DISABLE=1 cdkt[fn] /.test(script))).toEqual([]);
  });

  test("wraps its prose at 120 characters", () => {
    expect(proseLines().filter((line) => line.length > 120)).toEqual([]);
  });

  test("links only files and sections that exist", () => {
    const broken: string[] = [];
    for (const [, target] of README.matchAll(/\]\(([^)#][^)]*)\)/g)) {
      const [file, section] = target.split("#");
      if (/^[a-z]+:/.test(file)) continue;
      if (!fs.existsSync(file)) broken.push(target);
      else if (section && !headings(fs.readFileSync(file, "utf8")).map(anchor).includes(section)) broken.push(target);
    }
    expect(broken).toEqual([]);
  });

  test("lists every page of docs/ in its documentation table", () => {
    const pages = fs
      .readdirSync("docs")
      .filter((file) => file.endsWith(".md"))
      .map((file) => `docs/${file}`);
    const listed = tableUnder("Documentation").map(([page]) => /\]\(([^)]+)\)/.exec(page)?.[1]);
    expect(listed).toEqual(expect.arrayContaining(pages));
  });

  describe("the Terraform variables table", () => {
    let stacks: Record<string, TfJson>;
    let rows: string[][];
    beforeAll(() => {
      stacks = pipelineStacks(synthApp().stacks);
      rows = tableUnder("Configuration");
    });

    test("names every variable the stacks declare, and no other", () => {
      const declared = [...new Set(Object.values(stacks).flatMap((tf) => Object.keys(tf.variable)))].sort();
      expect(rows.map(([name]) => name.replace(/`/g, "")).sort()).toEqual(declared);
    });

    // The README documents the template's environments; an adopter's added one (staging) is not in it, and
    // must not fail this test: only the environments the table names are compared.
    test("gives each variable's default for every environment it documents as the stacks synthesize it", () => {
      const documented = new Set(
        rows.flatMap(([, defaults]) => [...defaults.matchAll(/\((\w[\w-]*)\)/g)].map((m) => m[1])),
      );
      const environmentOf = (stack: string): string => stack.replace(/^orders-/, "");
      const compared = Object.entries(stacks).filter(([stack]) => documented.has(environmentOf(stack)));
      expect(compared.length).toBeGreaterThan(0);
      for (const [name, defaults] of rows) {
        const variable = name.replace(/`/g, "");
        const perStack = compared.map(([stack, tf]) => [
          environmentOf(stack),
          JSON.stringify(tf.variable[variable].default),
        ]);
        const distinct = new Set(perStack.map(([, value]) => value));
        const expected =
          distinct.size === 1
            ? `\`${[...distinct][0]}\``
            : perStack.map(([environment, value]) => `${value} (${environment})`).join(", ");
        expect({ variable, defaults: defaults.replace(/^`(\d+)`$/, "$1") }).toEqual({
          variable,
          defaults: expected.replace(/^`(\d+)`$/, "$1"),
        });
      }
    });
  });
});

describe("docs/", () => {
  test.each(fs.readdirSync("docs").filter((file) => file.endsWith(".md")))(
    "%s links only files and sections that exist",
    (page) => {
      const text = fs.readFileSync(path.join("docs", page), "utf8");
      const broken: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)]+)\)/g)) {
        const [file, section] = target.split("#");
        if (/^[a-z]+:/.test(file)) continue;
        const resolved = file === "" ? path.join("docs", page) : path.join("docs", file);
        if (!fs.existsSync(resolved)) broken.push(target);
        else if (
          section &&
          !headings(fs.readFileSync(resolved, "utf8").replace(/^#+ /gm, "## ")).map(anchor).includes(section)
        ) {
          broken.push(target);
        }
      }
      expect(broken).toEqual([]);
    },
  );
});
