import * as fs from "fs";
import * as path from "path";
import { inputsHash } from "../scripts/build-cache.cjs";
import { copyProject } from "./support/project-copy";

// The build's cache key (scripts/build-cache.cjs): it moves with the content of every file that can
// go into a bundle and with nothing else. (__tests__/synth-launcher.test.ts shows a build following it.)
describe("the build's inputs hash", () => {
  let dir: string;
  let unchanged: string;
  const at = (file: string) => path.join(dir, file);
  /** The hash with `file` changed, then with its content restored. */
  function hashChangedThenRestored(file: string, text: string): [string, string] {
    const original = fs.existsSync(at(file)) ? fs.readFileSync(at(file)) : undefined;
    fs.mkdirSync(path.dirname(at(file)), { recursive: true });
    fs.appendFileSync(at(file), text);
    const changed = inputsHash(dir);
    if (original === undefined) fs.rmSync(at(file));
    else fs.writeFileSync(at(file), original);
    return [changed, inputsHash(dir)];
  }

  beforeAll(() => {
    dir = copyProject();
    unchanged = inputsHash(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["the app's entry", "main.ts"],
    ["a construct", "constructs/index.ts"],
    ["the function", "functions/process-order/index.ts"],
    ["a local/ module", "local/pipeline.ts"],
    ["an ops/ command", "ops/publish.ts"],
    ["the lock file", "package-lock.json"],
    ["package.json", "package.json"],
    ["tsconfig.json", "tsconfig.json"],
    ["the build script", "scripts/build.mjs"],
    ["the cache key's own module", "scripts/build-cache.cjs"],
  ])("changes with the content of %s (%s), and comes back with it", (_what, file) => {
    expect(hashChangedThenRestored(file, "\n")).toEqual([expect.not.stringMatching(unchanged), unchanged]);
  });

  test.each([
    ["a new file in a source folder that did not exist yet", "common/shared.ts"],
    ["environments.json, when there is one", "environments.json"],
    ["a new function", "functions/another/index.ts"],
  ])("changes with %s (%s)", (_what, file) => {
    expect(hashChangedThenRestored(file, "export {};\n")).toEqual([expect.not.stringMatching(unchanged), unchanged]);
  });

  test("stays when a file is only touched (its modification time, not its content, changes)", () => {
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(at("constructs/index.ts"), later, later);
    expect(inputsHash(dir)).toBe(unchanged);
  });

  test.each([["README.md"], ["__tests__/stack.test.ts"], ["docs/synth.md"], ["cdktf.json"], ["scripts/bench.mjs"]])(
    "stays when a file no bundle reads changes (%s)",
    (file) => {
      expect(hashChangedThenRestored(file, "\n")[0]).toBe(unchanged);
    },
  );
});
