// Removes the run folder global-setup.js made (the shared synth and the copies tests took of it).
const fs = require("fs");
const { RUN_FOLDER_VARIABLE } = require("./run-folder");

module.exports = async function globalTeardown() {
  const runFolder = process.env[RUN_FOLDER_VARIABLE];
  if (runFolder) fs.rmSync(runFolder, { recursive: true, force: true });
};
