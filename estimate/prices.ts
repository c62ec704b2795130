import * as fs from "fs";
import { UsageError } from "../cli/cli";
import { displayPath } from "../config/project";
import { cutText, quote } from "../config/input";

/** The priced units, one entry each per region in estimate/prices.json. */
export const PRICE_KEYS = [
  "lambdaRequests",
  "lambdaGbSecondArm64",
  "lambdaGbSecondX86",
  "sqsRequests",
  "snsPublishes",
  "dynamodbWriteRequestUnits",
  "dynamodbReadRequestUnits",
  "dynamodbStorageGbMonth",
  "dynamodbPitrGbMonth",
  "kmsKeyMonth",
  "kmsRequests",
  "logsIngestionGb",
  "logsStorageGbMonth",
  "alarmMetricMonth",
  "dashboardMonth",
  "customMetricMonth",
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

/** The free-tier pools (per account and month), applied only with --free-tier. */
export const FREE_TIER_KEYS = [
  "lambdaRequests",
  "lambdaGbSeconds",
  "sqsRequests",
  "snsPublishes",
  "dynamodbStorageGb",
  "kmsRequests",
  "logsGb",
  "alarmMetrics",
  "dashboards",
  "customMetrics",
] as const;
export type FreeTierKey = (typeof FREE_TIER_KEYS)[number];

/** One price: `usd` per `per` `unit`s; null when no stored source gave it (the note says so). */
export interface Price {
  readonly usd: number | null;
  readonly per: number;
  readonly unit: string;
  /** The page whose copy stated the price. */
  readonly source: string;
  /** The date it was read (YYYY-MM-DD). */
  readonly read: string;
  readonly note?: string;
}

export interface FreeTier {
  readonly quantity: number | null;
  readonly source: string;
  readonly read: string;
  readonly note?: string;
}

export interface PriceTable {
  readonly version: 1;
  readonly currency: string;
  readonly read: string;
  readonly hoursPerMonth: number;
  readonly note: string;
  readonly regions: Readonly<Record<string, Readonly<Record<PriceKey, Price>>>>;
  readonly freeTier: Readonly<Record<FreeTierKey, FreeTier>>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const URL = /^https?:\/\/\S+$/;

/** Reads and checks a price table; every problem in one error naming the file. */
export function readPriceTable(file: string): PriceTable {
  let table: PriceTable;
  try {
    table = JSON.parse(fs.readFileSync(file, "utf8")) as PriceTable;
  } catch (error) {
    throw new UsageError(
      `--prices must name a readable JSON price table (given ${quote(displayPath(file))}: ${cutText((error as Error).message)})`,
    );
  }
  const problems = priceTableProblems(table);
  if (problems.length > 0) {
    throw new UsageError(`${displayPath(file)} is not a valid price table:\n  - ${problems.join("\n  - ")}`);
  }
  return table;
}

/** What is wrong with a price table: missing keys, prices without a source or date, negative prices. */
export function priceTableProblems(table: PriceTable): string[] {
  const problems: string[] = [];
  if (table?.version !== 1) problems.push(`version must be 1 (given ${JSON.stringify(table?.version)})`);
  if (!(Number(table?.hoursPerMonth) > 0)) problems.push(`hoursPerMonth must be a positive number`);
  const regions = Object.entries(table?.regions ?? {});
  if (regions.length === 0) problems.push("regions must hold at least one region");
  for (const [region, prices] of regions) {
    for (const key of PRICE_KEYS) {
      const price = (prices as Record<string, Price | undefined>)[key];
      const where = `regions.${region}.${key}`;
      if (!price) {
        problems.push(`${where} is missing (a price, or null with a note saying why)`);
        continue;
      }
      if (price.usd !== null && !(typeof price.usd === "number" && price.usd >= 0)) {
        problems.push(`${where}.usd must be a number >= 0 or null (given ${JSON.stringify(price.usd)})`);
      }
      if (price.usd === null && !price.note) problems.push(`${where}: a null price needs a note saying why`);
      if (!(price.per > 0))
        problems.push(`${where}.per must be a positive number (given ${JSON.stringify(price.per)})`);
      if (!URL.test(price.source ?? "")) problems.push(`${where}.source must be the page's URL`);
      if (!DATE.test(price.read ?? "")) problems.push(`${where}.read must be the date read, YYYY-MM-DD`);
    }
  }
  for (const key of FREE_TIER_KEYS) {
    const tier = table?.freeTier?.[key];
    if (!tier) problems.push(`freeTier.${key} is missing`);
    else if (!URL.test(tier.source ?? "") || !DATE.test(tier.read ?? "")) {
      problems.push(`freeTier.${key} needs its source URL and the date read`);
    }
  }
  return problems;
}

/** The prices of `region`; a region the table lacks is a UsageError naming the regions it has. */
export function pricesFor(table: PriceTable, region: string, stack: string, file: string): Record<PriceKey, Price> {
  const prices = table.regions[region];
  if (prices) return prices as Record<PriceKey, Price>;
  throw new UsageError(
    `region ${region} (stack ${stack}) must be one of the regions the price table ${displayPath(file)} has: ` +
      `${Object.keys(table.regions).sort().join(", ")}; add its prices there, each with its source and the date read`,
  );
}
