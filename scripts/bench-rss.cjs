// Preloaded into every node process of a measured command (through NODE_OPTIONS):
// appends the process's peak resident set size, in KiB, to $BENCH_RSS_FILE on exit.
const fs = require("fs");

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    fs.appendFileSync(file, `${process.resourceUsage().maxRSS}\n`);
  });
}
