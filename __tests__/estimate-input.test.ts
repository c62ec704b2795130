import * as fs from "fs";
import * as path from "path";
import { displayPath } from "../config/project";
import { estimateMain } from "../estimate/estimate-command";
import { PriceTable } from "../estimate/prices";
import { ROOT, runBuilt } from "./support/commands";
import { recordingIo } from "./support/io";
import { TEST_PRICES, estimateFixtures, pricesWithout, runEstimate, synthFixture } from "./support/estimate";

const HELP = 'See "npm run estimate -- --help".\n';
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("npm run estimate --compare", () => {
  let base: string;
  let head: string;
  let fixtures: ReturnType<typeof estimateFixtures>;
  beforeAll(() => {
    fixtures = estimateFixtures();
    base = synthFixture("cmp", [{ name: "one", memorySizeMb: 256 }]);
    head = synthFixture("cmp", [{ name: "one", memorySizeMb: 512 }]);
  });
  const args = () => [
    "--out",
    head,
    "--compare",
    base,
    "--prices",
    fixtures.prices,
    "--records-per-batch",
    "1",
    "--batch-ms",
    "40",
    "--failure-share",
    "0",
    "--duplicate-share",
    "0",
  ];

  test("prices memory 256 -> 512 MB as the Lambda duration line's change alone", async () => {
    const result = JSON.parse((await runEstimate([...args(), "--json"], fixtures.measurement)).out);
    const [env] = result.compare.environments;
    const orders = (10_000 * 730) / 24;
    // Every consumer follows the memory variable (the template has one; an added subscriber as the guide adds it, too).
    const tf = JSON.parse(fs.readFileSync(path.join(head, "stacks", "cmp-one", "cdk.tf.json"), "utf8"));
    const consumers = Object.keys(tf.resource.aws_lambda_event_source_mapping).length;
    const delta = consumers * orders * 0.04 * ((512 - 256) / 1024) * (TEST_PRICES.lambdaGbSecondArm64.usd / 1);
    expect(env.stack).toBe("cmp-one");
    expect(env.status).toBe("changed");
    expect(env.lines.filter((l: { delta: number }) => l.delta !== 0).map((l: { id: string }) => l.id)).toEqual([
      "lambda.duration.arm64",
    ]);
    expect(env.delta).toBeCloseTo(delta, 8);
  });

  test("shows no line item whose change rounds to nothing", async () => {
    // Without a fixed duration, more memory also shortens each batch, which moves the empty receives a little.
    const unfixed = [
      ...args().filter((_, i, all) => all[i] !== "--batch-ms" && all[i - 1] !== "--batch-ms"),
      "--orders-per-day",
      "1000",
    ];
    const json = JSON.parse((await runEstimate([...unfixed, "--json"], fixtures.measurement)).out);
    const tiny = json.compare.environments[0].lines.filter(
      (l: { delta: number }) => l.delta !== 0 && Math.abs(l.delta) < 0.00005,
    );
    expect(tiny.length).toBeGreaterThan(0);
    const { out } = await runEstimate(unfixed, fixtures.measurement);
    for (const line of tiny) expect(out).not.toContain(`| ${line.label} |`);
  });

  test("posts the change alone, not each environment's whole tables", async () => {
    const { out } = await runEstimate(args(), fixtures.measurement);
    expect(out).not.toContain("## cmp-one (us-east-1): first month");
    expect(out).toContain("Each environment's whole tables: `npm run estimate` without `--compare`.");
  });

  test("marks an environment partial when the price table lacks a price it uses", async () => {
    const gaps = pricesWithout(fixtures, "snsPublishes");
    const withGaps = args().map((arg) => (arg === fixtures.prices ? gaps : arg));
    const { out } = await runEstimate(withGaps, fixtures.measurement);
    expect(out).toContain("| cmp-one (changed, partial: line items unpriced) |");
    expect(out).toContain("cmp-one's totals leave out what the price table has no price for: sns.publishes.");
  });

  test("prints the change as a Markdown table a pipeline can post", async () => {
    const { out, code } = await runEstimate(args(), fixtures.measurement);
    expect(code).toBe(0);
    expect(out).toContain("## Monthly cost change:");
    expect(out).toMatch(/\| Lambda duration \(arm64\) \| \$0\.\d{4} \| \$0\.\d{4} \| \+\$0\.\d{4} \|/);
  });
});

