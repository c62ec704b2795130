// The variable through which the jest global setup tells test workers its run folder: the folder
// holding `synth/` (the project's configuration synthesized once per run) and the copies of it
// that tests take. Unset when a runner skips the global setup (Stryker): tests then synthesize.
module.exports = { RUN_FOLDER_VARIABLE: "JEST_ORDER_PIPELINE_RUN_FOLDER" };
