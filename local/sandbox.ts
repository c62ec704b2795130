// npm run sandbox: the entry file only runs the command (see local/sandbox-command.ts).
import { runAsProcess } from "../cli/cli";
import { sandboxMain } from "./sandbox-command";

runAsProcess((argv, io) => sandboxMain(argv, io));
