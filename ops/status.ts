// npm run status: the entry file only runs the command (see ops/status-command.ts).
import { runAsProcess } from "../cli/cli";
import { statusMain } from "./status-command";

runAsProcess((argv, io) => statusMain(argv, io));
