import { ENVIRONMENTS_FILE, projectConfiguration, projectEnvironmentEntries } from "./support/configuration";
import {
  SynthesizedConfiguration,
  describeAppChecks,
  describePipelineStackChecks,
} from "./support/pipeline-stack-checks";
import { BUNDLE_PATH, synthApp } from "./support/tf";

// The stack suite (support/pipeline-stack-checks.ts) over the project's own configuration: every
// environment environments.json lists, whatever they are. third-environment.test.ts runs the same
// checks over an adopter's configuration.
const configuration = projectConfiguration();
let synthesized: SynthesizedConfiguration | undefined;
const load = (): SynthesizedConfiguration => (synthesized ??= { app: synthApp(), configuration });
// Synthesized before every describe block, so `npm run mutate` counts the synth as serving every test of the file.
beforeAll(load);

describe("the synthesized app", () => {
  describeAppChecks(load, BUNDLE_PATH);
});

describe.each(configuration.environments.map((e) => [e.name]))("the %s environment's stack", (name) => {
  describePipelineStackChecks(name, load);
});

describe("the committed environments.json (checks of the file as shipped: change them with its dev and prod entries)", () => {
  test("keeps dev unprotected with 256 MB and 14-day logs, and prod protected with 512 MB and 90-day logs", () => {
    const entry = (name: string) => projectEnvironmentEntries().find((e) => e.name === name);
    expect({ file: ENVIRONMENTS_FILE, dev: entry("dev"), prod: entry("prod") }).toEqual({
      file: ENVIRONMENTS_FILE,
      dev: expect.objectContaining({ deletionProtection: false, memorySizeMb: 256, logRetentionDays: 14 }),
      prod: expect.objectContaining({ deletionProtection: true, memorySizeMb: 512, logRetentionDays: 90 }),
    });
  });
});
