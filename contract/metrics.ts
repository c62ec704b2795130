/**
 * ProcessOrderLambda's business metrics, part of the contract: the function writes them (one
 * CloudWatch Embedded Metric Format document per invocation), `npm run status` and the sandbox
 * read them. constructs/defaults.ts holds the same names for the dashboard and the alarms
 * (constructs import nothing of the app); a test checks that the two agree.
 */

/** The metric names. Counts are emitted every invocation, 0 included, so a graph never has gaps. */
export const ORDER_METRIC_NAMES = {
  stored: "OrdersStored",
  duplicate: "OrdersDuplicate",
  rejected: "OrdersRejected",
  failed: "OrdersFailed",
  latency: "OrderLatency",
  batchSize: "BatchSize",
} as const;

/** What happens to one order of a batch. */
export type Outcome = "stored" | "duplicate" | "rejected" | "failed";

/** The outcomes, in the order every summary shows them. */
export const OUTCOMES: readonly Outcome[] = ["stored", "duplicate", "rejected", "failed"];

/** The outcome counts and latencies of some invocations. */
export interface OutcomeSummary {
  /** Invocations (EMF documents) summed. */
  readonly invocations: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  /** Every OrderLatency value, milliseconds. */
  readonly latenciesMs: readonly number[];
}

/** An EMF document as a log line holds it: `_aws` and the metric values at the top level. */
export type EmfDocument = Record<string, unknown> & { readonly _aws: { readonly Timestamp: number } };

/** The line as an EMF document of the function's metrics, or undefined (a log line, or not JSON). */
export function emfDocumentOf(line: string): EmfDocument | undefined {
  // A fast path only (most lines are the function's own): the checks below decide.
  if (!line.includes('"_aws"')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  // null, a list or a scalar has no `_aws` object; an object without a numeric Timestamp is no document.
  const aws = (parsed as { _aws?: { Timestamp?: unknown } } | null)?._aws;
  return typeof aws?.Timestamp === "number" ? (parsed as EmfDocument) : undefined;
}

/** A metric's numbers in a document (one value or an array of them); anything else counts as none. */
function valuesOf(document: EmfDocument, name: string): number[] {
  const value = document[name];
  const values = Array.isArray(value) ? value : [value];
  // JSON holds no NaN or Infinity: a number here is finite.
  return values.filter((v): v is number => typeof v === "number");
}

/** Sums the outcome counts and gathers the latencies of `documents`. */
export function summarize(documents: Iterable<EmfDocument>): OutcomeSummary {
  const counts: Record<Outcome, number> = { stored: 0, duplicate: 0, rejected: 0, failed: 0 };
  const latenciesMs: number[] = [];
  let invocations = 0;
  for (const document of documents) {
    invocations++;
    for (const outcome of OUTCOMES) {
      counts[outcome] += valuesOf(document, ORDER_METRIC_NAMES[outcome]).reduce((a, b) => a + b, 0);
    }
    latenciesMs.push(...valuesOf(document, ORDER_METRIC_NAMES.latency));
  }
  return { invocations, counts, latenciesMs };
}

/**
 * The `p`th percentile (0-100) of `values` by the nearest-rank method, or undefined for none. A
 * document of a big batch carries 99 evenly spaced quantiles of its latencies, not every value, so
 * over such documents this is an approximation, as CloudWatch's own percentiles are.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  // No values: rank 1 of an empty list, undefined.
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** `12 stored, 1 duplicate, 0 rejected, 2 failed`. */
export function countsText(counts: Readonly<Record<Outcome, number>>): string {
  return OUTCOMES.map((o) => `${counts[o]} ${o}`).join(", ");
}

/** `latency p50 35 ms, p99 120 ms`, or `latency n/a` when no order was stored. */
export function latencyText(p50: number | undefined, p99: number | undefined): string {
  if (p50 === undefined || p99 === undefined) return "latency n/a (nothing stored)";
  return `latency p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms`;
}
