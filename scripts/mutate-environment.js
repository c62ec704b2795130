// The Jest environment of `npm run mutate` (scripts/mutate.mjs), which Stryker wraps with its own.
// Stryker counts code a test runs between its start and its end as covered by that test, and all
// other code as "static", which every test of the part must then judge: a stack a test file builds
// once, in a beforeAll hook or when the file loads, made 70% of the constructs' mutants static, each
// costing a run of every test of the part (hours on two cores). Here that code counts as covered by
// the tests it serves instead: what a beforeAll hook runs, by every test of its describe block; what
// runs while the file loads (its module-level code, the modules it imports), by every test of the
// file. Jest runs both again for any test a mutant run selects, so the mutant still meets it.
// Code a test memoizes lazily (`x ??= build()` in its first test) stays the first test's alone: build
// it in a beforeAll hook instead.
const { TestEnvironment } = require("jest-environment-node");

/** The ids whose count in `now` grew since `before`. */
function grown(now, before) {
  return Object.keys(now).filter((id) => now[id] > (before[id] ?? 0));
}

class MutateEnvironment extends TestEnvironment {
  /** Static counts when the file started loading, and when the running beforeAll hook started. */
  #fileStart;
  #hookStart;
  /** Mutant ids the file's loading covered, and those each describe block's beforeAll hooks covered. */
  #fileIds = [];
  #blockIds = new Map();

  /** Stryker's coverage counts (its instrumenter's `__stryker__.mutantCoverage`), once code has run. */
  #coverage() {
    return this.global.__stryker__?.mutantCoverage;
  }

  /** Moves the counts of `ids` grown since `before` out of the static counts; returns those ids. */
  #takeStatic(before) {
    const coverage = this.#coverage();
    if (!coverage || !before) return [];
    const ids = grown(coverage.static, before);
    for (const id of ids) {
      const count = coverage.static[id] - (before[id] ?? 0);
      coverage.static[id] -= count;
      if (coverage.static[id] === 0) delete coverage.static[id];
    }
    return ids;
  }

  async handleTestEvent(event) {
    if (event.name === "setup") {
      this.#fileStart = { ...(this.#coverage()?.static ?? {}) };
    } else if (event.name === "run_start") {
      this.#fileIds = this.#takeStatic(this.#fileStart);
    } else if (event.name === "hook_start" && event.hook.type === "beforeAll") {
      this.#hookStart = { ...(this.#coverage()?.static ?? {}) };
    } else if ((event.name === "hook_success" || event.name === "hook_failure") && event.hook.type === "beforeAll") {
      const block = event.hook.parent;
      this.#blockIds.set(block, [...(this.#blockIds.get(block) ?? []), ...this.#takeStatic(this.#hookStart)]);
    } else if (event.name === "test_done") {
      // Stryker's own handler runs after this one: the test's id is still set (in its coverage run only).
      const testId = this.global.__stryker__?.currentTestId;
      const coverage = this.#coverage();
      if (!testId || !coverage) return;
      const counts = (coverage.perTest[testId] ??= {});
      const served = [...this.#fileIds];
      for (let block = event.test.parent; block; block = block.parent)
        served.push(...(this.#blockIds.get(block) ?? []));
      for (const id of served) counts[id] = (counts[id] ?? 0) + 1;
    }
  }
}

module.exports = MutateEnvironment;
