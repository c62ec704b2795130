// Synthesizes N order pipeline stacks (argv[2]) into argv[3]: how synth grows with environments.
const path = require("path");
const { App } = require("cdktf");

const root = path.join(__dirname, "..");
const { OrderPipelineStack } = require(path.join(root, "dist/constructs/order-pipeline-stack.js"));
const { DEFAULT_SETTINGS } = require(path.join(root, "dist/main.js"));

const count = Number(process.argv[2]);
const app = new App({ outdir: process.argv[3] });
for (let i = 1; i <= count; i++) {
  new OrderPipelineStack(app, `orders-e${i}`, {
    environment: `e${i}`,
    prefix: `orders-e${i}`,
    region: DEFAULT_SETTINGS.region,
    backend: {
      bucket: DEFAULT_SETTINGS.stateBucket,
      region: DEFAULT_SETTINGS.stateRegion,
      keyPrefix: "bench",
      kmsKeyId: "alias/orders-state",
    },
    functionBundlePath: DEFAULT_SETTINGS.functionBundlePath,
    deletionProtection: false,
  });
}
app.synth();