describe("npm run estimate with bad input", () => {
  let out: string;
  let fixtures: ReturnType<typeof estimateFixtures>;
  beforeAll(() => {
    fixtures = estimateFixtures();
    out = synthFixture("bad", [{ name: "one" }]);
  });
  const run = (args: string[]) => runEstimate(["--out", out, ...args], fixtures.measurement);

  test("names the regions the price table has when a stack's region is not among them", async () => {
    const elsewhere = synthFixture("gap", [{ name: "one", region: "ap-south-1" }]);
    const table = JSON.parse(fs.readFileSync(path.join(ROOT, "estimate", "prices.json"), "utf8")) as PriceTable;
    const result = await runEstimate(["--out", elsewhere], fixtures.measurement);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toBe(
      `region ap-south-1 (stack gap-one) must be one of the regions the price table estimate/prices.json has: ` +
        `${Object.keys(table.regions).sort().join(", ")}; add its prices there, each with its source and the date read\n${HELP}`,
    );
  });

  test.each([
    [["--orders-per-day", "-5"], '--orders-per-day must be an integer between 1 and 1000000000 (given "-5")'],
    [["--order-bytes", "1.5"], '--order-bytes must be an integer between 1 and 262144 (given "1.5")'],
    [["--failure-share", "2"], '--failure-share must be a number between 0 and 1 (given "2")'],
    [["--months", "0"], '--months must be an integer between 1 and 120 (given "0")'],
    [["--orders-per-second", "fast"], '--orders-per-second must be a number between 0.001 and 10000000 (given "fast")'],
    [["--stack", "nope"], `--stack must name a pipeline stack in ${""}OUT: one of bad-one (given "nope")`],
    [["--colour"], "unknown option --colour"],
  ])("refuses %j with one message naming the field, the allowed values and the value", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    const expected = message.replace("OUT", out);
    expect(result.err.startsWith(expected)).toBe(true);
    expect(result.err.endsWith(HELP)).toBe(true);
    expect(result.err.split("\n").length).toBeLessThanOrEqual(3);
  });

  test("quotes a long bad value cut, never whole", async () => {
    const result = await run(["--order-bytes", "9".repeat(500)]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `--order-bytes must be an integer between 1 and 262144 (given "${"9".repeat(199)}… (502 characters))\n${HELP}`,
    );
  });

  test("refuses more records a batch than a consumer's batch size, naming the smallest", async () => {
    const tf = JSON.parse(fs.readFileSync(path.join(out, "stacks", "bad-one", "cdk.tf.json"), "utf8")).resource;
    const consumers = Object.values(tf.aws_lambda_event_source_mapping as Record<string, Record<string, unknown>>).map(
      (m) => ({
        batch: m.batch_size as number,
        name: tf.aws_lambda_function[/aws_lambda_function\.([^.]+)\./.exec(String(m.function_name))![1]].function_name,
      }),
    );
    const smallest = consumers.reduce((low, c) => (c.batch < low.batch ? c : low));
    const result = await run(["--records-per-batch", "50"]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `--records-per-batch must be between 1 and the batch size of every consumer priced (${smallest.batch} for ` +
        `${smallest.name}) (given "50")\n${HELP}`,
    );
  });

  test("names the file when a synthesized stack is not JSON", async () => {
    const broken = synthFixture("broken", [{ name: "one" }]);
    const file = path.join(broken, "stacks", "broken-one", "cdk.tf.json");
    // Node's parser quotes the text around the fault, control characters and line breaks included.
    fs.writeFileSync(file, '{"resource": oops\n\u0001\u0000}');
    const result = await runEstimate(["--out", broken], fixtures.measurement);
    expect(result.code).toBe(1);
    expect(result.err.split("\n").filter(Boolean)).toHaveLength(1);
    expect(result.err).toMatch(
      new RegExp(`^${escapeRegExp(displayPath(file))} is not JSON \\(.+\\): run "npm run synth" again\n`),
    );
  });

  test("says to synthesize first, without a flag nobody typed, when cdktf.out holds no pipeline stack", async () => {
    const root = fs.mkdtempSync(path.join(fixtures.dir, "root-"));
    const io = recordingIo();
    const code = await estimateMain(["--prices", fixtures.prices], io, { root, measurementFile: fixtures.measurement });
    expect(code).toBe(2);
    expect(io.err()).toBe(
      `no synthesized pipeline stacks in ${displayPath(path.join(root, "cdktf.out"))} (stacks/*/cdk.tf.json with an SQS ` +
        `event source mapping): run "npm run synth" first, or name a synth folder with --out\n${HELP}`,
    );
  });

  test("says to synthesize first when the folder holds no pipeline stack", async () => {
    const empty = fs.mkdtempSync(path.join(fixtures.dir, "empty-"));
    const result = await runEstimate(["--out", empty], fixtures.measurement);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `--out must name a synth folder holding pipeline stacks (stacks/*/cdk.tf.json with an SQS event source mapping): ` +
        `run "npm run synth" first (given ${JSON.stringify(empty)})\n${HELP}`,
    );
  });
});

describe("npm run estimate as its own process", () => {
  test("answers --help with its usage and exit code 0", async () => {
    const result = await runBuilt("dist/estimate/estimate.js", ["--help"]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
    expect(result.stdout.split("\n")[0]).toBe("Usage: npm run estimate -- [options]");
  });

  test("prints a bad flag's message once, without a stack trace, and exits 2", async () => {
    const result = await runBuilt("dist/estimate/estimate.js", ["--pollers", "0"]);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 2,
      stdout: "",
      stderr: `--pollers must be an integer between 1 and 1250 (given "0")\n${HELP}`,
    });
  });
});
