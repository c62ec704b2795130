import { CommandIo } from "../../cli/cli";

/** A CommandIo that records what a command writes, with an optional answer to confirmations. */
export function recordingIo(answer?: boolean): CommandIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    confirm: answer === undefined ? undefined : async () => answer,
    out: () => out,
    err: () => err,
  };
}
