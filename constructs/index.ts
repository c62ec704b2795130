export * from "./defaults";
export * from "./fanout-topic";
export * from "./order-pipeline-stack";
export * from "./orders-table";
export * from "./policy";
export * from "./queue-with-dlq";
export * from "./sqs-lambda";
export * from "./validation";
