// Once for the whole run, before any test file: builds dist/ (the function bundle the stacks ship,
// the commands, the app; esbuild, well under a second) and synthesizes the project's configuration
// with the built app, as `cdktf synth` runs it. Test files read that synth (support/tf.ts synthApp)
// instead of each synthesizing the same stacks again. global-teardown.js removes the folder.
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { RUN_FOLDER_VARIABLE } = require("./run-folder");

const ROOT = path.join(__dirname, "..", "..");

module.exports = async function globalSetup() {
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "build.mjs")], { stdio: "inherit" });
  const runFolder = fs.mkdtempSync(path.join(os.tmpdir(), "orders-jest-"));
  // synthApp() synthesizes with every ORDERS_* variable unset: so does the shared synth.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(ORDERS_|CDKTF_)/.test(name)));
  try {
    execFileSync(process.execPath, [path.join(ROOT, "dist", "main.js")], {
      cwd: ROOT,
      env: { ...env, CDKTF_OUTDIR: path.join(runFolder, "synth") },
      stdio: ["ignore", "ignore", "inherit"],
    });
  } catch {
    fs.rmSync(runFolder, { recursive: true, force: true });
    // The app printed why (above); a stack trace of this file would only hide it.
    const error = new Error(
      "the project's configuration does not synthesize (the message above; `npm run synth` shows the same): " +
        "the tests read that synth, so none ran",
    );
    error.stack = error.message;
    throw error;
  }
  // Test workers start after this and inherit the variable.
  process.env[RUN_FOLDER_VARIABLE] = runFolder;
};
