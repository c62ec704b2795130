// npm run smoke: the entry file only runs the command (see ops/smoke-command.ts).
import { runAsProcess } from "../cli/cli";
import { smokeMain } from "./smoke-command";

runAsProcess((argv, io) => smokeMain(argv, io));
