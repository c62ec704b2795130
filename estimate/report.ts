import { Capacity, fits } from "./capacity";
import { ConsumerUsage, LineItem, MonthlyCost } from "./cost";

/** One assumption as printed: its value, the flag that overrides it and where the value comes from. */
export interface AssumptionRow {
  readonly name: string;
  readonly value: string;
  readonly flag: string;
  readonly basis: string;
}

export interface EnvironmentReport {
  readonly stack: string;
  readonly region: string;
  readonly ordersPerDay: number;
  readonly firstMonth: MonthlyCost;
  /** USD per million orders in the first month (priced lines only). */
  readonly costPerMillionOrders: number;
  readonly growth: readonly { readonly month: number; readonly total: number; readonly storage: number }[];
  readonly model: readonly {
    readonly function: string;
    readonly recordsPerBatch: number;
    readonly batchMs: number;
    readonly billedBatchMs: number;
    readonly logBytesPerOrder: number;
  }[];
  readonly capacity: readonly Capacity[];
  readonly fromVariables: readonly string[];
  readonly check?: { readonly ordersPerSecond: number; readonly fits: boolean; readonly changes: readonly string[] };
  /** Set when the orders a day average more orders a second than a consumer sustains: the cost is not reachable. */
  readonly overCapacity?: {
    readonly averageOrdersPerSecond: number;
    readonly consumer: string;
    readonly sustainable: number;
  };
}

export interface LineDelta {
  readonly id: string;
  readonly label: string;
  readonly base: number;
  readonly head: number;
  readonly delta: number;
}

export interface EnvironmentDelta {
  readonly stack: string;
  readonly status: "changed" | "unchanged" | "added" | "removed";
  readonly base: number | null;
  readonly head: number | null;
  readonly delta: number;
  readonly lines: readonly LineDelta[];
  readonly sustainableBase: number | null;
  readonly sustainableHead: number | null;
  /** The line items either side leaves out for want of a price (empty: both totals are whole). */
  readonly unpriced: readonly string[];
}

export interface EstimateResult {
  readonly version: 1;
  /** Every amount is in this currency. */
  readonly currency: "USD";
  readonly synth: string;
  readonly prices: { readonly file: string; readonly read: string; readonly freeTier: boolean };
  readonly measurement: { readonly file: string; readonly measuredAt: string; readonly note: string };
  readonly assumptions: readonly AssumptionRow[];
  readonly environments: readonly EnvironmentReport[];
  readonly compare?: { readonly base: string; readonly environments: readonly EnvironmentDelta[] };
}

/** USD as the tables print it: cents from $1, four decimals below. */
export function usd(value: number | null): string {
  if (value === null) return "unpriced";
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  return `${sign}$${abs >= 1 ? abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : abs.toFixed(4)}`;
}
const signedUsd = (value: number): string => (value > 0 ? `+${usd(value)}` : usd(value));
/** A change the tables would print as $0.0000 is no change to a reader. */
const shows = (delta: number): boolean => Math.abs(delta) >= 0.00005;
const perSecond = (n: number | null): string => (n === null ? "-" : Math.floor(n).toLocaleString("en-US"));
const qty = (n: number): string => n.toLocaleString("en-US", { maximumFractionDigits: n < 10 ? 4 : n < 1000 ? 2 : 0 });
/** A quantity with its unit, singular for exactly one ("1 dashboard-month"). */
const quantity = (n: number, unit: string): string => `${qty(n)} ${n === 1 ? unit.replace(/s$/, "") : unit}`;
/** A unit price: small ones with four significant digits. */
const rate = (value: number): string => (value !== 0 && value < 0.01 ? `$${value.toPrecision(4)}` : usd(value));
const perUnit = (l: LineItem): string =>
  l.usd === null
    ? "not in the table"
    : `${rate(l.usd)} per ${l.per === 1 ? l.unit.replace(/s$/, "") : `${qty(l.per)} ${l.unit}`}`;

export function environmentUsage(usage: readonly ConsumerUsage[]): EnvironmentReport["model"] {
  return usage.map((u) => ({
    function: u.consumer.functionName,
    recordsPerBatch: u.recordsPerBatch,
    batchMs: u.batchMs,
    billedBatchMs: u.billedBatchMs,
    logBytesPerOrder: u.logBytesPerOrder,
  }));
}

