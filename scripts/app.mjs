#!/usr/bin/env node
// cdktf.json's app (what `cdktf synth|diff|deploy` run): builds the function bundles and main.ts
// with esbuild, then runs main.ts's program in this process. Nothing is kept between runs. A file
// rather than `node scripts/build.mjs && node dist/main.js` only to spare a second Node.js start-up.
import { createRequire } from "node:module";
import { buildFunctions, buildProgram } from "./build.mjs";

await Promise.all([buildFunctions(), buildProgram()]);
createRequire(import.meta.url)("../dist/main.js");
