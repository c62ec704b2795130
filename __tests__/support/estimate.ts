import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { estimateMain } from "../../estimate/estimate-command";
import { PRICE_KEYS } from "../../estimate/prices";
import { ROOT } from "./commands";
import { recordingIo } from "./io";
import { synthApp } from "./tf";

/** A measurement the tests own: round CPU figures and log line sizes. */
export const TEST_MEASUREMENT = {
  measuredAt: "test",
  machine: { cpus: 2, model: "test", loadAverageBefore: 0, loadAverageAfter: 0, node: "test" },
  note: "the tests' own figures",
  cpuModel: { cpuMsPerBatch: 1, cpuMsPerRecord: 2 },
  logLineBytes: { stored: 274, rejected: 474, metricsDocument: 374 },
  batches: [],
  rates: [],
  backlogGrowsFromPerSecond: null,
};

/** Every us-east-1 price of the tests' own table: USD per `per` units. */
export const TEST_PRICES: Record<string, { usd: number; per: number }> = {
  lambdaRequests: { usd: 0.2, per: 1e6 },
  lambdaGbSecondArm64: { usd: 0.0000133334, per: 1 },
  lambdaGbSecondX86: { usd: 0.0000166667, per: 1 },
  sqsRequests: { usd: 0.4, per: 1e6 },
  snsPublishes: { usd: 0.5, per: 1e6 },
  dynamodbWriteRequestUnits: { usd: 0.625, per: 1e6 },
  dynamodbReadRequestUnits: { usd: 0.125, per: 1e6 },
  dynamodbStorageGbMonth: { usd: 0.25, per: 1 },
  dynamodbPitrGbMonth: { usd: 0.2, per: 1 },
  kmsKeyMonth: { usd: 1, per: 1 },
  kmsRequests: { usd: 0.03, per: 1e4 },
  logsIngestionGb: { usd: 0.5, per: 1 },
  logsStorageGbMonth: { usd: 0.03, per: 1 },
  alarmMetricMonth: { usd: 0.1, per: 1 },
  dashboardMonth: { usd: 3, per: 1 },
  customMetricMonth: { usd: 0.3, per: 1 },
};

/** A folder of the tests' own: the measurement and a price table with every price set, for us-east-1 only. */
export function estimateFixtures(): { dir: string; measurement: string; prices: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-estimate-"));
  const measurement = path.join(dir, "measured.json");
  fs.writeFileSync(measurement, JSON.stringify(TEST_MEASUREMENT));
  const entry = (key: string) => ({
    ...TEST_PRICES[key],
    unit: "units",
    source: "https://example.com/test-prices",
    read: "2026-12-07",
  });
  const freeTier = (quantity: number) => ({ quantity, source: "https://example.com/test-prices", read: "2026-12-07" });
  const prices = path.join(dir, "prices.json");
  fs.writeFileSync(
    prices,
    JSON.stringify({
      version: 1,
      currency: "USD",
      read: "2026-12-07",
      hoursPerMonth: 730,
      note: "the tests' own prices",
      regions: { "us-east-1": Object.fromEntries(PRICE_KEYS.map((key) => [key, entry(key)])) },
      freeTier: {
        lambdaRequests: freeTier(1_000_000),
        lambdaGbSeconds: freeTier(400_000),
        sqsRequests: freeTier(1_000_000),
        snsPublishes: freeTier(1_000_000),
        dynamodbStorageGb: freeTier(25),
        kmsRequests: freeTier(20_000),
        logsGb: freeTier(5),
        alarmMetrics: freeTier(10),
        dashboards: freeTier(3),
        customMetrics: freeTier(10),
      },
    }),
  );
  return { dir, measurement, prices };
}

const ACCOUNT = "111122223333";

/**
 * Synthesizes an app of the tests' own environments (`environments` is the environments file's
 * list) into a fresh folder, with `prefix` as ORDERS_NAME_PREFIX; returns the synth folder.
 */
export function synthFixture(prefix: string, environments: Record<string, unknown>[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-estimate-env-"));
  const file = path.join(dir, "environments.json");
  // One documentation account for every environment (a protected one must name it) and the state.
  fs.writeFileSync(file, JSON.stringify({ environments: environments.map((e) => ({ account: ACCOUNT, ...e })) }));
  return synthApp({ ORDERS_ENVIRONMENTS_FILE: file, ORDERS_NAME_PREFIX: prefix }).outdir;
}

/** A copy of the fixtures' price table in which us-east-1's `key` has no price (`usd: null`, with a note). */
export function pricesWithout(fixtures: { dir: string; prices: string }, key: string): string {
  const table = JSON.parse(fs.readFileSync(fixtures.prices, "utf8"));
  table.regions["us-east-1"][key] = { ...table.regions["us-east-1"][key], usd: null, note: "left out by this test" };
  const file = path.join(fs.mkdtempSync(path.join(fixtures.dir, `prices-without-${key}-`)), "prices.json");
  fs.writeFileSync(file, JSON.stringify(table));
  return file;
}

/** Runs the command in-process as `npm run estimate -- <args>` would. */
export async function runEstimate(
  args: string[],
  measurementFile: string,
): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo();
  const code = await estimateMain(args, io, { root: ROOT, measurementFile });
  return { code, out: io.out(), err: io.err() };
}
