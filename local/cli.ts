// npm run local: the entry file only runs the command (see local/local-command.ts).
import { runAsProcess } from "../cli/cli";
import { localMain } from "./local-command";

runAsProcess((argv, io) => localMain(argv, io));
