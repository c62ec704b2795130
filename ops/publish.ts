// npm run publish: the entry file only runs the command (see ops/publish-command.ts).
import { runAsProcess } from "../cli/cli";
import { publishMain } from "./publish-command";

runAsProcess((argv, io) => publishMain(argv, io));
