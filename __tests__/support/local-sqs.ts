import type { Server } from "http";
import { AddressInfo } from "net";
import { SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS } from "../../cli/aws";

/**
 * local-aws-sqs, an SQS API server with redrive and the message-move task, on a free port of
 * 127.0.0.1, with a client for it. (The commands' fauxqs loads only as an ES module, which jest's
 * CommonJS runtime cannot import.)
 */
export interface LocalSqs {
  readonly endpoint: string;
  readonly sqs: SQSClient;
  /** Closes the client and the server: no listener is left. */
  stop(): Promise<void>;
}

export async function startLocalSqs(): Promise<LocalSqs> {
  const { createSqsServer } = await import("local-aws-sqs");
  const server: Server = await createSqsServer({
    port: 0,
    hostname: "127.0.0.1",
    emulateQueueCreationLifecycle: false,
  });
  if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sqs = new SQSClient({ endpoint, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
  return {
    endpoint,
    sqs,
    stop: async () => {
      sqs.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
