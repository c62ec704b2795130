#!/usr/bin/env node
// Removes the synth output folder before a synth, so a JSON synth never leaves a stale
// cdk.tf (or an HCL synth a stale cdk.tf.json) for Terraform to load twice.
import { rmSync } from "node:fs";

rmSync(process.argv[2] ?? "cdktf.out", { recursive: true, force: true });
