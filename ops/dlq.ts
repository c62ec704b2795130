// npm run dlq: the entry file only runs the command (see ops/dlq-command.ts).
import { runAsProcess } from "../cli/cli";
import { dlqMain } from "./dlq-command";

runAsProcess((argv, io) => dlqMain(argv, io));
