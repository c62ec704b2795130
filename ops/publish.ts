// npm run publish: the entry file only runs the command (see ops/publish-command.ts).
import { firstStopSignal, runAsProcess } from "../cli/cli";
import { publishMain } from "./publish-command";

// Ctrl-C stops sending; what SNS accepted is printed, what was not sent is counted.
runAsProcess((argv, io) => publishMain(argv, io, { stopSignal: firstStopSignal() }));
