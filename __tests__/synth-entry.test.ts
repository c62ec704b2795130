import * as fs from "fs";
import * as path from "path";
import { synthApp } from "./support/tf";
import { appCommand, copyProject, runIn } from "./support/project-copy";

// cdktf.json's app, what `cdktf synth|diff|deploy` run: a plain command that builds what it needs
// and synthesizes, keeping nothing of its own between runs. Run in a scratch copy of the project.
const SLOW = 180_000;

/** Every file under `dir` (node_modules left out), relative to it. */
function filesUnder(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.name === "node_modules") return [];
    return entry.isDirectory() ? filesUnder(full, base) : [path.relative(base, full)];
  });
}

describe("cdktf.json's app", () => {
  let project: string;
  let before: string[];
  let first: ReturnType<typeof runIn>;
  const stackFile = (stack: string) => path.join(project, "cdktf.out", "stacks", stack, "cdk.tf.json");
  const assetFolder = (stack: string): string => {
    const [archive] = Object.values(JSON.parse(fs.readFileSync(stackFile(stack), "utf8")).data.archive_file) as {
      source_file: string;
    }[];
    return path.dirname(archive.source_file);
  };

  beforeAll(() => {
    project = copyProject();
    before = filesUnder(project);
    first = runIn(project, appCommand(project));
  }, SLOW);

  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  test("is a plain command: it builds and synthesizes in a fresh checkout, printing nothing", () => {
    expect([first.status, first.stdout, first.stderr]).toEqual([0, "", ""]);
  });

  test("writes only its build (dist/) and the stacks (cdktf.out/): no record or cache of its own", () => {
    const added = filesUnder(project).filter((file) => !before.includes(file));
    expect(added.filter((file) => !/^(dist|cdktf\.out)\//.test(file))).toEqual([]);
  });

  test("writes the same stacks, byte for byte, as the app synthesized in-process from the sources", () => {
    const fromSource = synthApp();
    const names = fs.readdirSync(path.join(project, "cdktf.out", "stacks")).sort();
    expect(names).toEqual(Object.keys(fromSource.stacks).sort());
    for (const name of names) {
      const read = (outdir: string) => fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8");
      expect({ name, same: read(path.join(project, "cdktf.out")) === read(fromSource.outdir) }).toEqual({
        name,
        same: true,
      });
    }
  });

  test(
    "ships a changed function on the next run, with nothing to clear first",
    () => {
      const pipeline = fs
        .readdirSync(path.join(project, "cdktf.out", "stacks"))
        .find((stack) => JSON.parse(fs.readFileSync(stackFile(stack), "utf8")).data?.archive_file);
      expect(pipeline).toBeDefined();
      const oldAsset = assetFolder(pipeline!);
      const [functionName] = fs.readdirSync(path.join(project, "functions"));
      fs.appendFileSync(
        path.join(project, "functions", functionName, "index.ts"),
        'export const SYNTH_ENTRY_MARK = "changed-after-the-first-synth";\n',
      );
      const second = runIn(project, appCommand(project));
      expect([second.status, second.stderr]).toEqual([0, ""]);
      const newAsset = assetFolder(pipeline!);
      expect(newAsset).not.toBe(oldAsset);
      const shipped = path.join(project, "cdktf.out", "stacks", pipeline!, newAsset, "index.js");
      expect(fs.readFileSync(shipped, "utf8")).toContain("changed-after-the-first-synth");
    },
    SLOW,
  );
});