/** The whole result as Markdown: for a terminal and for a pull-request comment alike. */
export function renderMarkdown(result: EstimateResult): string {
  const out: string[] = [];
  if (result.compare) {
    // A pull request's comment: the change, and what no longer fits; each environment's whole tables
    // (about 6 KB each) are what `npm run estimate` without --compare prints.
    out.push(...renderCompare(result.compare, result.synth));
    out.push(...result.environments.flatMap((env) => [...overCapacityLines(env), ...checkLines(env)]));
    out.push("Each environment's whole tables: `npm run estimate` without `--compare`.", "");
  }
  for (const env of result.compare ? [] : result.environments) {
    const first = env.firstMonth;
    out.push(
      `## ${env.stack} (${env.region}): first month at ${env.ordersPerDay.toLocaleString("en-US")} orders a day`,
      "",
      "| Line item | Quantity | Unit price | Monthly cost |",
      "| --- | ---: | ---: | ---: |",
      ...first.lines.map((l) => `| ${l.label} | ${quantity(l.quantity, l.unit)} | ${perUnit(l)} | ${usd(l.cost)} |`),
      first.unpriced.length
        ? `| **Total, partial: ${first.unpriced.length} line item(s) unpriced** | | | **${usd(first.total)}** |`
        : `| **Total** | | | **${usd(first.total)}** |`,
      "",
      first.unpriced.length
        ? `Cost per million orders: ${usd(env.costPerMillionOrders)}, **partial**: the total leaves out ` +
            `${first.unpriced.length} line item(s) the price table has no price for: ${first.unpriced.join(", ")}.`
        : `Cost per million orders: ${usd(env.costPerMillionOrders)}.`,
      "",
      ...overCapacityLines(env),
      "How each quantity was reached:",
      "",
      ...first.lines.map((l) => `- ${l.label}: ${l.basis}`),
      "",
      "Per-batch model: " +
        env.model
          .map(
            (m) =>
              `${m.function} runs ${quantity(m.recordsPerBatch, "records")} a batch in ${m.batchMs.toFixed(1)} ms (billed ${m.billedBatchMs} ms); ${m.logBytesPerOrder} log bytes a stored order`,
          )
          .join("; ") +
        ".",
      "",
      "| Month | Storage and retention lines | Monthly total |",
      "| ---: | ---: | ---: |",
      ...env.growth.map((g) => `| ${g.month} | ${usd(g.storage)} | ${usd(g.total)} |`),
      "",
    );
    for (const c of env.capacity) {
      out.push(
        `Capacity of ${c.consumer}: **${Math.floor(c.sustainableOrdersPerSecond).toLocaleString("en-US")} orders a second**, bound by the ${c.binding.label} (a full batch: ${c.fullBatchMs.toFixed(1)} ms).`,
        "",
        "| Limit | Value | Orders a second | Source |",
        "| --- | --- | ---: | --- |",
        ...c.limits.map(
          (l) => `| ${l.label} | ${l.value} | ${Math.floor(l.ordersPerSecond).toLocaleString("en-US")} | ${l.source} |`,
        ),
        "",
      );
    }
    out.push(...checkLines(env));
    if (env.fromVariables.length) {
      out.push(`Read from variable defaults (a tfvars file may set others): ${env.fromVariables.join("; ")}.`, "");
    }
  }
  // In a pull request's comment the assumptions, the same on every run, fold away.
  const folded = result.compare !== undefined;
  out.push(
    folded ? "<details><summary>Assumptions</summary>" : "### Assumptions",
    "",
    "| Assumption | Value | Flag | Basis |",
    "| --- | --- | --- | --- |",
    ...result.assumptions.map((a) => `| ${a.name} | ${a.value} | ${a.flag} | ${a.basis} |`),
    "",
    `Prices: ${result.prices.file}, read ${result.prices.read}${result.prices.freeTier ? ", free tiers applied to each environment alone (they are per account)" : ", free tiers not applied (--free-tier applies them)"}. ` +
      `Duration model: ${result.measurement.file}, measured ${result.measurement.measuredAt}: ${result.measurement.note}`,
    ...(folded ? ["", "</details>"] : []),
  );
  return `${out.join("\n")}\n`;
}

/** The warning that the orders a day outrun what a consumer sustains. */
function overCapacityLines(env: EnvironmentReport): string[] {
  if (!env.overCapacity) return [];
  const average = env.overCapacity.averageOrdersPerSecond.toLocaleString("en-US", { maximumFractionDigits: 1 });
  return [
    `**Above capacity:** ${env.stack}'s ${env.ordersPerDay.toLocaleString("en-US")} orders a day average ${average} ` +
      `orders a second, more than the ${perSecond(env.overCapacity.sustainable)} ${env.overCapacity.consumer} ` +
      "sustains: its backlog would grow without end, so this month cannot happen as priced.",
    "",
  ];
}

