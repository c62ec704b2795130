import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { summarize } from "../contract/metrics";
import { KEPT_MS, SandboxMetrics, summaryLine } from "../local/sandbox-metrics";
import { sandboxDocuments } from "../ops/status-command";

/**
 * What the sandbox does with its functions' EMF documents (the end-to-end side is in
 * ops-status-sandbox.e2e.test.ts): the summary line's figures, and the kept file staying bounded.
 */

/** An EMF document as the function prints it, at `timestamp`. */
function emf(timestamp: number, counts: { stored?: number; rejected?: number }, latencies: number[] = []): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: "order-pipeline/orders-dev",
          Dimensions: [["service", "environment"]],
          Metrics: [{ Name: "OrdersStored", Unit: "Count" }],
        },
      ],
    },
    service: "process-order",
    environment: "dev",
    OrdersStored: counts.stored ?? 0,
    OrdersDuplicate: 0,
    OrdersRejected: counts.rejected ?? 0,
    OrdersFailed: 0,
    BatchSize: 1,
    ...(latencies.length ? { OrderLatency: latencies.length === 1 ? latencies[0] : latencies } : {}),
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-sandbox-metrics-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the sandbox's metrics", () => {
  test("summarizes an interval's documents in one line: invocations, outcome counts, latency p50 and p99", () => {
    const documents = [emf(1, { stored: 2 }, [10, 30]), emf(2, { rejected: 1 }), emf(3, { stored: 1 }, [20])].map(
      (line) => JSON.parse(line),
    );
    expect(
      summaryLine("orders-dev-ProcessOrderLambda", 10, summarize(documents), new Date("2026-12-07T06:00:10Z")),
    ).toBe(
      "06:00:10 orders-dev-ProcessOrderLambda metrics, last 10 s: 3 invocation(s), 3 stored, 0 duplicate, 1 rejected, " +
        "0 failed; latency p50 20 ms, p99 30 ms",
    );
  });

  test("keeps every EMF document in its file, leaves log lines to the caller, and prints nothing for a quiet interval", () => {
    const file = path.join(dir, "kept.jsonl");
    const printed: string[] = [];
    const metrics = new SandboxMetrics({
      functionName: "f",
      file,
      intervalSeconds: 3600,
      print: (l) => printed.push(l),
    });
    try {
      metrics.summarize();
      expect(printed).toEqual([]);
      expect(metrics.take('{"level":"INFO","message":"order stored"}')).toBe(false);
      expect(metrics.take(emf(Date.now(), { stored: 1 }, [5]))).toBe(true);
      expect(summarize(sandboxDocuments(file, 0)).counts).toEqual({ stored: 1, duplicate: 0, rejected: 0, failed: 0 });
    } finally {
      metrics.stop();
    }
    expect(printed).toHaveLength(1);
  });

  /** A file of `documents`, one a line, and the metrics keeping it with `limit` bytes (printing to `printed`). */
  function keeper(name: string, documents: string[], limit: number, printed: string[] = [], intervalSeconds = 3600) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, documents.map((d) => `${d}\n`).join(""));
    const metrics = new SandboxMetrics({
      functionName: "f",
      file,
      intervalSeconds,
      print: (line) => printed.push(line),
      maxKeptBytes: limit,
    });
    return { file, metrics };
  }

  test("drops the documents older than an hour when it cuts, and keeps those of the last hour", () => {
    const old = emf(Date.now() - 61 * 60_000, { stored: 1 });
    const recent = emf(Date.now() - 59 * 60_000, { stored: 2 });
    const fresh = emf(Date.now(), { stored: 3 });
    const olds = Array.from({ length: 10 }, () => old);
    const { file, metrics } = keeper("hour.jsonl", [...olds, recent], 10 * (old.length + 1) + recent.length + 2);
    try {
      metrics.take(fresh);
    } finally {
      metrics.stop();
    }
    expect(fs.readFileSync(file, "utf8")).toBe(`${recent}\n${fresh}\n`);
  });

  test("keeps the newest documents, at most half its limit, when the last hour outgrows it", () => {
    const documents = Array.from({ length: 11 }, (_, i) => emf(Date.now() + i, { stored: 1 }));
    const size = documents[0].length + 1;
    const { file, metrics } = keeper("half.jsonl", [], 10 * size + 1);
    try {
      for (const d of documents) metrics.take(d);
    } finally {
      metrics.stop();
    }
    expect(fs.readFileSync(file, "utf8")).toBe(
      documents
        .slice(6)
        .map((d) => `${d}\n`)
        .join(""),
    );
  });

  test("does not cut a file exactly at its limit", () => {
    const documents = Array.from({ length: 11 }, (_, i) => emf(Date.now() + i, { stored: 1 }));
    const { file, metrics } = keeper("exact.jsonl", [], 11 * (documents[0].length + 1));
    try {
      for (const d of documents) metrics.take(d);
    } finally {
      metrics.stop();
    }
    expect(fs.readFileSync(file, "utf8").split("\n").length - 1).toBe(11);
  });

  test("prints one summary for all the documents of an interval, then only the next interval's", async () => {
    const printed: string[] = [];
    const { metrics } = keeper("interval.jsonl", [], 1024 * 1024, printed, 1);
    try {
      metrics.take(emf(Date.now(), { stored: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      metrics.take(emf(Date.now(), { stored: 1 }));
      while (printed.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      metrics.take(emf(Date.now(), { rejected: 1 }));
    } finally {
      metrics.stop();
    }
    expect(printed.map((l) => l.replace(/^\S+ /, "").replace(/;.*/, ""))).toEqual([
      "f metrics, last 1 s: 2 invocation(s), 2 stored, 0 duplicate, 0 rejected, 0 failed",
      "f metrics, last 1 s: 1 invocation(s), 0 stored, 0 duplicate, 1 rejected, 0 failed",
    ]);
  });

  test("cuts its file to the last hour, at most half its limit, once it outgrows the limit", () => {
    const file = path.join(dir, "cut.jsonl");
    const old = emf(Date.now() - KEPT_MS - 60_000, { stored: 1 });
    fs.writeFileSync(file, `${old}\n`.repeat(20));
    const limit = 20 * (old.length + 1) + 10;
    const metrics = new SandboxMetrics({
      functionName: "f",
      file,
      intervalSeconds: 3600,
      print: () => undefined,
      maxKeptBytes: limit,
    });
    try {
      for (let i = 0; i < 30; i++) metrics.take(emf(Date.now(), { rejected: 1 }));
    } finally {
      metrics.stop();
    }
    const kept = sandboxDocuments(file, 0);
    expect(fs.statSync(file).size).toBeLessThanOrEqual(limit);
    expect(kept.length).toBeGreaterThan(0);
    expect(summarize(kept).counts.stored).toBe(0);
  });
});
