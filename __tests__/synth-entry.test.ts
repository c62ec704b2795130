import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { synthApp } from "./support/tf";

describe("the synth entry point (dist/synth.js, what npm run synth and cdktf.json run)", () => {
  test("writes the same stacks, byte for byte, as the app's source", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-entry-"));
    execFileSync(process.execPath, ["dist/main.js"], { env: { ...process.env, CDKTF_OUTDIR: outdir }, stdio: "pipe" });
    const fromSource = synthApp();
    const names = fs.readdirSync(path.join(outdir, "stacks")).sort();
    expect(names).toEqual(Object.keys(fromSource.stacks).sort());
    for (const name of names) {
      const read = (dir: string) => fs.readFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), "utf8");
      expect(read(outdir)).toBe(read(fromSource.outdir));
    }
  });

  test("fails with a clear message when a setting is invalid", () => {
    const run = () =>
      execFileSync(process.execPath, ["dist/main.js"], {
        env: { ...process.env, ORDERS_REGION: "mars", CDKTF_OUTDIR: fs.mkdtempSync(path.join(os.tmpdir(), "o-")) },
        stdio: "pipe",
      });
    expect(run).toThrow('ORDERS_REGION must be an AWS region such as eu-west-1 (given "mars")');
  });
});
