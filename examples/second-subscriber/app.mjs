#!/usr/bin/env node
// This example's cdktf.json app (what `npx cdktf synth` runs here), built the way the root app is:
// esbuild bundles main.ts (the project's constructs inside, npm packages left in node_modules) and
// the order function (the AWS SDK inside, as Lambda needs), then main.ts's program runs. No cache.
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const node = {
  absWorkingDir: dirname(fileURLToPath(import.meta.url)),
  logLevel: "warning",
  platform: "node",
  target: "node22",
  format: "cjs",
  bundle: true,
};

await Promise.all([
  esbuild.build({ ...node, entryPoints: ["main.ts"], outfile: "dist/main.js", packages: "external" }),
  esbuild.build({
    ...node,
    entryPoints: ["../../functions/process-order/index.ts"],
    outfile: "dist/process-order/index.js",
    minify: true,
    mainFields: ["module", "main"],
    supported: { "dynamic-import": false },
    legalComments: "none",
  }),
]);
createRequire(import.meta.url)("./dist/main.js");
