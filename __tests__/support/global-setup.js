// Builds dist/functions/* and the app (dist/) once for the whole run (esbuild: well under a second).
const { execFileSync } = require("child_process");
const path = require("path");

module.exports = async function globalSetup() {
  execFileSync(process.execPath, [path.join(__dirname, "..", "..", "scripts", "build.mjs")], { stdio: "inherit" });
};
