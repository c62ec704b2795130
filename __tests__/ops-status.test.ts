import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { poisonOrder } from "../contract/samples";
import { statusMain } from "../ops/status-command";
import { FaultServer, startFaultProxy } from "./support/fault-servers";
import { recordingIo } from "./support/io";
import { LocalSqs, startLocalSqs } from "./support/local-sqs";

/**
 * `npm run status` against local-aws-sqs with an outputs file naming the queues and the server, as
 * the sandbox writes outputs.local.json: healthy, a dead letter, a server that never answers.
 */

let local: LocalSqs;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-status-"));
let n = 0;

beforeAll(async () => {
  local = await startLocalSqs();
});

afterAll(() => local.stop());

/** A queue and its DLQ on `endpoint`, and an outputs file naming them (the endpoint given by `outputsEndpoint`). */
async function stackOutputs(outputsEndpoint = local.endpoint): Promise<{ dlqUrl: string; outputs: string }> {
  n++;
  const queue = await local.sqs.send(new CreateQueueCommand({ QueueName: `status-${n}` }));
  const dlq = await local.sqs.send(new CreateQueueCommand({ QueueName: `status-${n}-dlq` }));
  const outputs = path.join(dir, `outputs-${n}.json`);
  const rewrite = (url: string): string => url.replace(local.endpoint, outputsEndpoint);
  fs.writeFileSync(
    outputs,
    JSON.stringify({
      "orders-dev": {
        queue_url: rewrite(queue.QueueUrl!),
        dlq_url: rewrite(dlq.QueueUrl!),
        aws_region: "us-east-1",
        aws_endpoint_url_sqs: outputsEndpoint,
      },
    }),
  );
  return { dlqUrl: dlq.QueueUrl!, outputs };
}

describe("npm run status", () => {
  test("exits 0 and says healthy when the DLQ is empty", async () => {
    const { outputs } = await stackOutputs();
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(0);
    expect(io.out()).toBe("queue: 0 visible, 0 in flight\nDLQ:   0 message(s)\nstatus: healthy\n");
  });

  test("exits 1 and shows the newest dead letter with why it failed when the DLQ holds one", async () => {
    const { dlqUrl, outputs } = await stackOutputs();
    await local.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(poisonOrder()) }));
    const io = recordingIo();
    expect(await statusMain(["--outputs", outputs], io)).toBe(1);
    const lines = io.out().split("\n");
    expect(lines[1]).toBe("DLQ:   1 message(s): a person needs to look (npm run dlq -- list)");
    expect(lines[2]).toMatch(/InvalidOrderError: invalid order: /);
    expect(lines[3]).toBe("status: UNHEALTHY");
  });

  test("exits 1 within its timeout when the SQS server accepts connections and never answers", async () => {
    const stall: FaultServer = await startFaultProxy(local.endpoint, () => "stall");
    try {
      const { outputs } = await stackOutputs(stall.endpoint);
      const io = recordingIo();
      const started = Date.now();
      expect(await statusMain(["--outputs", outputs, "--timeout", "2"], io)).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(io.err()).toMatch(/^no answer from SQS within 2 s \(http:\/\/127\.0\.0\.1:\d+\)\n$/);
    } finally {
      await stall.stop();
    }
  });

  test("exits 2 naming the option, its range and the value given for a bad --newest", async () => {
    const io = recordingIo();
    expect(await statusMain(["--newest", "99"], io)).toBe(2);
    expect(io.err()).toBe(
      '--newest must be an integer between 0 and 20 (given "99")\nSee "npm run status -- --help".\n',
    );
  });
});
