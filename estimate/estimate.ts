// npm run estimate: the entry file only runs the command (see estimate/estimate-command.ts).
import { runAsProcess } from "../cli/cli";
import { estimateMain } from "./estimate-command";

runAsProcess((argv, io) => estimateMain(argv, io));
