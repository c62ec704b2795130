import { randomUUID } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

/**
 * A stand-in for SNS's endpoint on 127.0.0.1 (the query protocol the SDK speaks to SNS: a form
 * body, an XML answer) that answers each request as the test says: accept it, refuse some
 * entries of a PublishBatch, answer an HTTP status with a body that is not SNS's, drop the
 * connection, or never answer. It keeps every message it accepted, in order.
 */

/** How the stand-in answers request n (from 0). */
export type SnsAnswer =
  | "accept"
  /** Read the request, never answer. */
  | "silent"
  /** Close the connection without an answer. */
  | "drop"
  /** Answer this status with an HTML body, as a proxy in front of a dead server does. */
  | { readonly status: number }
  /**
   * Accept the PublishBatch's entries but those at `refuse` positions, which SNS refuses (with
   * neither code nor message when `bare`), and leave those at `omit` out of its answer.
   */
  | { readonly refuse: readonly number[]; readonly bare?: boolean; readonly omit?: readonly number[] };

export interface FakeSns {
  readonly endpoint: string;
  /** The messages accepted, in the order they were accepted. */
  readonly accepted: string[];
  /** Requests seen so far. */
  readonly requests: () => number;
  stop(): Promise<void>;
}

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export async function startFakeSns(answer: (request: number, action: string) => SnsAnswer): Promise<FakeSns> {
  const accepted: string[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const action = form.get("Action") ?? "";
      const how = answer(requests++, action);
      if (how === "silent") return;
      if (how === "drop") {
        req.socket.destroy();
        return;
      }
      if (typeof how === "object" && "status" in how) {
        res.writeHead(how.status, { "content-type": "text/html" });
        res.end(`<html><body>${how.status} Bad Gateway</body></html>`);
        return;
      }
      const { refuse = [], bare = false, omit = [] } = typeof how === "object" ? how : {};
      let result: string;
      if (action === "Publish") {
        accepted.push(form.get("Message") ?? "");
        result = `<PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>`;
      } else {
        const successful: string[] = [];
        const failed: string[] = [];
        for (let n = 1; form.has(`PublishBatchRequestEntries.member.${n}.Id`); n++) {
          const id = form.get(`PublishBatchRequestEntries.member.${n}.Id`)!;
          if (omit.includes(n - 1)) continue;
          if (refuse.includes(n - 1)) {
            const reason = bare ? "" : "<Code>InternalError</Code><Message>refused by the test</Message>";
            failed.push(`<member><Id>${escape(id)}</Id>${reason}<SenderFault>false</SenderFault></member>`);
          } else {
            accepted.push(form.get(`PublishBatchRequestEntries.member.${n}.Message`) ?? "");
            successful.push(`<member><Id>${escape(id)}</Id><MessageId>${randomUUID()}</MessageId></member>`);
          }
        }
        result =
          `<PublishBatchResult><Successful>${successful.join("")}</Successful>` +
          `<Failed>${failed.join("")}</Failed></PublishBatchResult>`;
      }
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<${action}Response xmlns="${XMLNS}">${result}` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
