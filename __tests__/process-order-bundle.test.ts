import * as path from "path";
import { describeHandlerContract } from "./support/handler-contract";

// The file SqsLambda zips and deploys, built by esbuild in the jest global setup.
describeHandlerContract(
  "ProcessOrderLambda (built bundle)",
  path.join(__dirname, "..", "dist", "functions", "process-order", "index.js"),
);
