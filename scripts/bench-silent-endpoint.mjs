#!/usr/bin/env node
// How long each operator command takes against a silent endpoint: a listener on 127.0.0.1 that
// accepts every connection, reads the request and never answers (what a hung server or a
// blackholing proxy looks like). Runs the built commands (node scripts/build.mjs commands first)
// with --timeout 5 and with their default timeout, one after the other (started together on a
// loaded machine, their own start-up, not the endpoint, takes the time), and prints the wall time,
// exit code and message of each, beside the time `--help` takes (start-up alone). No test asserts
// these times; this measures them. About 3 minutes.
//
// node scripts/bench-silent-endpoint.mjs
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const sockets = new Set();
const silent = createServer((socket) => {
  sockets.add(socket);
  socket.on("error", () => undefined);
  socket.on("close", () => sockets.delete(socket));
  socket.resume();
});
await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
const endpoint = `http://127.0.0.1:${silent.address().port}`;

const outputs = join(mkdtempSync(join(tmpdir(), "orders-bench-silent-")), "outputs.json");
writeFileSync(
  outputs,
  JSON.stringify({
    "orders-dev": {
      topic_arn: "arn:aws:sns:us-east-1:000000000000:orders-dev-OrderTopic",
      dlq_url: `${endpoint}/000000000000/orders-dev-OrderQueueDLQ`,
      table_name: "orders-dev-Orders",
      aws_region: "us-east-1",
      aws_endpoint_url_sns: endpoint,
      aws_endpoint_url_sqs: endpoint,
      aws_endpoint_url_dynamodb: endpoint,
    },
  }),
);

const COMMANDS = [
  ["smoke", "dist/ops/smoke.js", []],
  ["publish --count 25", "dist/ops/publish.js", ["--count", "25"]],
  ["dlq list", "dist/ops/dlq.js", ["list"]],
  ["dlq redrive", "dist/ops/dlq.js", ["redrive"]],
  ["dlq purge --yes", "dist/ops/dlq.js", ["purge", "--yes"]],
];

function run(file, args) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [join(root, file), ...args, "--outputs", outputs], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) =>
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, status, message: stderr.split("\n")[0] }),
    );
  });
}

const runs = COMMANDS.flatMap(([label, file, args]) => [
  { label: `${label} --timeout 5`, file, args: [...args, "--timeout", "5"] },
  { label: `${label} (default --timeout)`, file, args },
]);
const startup = await run("dist/ops/smoke.js", ["--help"]);
const results = [];
for (const r of runs) results.push(await run(r.file, r.args));
silent.close();
for (const socket of sockets) socket.destroy();

process.stdout.write(
  `Against a silent endpoint (${endpoint}), one command at a time; start-up alone (smoke --help): ` +
    `${startup.seconds.toFixed(1)} s\n\n`,
);
process.stdout.write("| command | seconds | exit | message |\n| --- | ---: | ---: | --- |\n");
runs.forEach((r, i) => {
  const { seconds, status, message } = results[i];
  process.stdout.write(
    `| ${r.label} | ${seconds.toFixed(1)} | ${status} | ${message.replace(endpoint, "<endpoint>")} |\n`,
  );
});
