import * as fs from "fs";
import {
  EmfDocument,
  OutcomeSummary,
  countsText,
  emfDocumentOf,
  latencyText,
  percentile,
  summarize,
} from "../contract/metrics";

/**
 * What the sandbox does with the EMF documents a function prints, instead of CloudWatch: keeps
 * them in a file, one document a line (`npm run status` reads the last minutes of it), and prints
 * one summary line per interval in which the function ran: outcome counts and latency p50/p99.
 */

/** How long the kept documents cover: when the file outgrows MAX_KEPT_BYTES, it is cut to the last hour (at most half of that size). */
export const KEPT_MS = 60 * 60_000;

/** Size at which the file is cut to its last hour (npm run status reads at most 16 MiB of its end). */
export const MAX_KEPT_BYTES = 8 * 1024 * 1024;

/** `12:00:10 ProcessOrderLambda metrics, last 10 s: 3 invocation(s), 5 stored, ...; latency p50 12 ms, p99 40 ms`. */
export function summaryLine(functionName: string, seconds: number, summary: OutcomeSummary, at = new Date()): string {
  const time = at.toISOString().slice(11, 19);
  const p50 = percentile(summary.latenciesMs, 50);
  const p99 = percentile(summary.latenciesMs, 99);
  return (
    `${time} ${functionName} metrics, last ${seconds} s: ${summary.invocations} invocation(s), ` +
    `${countsText(summary.counts)}; ${latencyText(p50, p99)}`
  );
}

export interface SandboxMetricsOptions {
  /** The function, as the summary names it. */
  readonly functionName: string;
  /** Where the documents are kept (appended; created if missing). */
  readonly file: string;
  /** Seconds between two summaries. */
  readonly intervalSeconds: number;
  /** Writes one summary line. */
  readonly print: (line: string) => void;
  /**
   * Size at which the file is cut (to the last hour, at most half this size), bytes.
   * @default MAX_KEPT_BYTES
   */
  readonly maxKeptBytes?: number;
}

export class SandboxMetrics {
  private interval: EmfDocument[] = [];
  private readonly timer: NodeJS.Timeout;
  private keptBytes: number;

  constructor(private readonly options: SandboxMetricsOptions) {
    // Created at once: npm run status reads it before the function's first invocation too.
    fs.closeSync(fs.openSync(options.file, "a"));
    this.keptBytes = fs.statSync(options.file).size;
    this.timer = setInterval(() => this.summarize(), options.intervalSeconds * 1000);
  }

  /**
   * Takes one line of the function's output: an EMF document is kept and counted (true), anything
   * else is left to the caller (false).
   */
  take(line: string): boolean {
    const document = emfDocumentOf(line);
    if (!document) return false;
    const text = `${JSON.stringify(document)}\n`;
    fs.appendFileSync(this.options.file, text);
    this.keptBytes += Buffer.byteLength(text);
    if (this.keptBytes > (this.options.maxKeptBytes ?? MAX_KEPT_BYTES)) this.cut();
    this.interval.push(document);
    return true;
  }

  /** Prints the summary of the interval that ends now, when the function ran in it. */
  summarize(): void {
    if (this.interval.length === 0) return;
    const summary = summarize(this.interval);
    this.interval = [];
    this.options.print(summaryLine(this.options.functionName, this.options.intervalSeconds, summary));
  }

  /** Keeps the last hour's documents only (written aside, then renamed: a reader never sees half a file). */
  private cut(): void {
    const since = Date.now() - KEPT_MS;
    const lines = fs
      .readFileSync(this.options.file, "utf8")
      .split("\n")
      .filter((line) => (emfDocumentOf(line)?._aws.Timestamp ?? 0) >= since)
      .map((line) => `${line}\n`);
    // At most half the limit is kept, so a busy hour does not cut again at every document.
    let bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    while (bytes > (this.options.maxKeptBytes ?? MAX_KEPT_BYTES) / 2 && lines.length > 0)
      bytes -= Buffer.byteLength(lines.shift()!);
    const kept = lines.join("");
    const temporary = `${this.options.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, kept);
    fs.renameSync(temporary, this.options.file);
    this.keptBytes = Buffer.byteLength(kept);
  }

  /** Prints the last interval's summary and stops the timer. */
  stop(): void {
    clearInterval(this.timer);
    this.summarize();
  }
}
