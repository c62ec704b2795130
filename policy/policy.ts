// npm run policy: the entry file only runs the command (see policy/policy-command.ts).
import { runAsProcess } from "../cli/cli";
import { policyMain } from "./policy-command";

runAsProcess(policyMain);
