import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { commandEnv } from "./support/commands";
import { appCommand, copyProject } from "./support/project-copy";
import { TfJson, processOrderArchive, resourcesOf } from "./support/tf";

const BUNDLE = path.join("dist", "functions", "process-order", "index.js");

interface Checkout {
  readonly dir: string;
  readonly umask: string;
}

/**
 * What the user runs (cdktf.json's app: the build, then the synth) in a checkout, under its umask.
 * The checkouts reach node_modules (a link to ours) through different relative paths: a bundle that
 * recorded a file path would differ.
 */
async function buildAndSynth({ dir, umask }: Checkout): Promise<void> {
  await promisify(execFile)("sh", ["-c", `umask ${umask} && ${appCommand(dir)}`], {
    cwd: dir,
    env: commandEnv({ CDKTF_OUTDIR: path.join(dir, "cdktf.out") }),
  });
}

const mode = (file: string): string => (fs.statSync(file).mode & 0o777).toString(8).padStart(4, "0");

describe("the function bundle and its asset do not depend on the build machine", () => {
  let base: string;
  let checkouts: Checkout[];
  /** Every stack the app synthesized, and one that ships the function. */
  let stacks: string[];
  let pipeline: string;
  const stackFile = (c: Checkout, stack: string) => path.join(c.dir, "cdktf.out", "stacks", stack, "cdk.tf.json");
  const stackOf = (c: Checkout, stack: string): TfJson => JSON.parse(fs.readFileSync(stackFile(c, stack), "utf8"));
  /** The asset folder (named by the bundle's hash) and the synthesized copy of the bundle in it. */
  const assetOf = (c: Checkout, stack: string): { folder: string; file: string } => {
    const folder = path.dirname(processOrderArchive(stackOf(c, stack)).source_file);
    return { folder, file: path.join(c.dir, "cdktf.out", "stacks", stack, folder, "index.js") };
  };

  beforeAll(async () => {
    // Two checkouts at different paths, built and synthesized under different umasks.
    base = fs.mkdtempSync(path.join(os.tmpdir(), "orders-repro-"));
    checkouts = [
      { dir: path.join(base, "a", "order-pipeline"), umask: "022" },
      { dir: path.join(base, "home", "ci-runner", "work", "checkout", "pipeline"), umask: "077" },
    ];
    for (const c of checkouts) {
      fs.mkdirSync(c.dir, { recursive: true });
      copyProject({ into: c.dir });
    }
    await Promise.all(checkouts.map(buildAndSynth));
    const out = path.join(checkouts[0].dir, "cdktf.out", "stacks");
    stacks = fs.readdirSync(out).sort();
    pipeline = stacks.find(
      (stack) => Object.keys(resourcesOf(stackOf(checkouts[0], stack), "archive_file", "data")).length > 0,
    )!;
  }, 180_000);

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  test("the umasks really differ: the built bundle's file mode follows them", () => {
    expect(checkouts.map((c) => mode(path.join(c.dir, BUNDLE)))).toEqual(["0644", "0600"]);
  });

  test("the bundle is byte-identical", () => {
    const [a, b] = checkouts.map((c) => fs.readFileSync(path.join(c.dir, BUNDLE)));
    expect(a.length).toBeGreaterThan(10_000);
    expect(a.equals(b)).toBe(true);
  });

  test("every synthesized stack is byte-identical, asset folder (the bundle's hash) included", () => {
    expect(stacks.length).toBeGreaterThan(1);
    for (const stack of stacks) {
      const [a, b] = checkouts.map((c) => fs.readFileSync(stackFile(c, stack), "utf8"));
      expect({ stack, same: a === b }).toEqual({ stack, same: true });
    }
    const [a, b] = checkouts.map((c) => assetOf(c, pipeline));
    expect(a.folder).toMatch(/^assets\/\w+\/[0-9A-F]{32}$/);
    expect(b.folder).toBe(a.folder);
    expect(fs.readFileSync(b.file).equals(fs.readFileSync(a.file))).toBe(true);
  });

  test("the zip's file mode is fixed, since the asset keeps each machine's mode", () => {
    expect(checkouts.map((c) => mode(assetOf(c, pipeline).file))).toEqual(["0644", "0600"]);
    for (const c of checkouts) {
      for (const archive of Object.values(resourcesOf(stackOf(c, pipeline), "archive_file", "data"))) {
        expect(archive).toMatchObject({ type: "zip", output_file_mode: "0644" });
      }
    }
  });
});
