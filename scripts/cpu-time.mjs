// The CPU time a benchmark's child processes used, shared by bench.mjs and bench-tests.mjs.
import { readFileSync } from "node:fs";

/** CPU seconds used by this process's waited-for children so far (Linux /proc), or undefined. */
export function childrenCpuSeconds() {
  try {
    // Fields after the command's closing parenthesis; cutime and cstime are the 14th and 15th.
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}
