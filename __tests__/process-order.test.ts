import * as path from "path";
import { describeHandlerContract } from "./support/handler-contract";

describeHandlerContract(
  "ProcessOrderLambda (TypeScript source)",
  path.join(__dirname, "..", "functions", "process-order", "index.ts"),
);
