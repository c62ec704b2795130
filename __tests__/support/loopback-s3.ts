import * as http from "http";
import { AddressInfo } from "net";

/** One request the loopback S3 server received. */
export interface S3Request {
  readonly method: string;
  /** `/<bucket>/<key>` (path-style). */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
}

export interface LoopbackS3 {
  readonly endpoint: string;
  readonly requests: readonly S3Request[];
  close(): Promise<void>;
}

/**
 * A loopback server that answers the S3 calls Terraform's S3 backend makes (path-style
 * GET/HEAD/PUT/DELETE of objects, ListObjectsV2 of workspaces) and records each request's
 * headers, so a test can see exactly how Terraform writes state and lock objects.
 * Listens on 127.0.0.1 only.
 */
export async function startLoopbackS3(): Promise<LoopbackS3> {
  const objects = new Map<string, Buffer>();
  const requests: S3Request[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const key = decodeURIComponent(url.pathname);
      requests.push({ method: req.method ?? "", path: key, headers: req.headers });
      const isBucket = key.split("/").filter(Boolean).length === 1;
      if (req.method === "GET" && isBucket) {
        res.writeHead(200, { "content-type": "application/xml" });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>',
        );
      } else if (req.method === "PUT") {
        objects.set(key, Buffer.concat(chunks));
        res.writeHead(200, { etag: '"0"' });
        res.end();
      } else if (req.method === "GET" || req.method === "HEAD") {
        const body = objects.get(key);
        if (!body) {
          res.writeHead(404, { "content-type": "application/xml" });
          res.end(req.method === "HEAD" ? undefined : "<Error><Code>NoSuchKey</Code><Message>none</Message></Error>");
          return;
        }
        res.writeHead(200, { "content-length": body.length, etag: '"0"', "content-type": "application/json" });
        res.end(req.method === "HEAD" ? undefined : body);
      } else if (req.method === "DELETE") {
        objects.delete(key);
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(400);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