/** The answer to --orders-per-second. */
function checkLines(env: EnvironmentReport): string[] {
  if (!env.check) return [];
  return [
    env.check.fits
      ? `${env.check.ordersPerSecond.toLocaleString("en-US")} orders a second fit ${env.stack}.`
      : `${env.check.ordersPerSecond.toLocaleString("en-US")} orders a second do not fit ${env.stack}. To change:\n\n${env.check.changes.map((c) => `- ${c}`).join("\n")}`,
    "",
  ];
}

function renderCompare(compare: NonNullable<EstimateResult["compare"]>, head: string): string[] {
  const out = [
    `## Monthly cost change: ${compare.base} (base) to ${head} (head)`,
    "",
    "| Environment | Base | Head | Change | Sustainable orders a second |",
    "| --- | ---: | ---: | ---: | --- |",
    ...compare.environments.map(
      (e) =>
        `| ${e.stack} (${e.status}${e.unpriced.length ? ", partial: line items unpriced" : ""}) | ${e.base === null ? "-" : usd(e.base)} | ${e.head === null ? "-" : usd(e.head)} | ${signedUsd(e.delta)} | ${perSecond(e.sustainableBase)} to ${perSecond(e.sustainableHead)} |`,
    ),
    "",
  ];
  // The whole tables are not printed with --compare: the left-out lines are named here.
  for (const e of compare.environments.filter((e) => e.unpriced.length)) {
    out.push(`${e.stack}'s totals leave out what the price table has no price for: ${e.unpriced.join(", ")}.`, "");
  }
  for (const e of compare.environments.filter((e) => e.lines.some((l) => shows(l.delta)))) {
    out.push(
      `${e.stack}, line items that change:`,
      "",
      "| Line item | Base | Head | Change |",
      "| --- | ---: | ---: | ---: |",
      ...e.lines
        .filter((l) => shows(l.delta))
        .map((l) => `| ${l.label} | ${usd(l.base)} | ${usd(l.head)} | ${signedUsd(l.delta)} |`),
      "",
    );
  }
  return out;
}

/** The delta of head over base, by line id, for every stack in either. */
export function compareEnvironments(
  base: readonly EnvironmentReport[],
  head: readonly EnvironmentReport[],
): EnvironmentDelta[] {
  const names = [...new Set([...head.map((e) => e.stack), ...base.map((e) => e.stack)])];
  const byId = (env?: EnvironmentReport): Map<string, { label: string; cost: number }> => {
    const map = new Map<string, { label: string; cost: number }>();
    for (const l of env?.firstMonth.lines ?? []) {
      const prior = map.get(l.id);
      map.set(l.id, { label: prior?.label ?? l.label, cost: (prior?.cost ?? 0) + (l.cost ?? 0) });
    }
    return map;
  };
  const sustainable = (env?: EnvironmentReport): number | null =>
    env && env.capacity.length ? Math.min(...env.capacity.map((c) => c.sustainableOrdersPerSecond)) : null;
  return names.map((stack) => {
    const b = base.find((e) => e.stack === stack);
    const h = head.find((e) => e.stack === stack);
    const bl = byId(b);
    const hl = byId(h);
    const ids = [...new Set([...hl.keys(), ...bl.keys()])];
    const lines = ids.map((id) => {
      const baseCost = bl.get(id)?.cost ?? 0;
      const headCost = hl.get(id)?.cost ?? 0;
      return {
        id,
        label: (hl.get(id) ?? bl.get(id))!.label,
        base: baseCost,
        head: headCost,
        delta: headCost - baseCost,
      };
    });
    const baseTotal = b ? b.firstMonth.total : null;
    const headTotal = h ? h.firstMonth.total : null;
    const delta = (headTotal ?? 0) - (baseTotal ?? 0);
    return {
      stack,
      status: !b
        ? "added"
        : !h
          ? "removed"
          : lines.some((l) => l.delta !== 0) || sustainable(b) !== sustainable(h)
            ? "changed"
            : "unchanged",
      base: baseTotal,
      head: headTotal,
      delta,
      lines,
      sustainableBase: sustainable(b),
      sustainableHead: sustainable(h),
      unpriced: [...new Set([...(b?.firstMonth.unpriced ?? []), ...(h?.firstMonth.unpriced ?? [])])],
    };
  });
}

export { fits };
