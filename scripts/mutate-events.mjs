#!/usr/bin/env node
// node scripts/mutate-events.mjs <part>: per-file counts and score of a `npm run mutate` part from the results
// Stryker's event recorder writes as each mutant is tested (reports/events-<part>/), so a run stopped before its
// end still gives the files it finished. Score as Stryker's: killed and timed out over all but errors.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const part = process.argv[2] ?? "constructs";
const dir = join("reports", `events-${part}`);
const read = (file) => JSON.parse(readFileSync(join(dir, file), "utf8"));
const files = readdirSync(dir);
const relative = (name) => name.replace(/^.*?\/(?=(constructs|config|contract|functions|ops|cli|local)\/)/, "");
const planned = {};
for (const plan of read(files.find((f) => f.endsWith("onMutationTestingPlanReady.json"))).mutantPlans) {
  const file = relative(plan.mutant.fileName);
  planned[file] = (planned[file] ?? 0) + 1;
}
const zero = () => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, RuntimeError: 0 });
const counts = {};
for (const name of files.filter((f) => f.endsWith("onMutantTested.json"))) {
  const mutant = read(name);
  const file = relative(mutant.fileName);
  counts[file] ??= zero();
  counts[file][mutant.status] = (counts[file][mutant.status] ?? 0) + 1;
}
const row = (file, total, c) => {
  const tested = c.Killed + c.Timeout + c.Survived + c.NoCoverage + c.RuntimeError;
  const judged = c.Killed + c.Timeout + c.Survived + c.NoCoverage;
  const score = judged ? `${((100 * (c.Killed + c.Timeout)) / judged).toFixed(1)}%` : "-";
  const state = tested === total ? score : tested ? `${score} (partial)` : "not reached";
  return `| ${file} | ${total} | ${tested} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${c.RuntimeError} | ${state} |`;
};
console.log("| File | Mutants | Tested | Killed | Timed out | Survived | Not covered | Errors | Score |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
const all = zero();
for (const file of Object.keys(planned).sort()) {
  const c = counts[file] ?? zero();
  for (const key of Object.keys(all)) all[key] += c[key];
  console.log(row(file, planned[file], c));
}
console.log(
  row(
    "all",
    Object.values(planned).reduce((a, b) => a + b, 0),
    all,
  ),
);
