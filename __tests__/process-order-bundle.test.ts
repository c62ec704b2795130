import * as path from "path";
import { describeHandlerContract } from "./support/handler-contract";

// The file SqsLambda zips and deploys, built by esbuild in the jest global setup. Its large batch
// is process-order-load.test.ts's: 10,000 records through this same file.
describeHandlerContract(
  "ProcessOrderLambda (built bundle)",
  path.join(__dirname, "..", "dist", "functions", "process-order", "index.js"),
  { largeBatch: false },
);
