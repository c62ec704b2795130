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
