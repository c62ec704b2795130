import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../cli/cli";
import { chosenManifest } from "../local/stack-option";
import { STACK_MANIFEST_FILE } from "../local/stack-manifest";

// Without --out, npm run local and npm run sandbox synthesize first, running cdktf.json's app as
// `cdktf synth` does. Here the project is a fixture of this test: a cdktf.json whose app writes one
// stack manifest, or fails the way the real app does.

let project: string;
beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "orders-stack-option-"));
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

/** A project whose cdktf.json app is `node app.js`, app.js being `code`. */
function projectWithApp(code: string): void {
  fs.writeFileSync(path.join(project, "cdktf.json"), JSON.stringify({ app: "node app.js" }));
  fs.writeFileSync(path.join(project, "app.js"), code);
}

const MANIFEST = {
  version: 2,
  stack: "fx-dev",
  region: "eu-west-1",
  topics: [{ name: "fx-dev-OrderTopic" }],
  queues: [],
  subscriptions: [],
  tables: [],
  functions: [],
};

test("synthesizes into the project's cdktf.out with CDKTF_OUTDIR set, then reads the stack named", () => {
  projectWithApp(`
    const fs = require("fs"), path = require("path");
    const dir = path.join(process.env.CDKTF_OUTDIR, "stacks", "fx-dev");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, ${JSON.stringify(STACK_MANIFEST_FILE)}), ${JSON.stringify(JSON.stringify(MANIFEST))});
  `);
  const { manifest, file } = chosenManifest({ stack: "fx-dev" }, project);
  expect([manifest.region, file]).toEqual([
    "eu-west-1",
    path.join(project, "cdktf.out", "stacks", "fx-dev", STACK_MANIFEST_FILE),
  ]);
});

test("reports the app's bad-input message (exit 2) as bad input", () => {
  projectWithApp(
    'process.stderr.write("Invalid configuration:\\n  - ORDERS_REGION must be an AWS region\\n"); process.exit(2);',
  );
  expect(() => chosenManifest({}, project)).toThrow(
    new UsageError("Invalid configuration:\n  - ORDERS_REGION must be an AWS region"),
  );
});

test("reports any other failure of the app with the app, its exit code and its output", () => {
  projectWithApp('process.stderr.write("the build failed\\n"); process.exit(1);');
  expect(() => chosenManifest({}, project)).toThrow(
    new Error('synth (cdktf.json\'s app, "node app.js") failed (1):\nthe build failed'),
  );
});
