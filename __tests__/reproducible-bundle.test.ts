import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { TfJson, onlyResource } from "./support/tf";

const ROOT = path.join(__dirname, "..");
const BUNDLE = path.join("dist", "functions", "process-order", "index.js");
/** What a build and a synth read: the project's own files, and node_modules. */
const PROJECT_FILES = [
  "cdktf.json",
  "environments.json",
  "main.ts",
  "package.json",
  "tsconfig.json",
  "common",
  "constructs",
  "functions",
  "scripts",
];

interface Checkout {
  readonly dir: string;
  readonly umask: string;
}

/**
 * A copy of the project at `dir`. Its node_modules is a link to this one, reached from the two
 * checkouts through different relative paths: a bundle that recorded a file path would differ.
 */
function checkout(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of PROJECT_FILES) fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

/** `npm run synth` in a checkout, under its umask: build the bundle and the app, then synthesize. */
async function buildAndSynth({ dir, umask }: Checkout): Promise<void> {
  const node = JSON.stringify(process.execPath);
  const script = `umask ${umask} && ${node} scripts/build.mjs functions synth && ${node} dist/synth.js`;
  await promisify(execFile)("sh", ["-c", script], {
    cwd: dir,
    env: { ...process.env, CDKTF_OUTDIR: path.join(dir, "cdktf.out") },
  });
}

const mode = (file: string): string => (fs.statSync(file).mode & 0o777).toString(8).padStart(4, "0");

describe("the function bundle and its asset do not depend on the build machine", () => {
  let base: string;
  let checkouts: Checkout[];
  const stackFile = (c: Checkout, stack: string) => path.join(c.dir, "cdktf.out", "stacks", stack, "cdk.tf.json");
  const stackOf = (c: Checkout, stack: string): TfJson => JSON.parse(fs.readFileSync(stackFile(c, stack), "utf8"));
  /** The asset folder (named by the bundle's hash) and the synthesized copy of the bundle in it. */
  const assetOf = (c: Checkout, stack: string): { folder: string; file: string } => {
    const folder = path.dirname(onlyResource(stackOf(c, stack), "archive_file", "data").source_file);
    return { folder, file: path.join(c.dir, "cdktf.out", "stacks", stack, folder, "index.js") };
  };

  beforeAll(async () => {
    // Two checkouts at different paths, built and synthesized under different umasks.
    base = fs.mkdtempSync(path.join(os.tmpdir(), "orders-repro-"));
    checkouts = [
      { dir: path.join(base, "a", "order-pipeline"), umask: "022" },
      { dir: path.join(base, "home", "ci-runner", "work", "checkout", "pipeline"), umask: "077" },
    ];
    for (const c of checkouts) checkout(c.dir);
    await Promise.all(checkouts.map(buildAndSynth));
  }, 120_000);

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
    for (const stack of ["orders-dev", "orders-prod", "orders-state-bootstrap"]) {
      const [a, b] = checkouts.map((c) => fs.readFileSync(stackFile(c, stack), "utf8"));
      expect({ stack, same: a === b }).toEqual({ stack, same: true });
    }
    const [a, b] = checkouts.map((c) => assetOf(c, "orders-dev"));
    expect(a.folder).toMatch(/^assets\/ProcessOrderLambda_Bundle_[0-9A-F]{8}\/[0-9A-F]{32}$/);
    expect(b.folder).toBe(a.folder);
    expect(fs.readFileSync(b.file).equals(fs.readFileSync(a.file))).toBe(true);
  });

  test("the zip's file mode is fixed, since the asset keeps each machine's mode", () => {
    expect(checkouts.map((c) => mode(assetOf(c, "orders-dev").file))).toEqual(["0644", "0600"]);
    for (const c of checkouts) {
      expect(onlyResource(stackOf(c, "orders-dev"), "archive_file", "data")).toMatchObject({
        type: "zip",
        output_file_mode: "0644",
      });
    }
  });
});
