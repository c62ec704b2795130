import { DefaultTokenResolver, StringConcat, TerraformOutput, TerraformVariable, Tokenization } from "cdktf";
import { Construct } from "constructs";
import {
  EncryptionKey,
  Grant,
  IQueueWithDlq,
  PolicyDocument,
  PolicyStatement,
  QueueWithDlq,
  QueueWithDlqProps,
} from "../constructs";
import {
  TfJson,
  idWhere,
  onlyResource,
  resourcesOf,
  statementsOf,
  synthConstructs,
  synthError,
  viaServiceCondition,
} from "./support/tf";

function synthQueue(props: Partial<QueueWithDlqProps> = {}): TfJson {
  return synthConstructs((scope) => new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue", ...props }));
}

function errorOf(props: Partial<QueueWithDlqProps>): string {
  return synthError((scope) => new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue", ...props }));
}

describe("QueueWithDlq with default props", () => {
  let tf: TfJson;
  let queue: TfJson;
  let dlq: TfJson;
  let queueId: string;
  let dlqId: string;
  beforeAll(() => {
    tf = synthQueue();
    queueId = idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueue");
    dlqId = idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueueDLQ");
    queue = resourcesOf(tf, "aws_sqs_queue")[queueId];
    dlq = resourcesOf(tf, "aws_sqs_queue")[dlqId];
  });

  test("names the DLQ after the queue with a DLQ suffix", () => {
    expect(Object.keys(resourcesOf(tf, "aws_sqs_queue"))).toHaveLength(2);
    expect(dlq.name).toBe("p-OrderQueueDLQ");
  });

  test("redrives to the DLQ after 3 receives through jsonencode", () => {
    expect(queue.redrive_policy).toBe(
      `\${jsonencode({"deadLetterTargetArn" = aws_sqs_queue.${dlqId}.arn, "maxReceiveCount" = 3})}`,
    );
  });

  test("keeps DLQ messages 14 days, longer than the queue's 4 days", () => {
    expect(dlq.message_retention_seconds).toBe(1209600);
    expect(queue.message_retention_seconds).toBe(345600);
  });

  test("sets a 180 s visibility timeout and 20 s long polling", () => {
    expect(queue.visibility_timeout_seconds).toBe(180);
    expect(queue.receive_wait_time_seconds).toBe(20);
  });

  test("encrypts both queues with SQS-managed keys, which SNS can deliver into", () => {
    for (const q of [queue, dlq]) {
      expect(q.sqs_managed_sse_enabled).toBe(true);
      expect(q.kms_master_key_id).toBeUndefined();
    }
  });

  test("admits only its source queue to the DLQ in a separate redrive-allow policy", () => {
    const policies = Object.values(resourcesOf(tf, "aws_sqs_queue_redrive_allow_policy"));
    expect(policies).toEqual([
      {
        queue_url: `\${aws_sqs_queue.${dlqId}.url}`,
        redrive_allow_policy: `\${jsonencode({"redrivePermission" = "byQueue", "sourceQueueArns" = [aws_sqs_queue.${queueId}.arn]})}`,
      },
    ]);
    expect(dlq.redrive_allow_policy).toBeUndefined();
  });

  test("writes exactly one queue policy per queue, each denying requests without TLS", () => {
    const policies = Object.values(resourcesOf(tf, "aws_sqs_queue_policy"));
    expect(policies.map((p) => p.queue_url).sort()).toEqual(
      [`\${aws_sqs_queue.${dlqId}.url}`, `\${aws_sqs_queue.${queueId}.url}`].sort(),
    );
    for (const [policy, id] of [
      [policies.find((p) => p.queue_url.includes(queueId))!, queueId],
      [policies.find((p) => p.queue_url.includes(dlqId))!, dlqId],
    ] as const) {
      expect(statementsOf(tf, policy.policy)).toEqual([
        {
          sid: "DenyInsecureTransport",
          effect: "Deny",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["sqs:*"],
          resources: [`\${aws_sqs_queue.${id}.arn}`],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ]);
    }
  });
});

describe("QueueWithDlq's references", () => {
  /** The value of each output `build` adds, as synthesized. */
  const outputsOf = (build: (scope: Construct) => Record<string, string | undefined>): Record<string, unknown> => {
    const tf = synthConstructs((scope) => {
      for (const [name, value] of Object.entries(build(scope)))
        new TerraformOutput(scope, name, { value: value ?? "none" });
    });
    return Object.fromEntries(Object.entries(tf.output as TfJson).map(([name, o]) => [name, (o as TfJson).value]));
  };

  test("point at its queue's and its DLQ's ARN, URL and name", () => {
    const outputs = outputsOf((scope) => {
      const q = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue" });
      return {
        queueArn: q.queueArn,
        queueUrl: q.queueUrl,
        queueName: q.queueName,
        dlqArn: q.deadLetterQueueArn,
        dlqUrl: q.deadLetterQueueUrl,
        dlqName: q.deadLetterQueueName,
      };
    });
    expect(outputs).toEqual({
      queueArn: expect.stringMatching(/^\$\{aws_sqs_queue\.Q_Queue_\w+\.arn\}$/),
      queueUrl: expect.stringMatching(/^\$\{aws_sqs_queue\.Q_Queue_\w+\.url\}$/),
      queueName: expect.stringMatching(/^\$\{aws_sqs_queue\.Q_Queue_\w+\.name\}$/),
      dlqArn: expect.stringMatching(/^\$\{aws_sqs_queue\.Q_DeadLetterQueue_\w+\.arn\}$/),
      dlqUrl: expect.stringMatching(/^\$\{aws_sqs_queue\.Q_DeadLetterQueue_\w+\.url\}$/),
      dlqName: expect.stringMatching(/^\$\{aws_sqs_queue\.Q_DeadLetterQueue_\w+\.name\}$/),
    });
  });

  test("have no DLQ and no key when the DLQ is turned off under SQS-managed keys", () => {
    const outputs = outputsOf((scope) => {
      const q = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue", deadLetterQueue: false });
      return {
        dlqArn: q.deadLetterQueueArn,
        dlqUrl: q.deadLetterQueueUrl,
        dlqName: q.deadLetterQueueName,
        key: q.encryptionKeyArn,
      };
    });
    expect(outputs).toEqual({ dlqArn: "none", dlqUrl: "none", dlqName: "none", key: "none" });
  });

  test("name its policy alone as what a sender waits for under SQS-managed keys", () => {
    let queue: QueueWithDlq | undefined;
    synthConstructs((scope) => {
      queue = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue" });
    });
    expect(queue!.policyDependables).toEqual([queue!.queuePolicy]);
  });

  test("point at its customer key's ARN, and its policy and key as what a sender waits for", () => {
    let queue: QueueWithDlq | undefined;
    let key: EncryptionKey | undefined;
    const outputs = outputsOf((scope) => {
      key = new EncryptionKey(scope, "K", { alias: "k", description: "k" });
      queue = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue", encryptionKey: key });
      return { key: queue.encryptionKeyArn };
    });
    expect(outputs).toEqual({ key: expect.stringMatching(/^\$\{aws_kms_key\.K_Key_\w+\.arn\}$/) });
    expect(queue!.policyDependables).toEqual([queue!.queuePolicy, key!.key]);
  });
});

describe("QueueWithDlq overrides", () => {
  test("uses the given maxReceiveCount in the redrive policy", () => {
    const tf = synthQueue({ maxReceiveCount: 5 });
    const queue = resourcesOf(tf, "aws_sqs_queue")[idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueue")];
    expect(queue.redrive_policy).toContain('"maxReceiveCount" = 5');
  });

  test("uses the given DLQ name and retention", () => {
    const tf = synthQueue({ deadLetterQueue: { queueName: "p-Failed", messageRetentionSeconds: 864000 } });
    const dlq = resourcesOf(tf, "aws_sqs_queue")[idWhere(tf, "aws_sqs_queue", "name", "p-Failed")];
    expect(dlq.message_retention_seconds).toBe(864000);
  });

  test("encrypts both queues with the given customer-managed key", () => {
    const tf = synthConstructs((scope) => {
      const encryptionKey = new EncryptionKey(scope, "K", {
        alias: "q",
        description: "q",
        usedThrough: [{ service: "sqs" }],
      });
      new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue", encryptionKey });
    });
    const keyArn = `\${aws_kms_key.${Object.keys(resourcesOf(tf, "aws_kms_key"))[0]}.arn}`;
    for (const q of Object.values(resourcesOf(tf, "aws_sqs_queue"))) {
      expect(q.kms_master_key_id).toBe(keyArn);
      expect(q.sqs_managed_sse_enabled).toBeUndefined();
    }
  });

  test("creates no DLQ, redrive or redrive-allow policy when the DLQ is turned off", () => {
    const tf = synthQueue({ deadLetterQueue: false });
    expect(Object.values(resourcesOf(tf, "aws_sqs_queue")).map((q) => q.name)).toEqual(["p-OrderQueue"]);
    expect(Object.values(resourcesOf(tf, "aws_sqs_queue"))[0].redrive_policy).toBeUndefined();
    expect(resourcesOf(tf, "aws_sqs_queue_redrive_allow_policy")).toEqual({});
    expect(Object.keys(resourcesOf(tf, "aws_sqs_queue_policy"))).toHaveLength(1);
  });

  test("composes statements added by integrations into the queue's one policy", () => {
    const tf = synthConstructs((scope) => {
      const q = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue" });
      q.addToResourcePolicy({ sid: "A", effect: "Allow", actions: ["sqs:SendMessage"], resources: [q.queue.arn] });
      q.addToResourcePolicy({ sid: "B", effect: "Allow", actions: ["sqs:SendMessage"], resources: [q.queue.arn] });
    });
    const queueId = idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueue");
    const policies = Object.values(resourcesOf(tf, "aws_sqs_queue_policy")).filter((p) =>
      p.queue_url.includes(queueId),
    );
    expect(policies).toHaveLength(1);
    expect(statementsOf(tf, policies[0].policy).map((s) => s.sid)).toEqual(["DenyInsecureTransport", "A", "B"]);
  });

  test("refuses a different statement under a sid the queue's policy already has, naming the policy and sid", () => {
    const error = synthError((scope) => {
      const q = new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue" });
      q.addToResourcePolicy({ sid: "A", effect: "Allow", actions: ["sqs:SendMessage"], resources: [q.queue.arn] });
      q.addToResourcePolicy({ sid: "A", effect: "Allow", actions: ["sqs:ReceiveMessage"], resources: [q.queue.arn] });
    });
    expect(error).toBe('stack/Q/QueuePolicyDocument: a different statement with sid "A" already exists');
  });

  test("skips range checks for values Terraform resolves at plan time", () => {
    const tf = synthConstructs((scope) => {
      const visibility = new TerraformVariable(scope, "visibility", { type: "number" });
      new QueueWithDlq(scope, "Q", { queueName: "p-OrderQueue", visibilityTimeoutSeconds: visibility.numberValue });
    });
    const queue = resourcesOf(tf, "aws_sqs_queue")[idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueue")];
    expect(queue.visibility_timeout_seconds).toBe("${var.visibility}");
  });
});

/** What grantConsume returns for a grantee that keeps nothing, on the queue `build` adds to a fresh stack. */
function consumeGrant(build: (scope: Construct) => IQueueWithDlq): Grant {
  let grant: Grant | undefined;
  synthConstructs((scope) => {
    grant = build(scope).grantConsume({ addToRolePolicy: () => undefined });
  });
  return grant!;
}

describe("QueueWithDlq.grantConsume", () => {
  const grant = (scope: Construct, props: Partial<QueueWithDlqProps> = {}): void => {
    const grants = new PolicyDocument(scope, "Grants");
    new QueueWithDlq(scope, "OrderQueue", { queueName: "p-OrderQueue", ...props }).grantConsume({
      addToRolePolicy: (statement) => grants.addStatements(statement),
    });
  };
  const grantsOf = (tf: TfJson): TfJson[] =>
    Object.values(resourcesOf(tf, "aws_iam_policy_document", "data")).find(
      (d) => d.statement[0].sid === "ConsumeOrderQueue",
    )!.statement;

  test("gives receive, delete and attributes on the source queue only, and no key use under SSE-SQS", () => {
    const tf = synthConstructs((scope) => grant(scope));
    expect(grantsOf(tf)).toEqual([
      {
        sid: "ConsumeOrderQueue",
        effect: "Allow",
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        resources: [`\${aws_sqs_queue.${idWhere(tf, "aws_sqs_queue", "name", "p-OrderQueue")}.arn}`],
      },
    ]);
  });

  test("adds kms:Decrypt on the queue's customer key, through SQS in the stack's region only", () => {
    const tf = synthConstructs((scope) =>
      grant(scope, { encryptionKey: new EncryptionKey(scope, "K", { alias: "q", description: "q" }) }),
    );
    expect(grantsOf(tf)[1]).toEqual({
      sid: "DecryptOrderQueue",
      effect: "Allow",
      actions: ["kms:Decrypt"],
      resources: [`\${aws_kms_key.${Object.keys(resourcesOf(tf, "aws_kms_key"))[0]}.arn}`],
      condition: [viaServiceCondition("sqs")],
    });
  });
});

describe("QueueWithDlq.grantConsume on several queues", () => {
  test("gives one grantee each queue under its own statement ids, and returns what it added", () => {
    const grants: Grant[] = [];
    const tf = synthConstructs((scope) => {
      const document = new PolicyDocument(scope, "Grants");
      const grantee = { addToRolePolicy: (statement: PolicyStatement) => document.addStatements(statement) };
      const encryptionKey = new EncryptionKey(scope, "K", { alias: "k", description: "k" });
      for (const id of ["OrderQueue", "UsdQueue"]) {
        const queue = new QueueWithDlq(scope, id, { queueName: `p-${id}`, encryptionKey });
        grants.push(queue.grantConsume(grantee));
        grants.push(queue.grantConsume(grantee));
      }
    });
    const grantsId = Object.keys(resourcesOf(tf, "aws_iam_policy_document", "data")).find((id) =>
      id.startsWith("Grants"),
    )!;
    const statements = resourcesOf(tf, "aws_iam_policy_document", "data")[grantsId].statement;
    expect(statements.map((s: TfJson) => s.sid)).toEqual([
      "ConsumeOrderQueue",
      "DecryptOrderQueue",
      "ConsumeUsdQueue",
      "DecryptUsdQueue",
    ]);
    expect(grants.map((g) => g.principalStatements.map((s) => s.sid))).toEqual([
      ["ConsumeOrderQueue", "DecryptOrderQueue"],
      ["ConsumeOrderQueue", "DecryptOrderQueue"],
      ["ConsumeUsdQueue", "DecryptUsdQueue"],
      ["ConsumeUsdQueue", "DecryptUsdQueue"],
    ]);
  });

  test("returns the consume statement alone under SQS-managed keys", () => {
    const grant = consumeGrant((scope) => new QueueWithDlq(scope, "Q", { queueName: "q" }));
    expect(grant.principalStatements.map((statement) => statement.sid)).toEqual(["ConsumeQ"]);
  });

  test("reports no statement on a resource policy or pending: a consumer needs only its own role's", () => {
    const grant = consumeGrant((scope) => {
      const encryptionKey = new EncryptionKey(scope, "K", { alias: "k", description: "k" });
      return new QueueWithDlq(scope, "Q", { queueName: "q", encryptionKey });
    });
    // toStrictEqual: toEqual would take [undefined] for [].
    expect([grant.resourceStatements, grant.pendingStatements]).toStrictEqual([[], []]);
  });
});

describe("QueueWithDlq.fromQueueArn", () => {
  const queueArn = "arn:aws:sqs:eu-west-1:111122223333:shared-orders";
  const keyArn = "arn:aws:kms:eu-west-1:111122223333:key/abc";

  test("knows the queue's name and URL, and its DLQ's, from their ARNs", () => {
    let queue: IQueueWithDlq | undefined;
    synthConstructs((scope) => {
      queue = QueueWithDlq.fromQueueArn(scope, "Shared", queueArn, {
        deadLetterQueueArn: "arn:aws-cn:sqs:cn-north-1:111122223333:shared-dlq",
        maxReceiveCount: 5,
      });
    });
    expect([queue!.queueName, queue!.queueUrl, queue!.deadLetterQueueName, queue!.deadLetterQueueUrl]).toEqual([
      "shared-orders",
      "https://sqs.eu-west-1.amazonaws.com/111122223333/shared-orders",
      "shared-dlq",
      "https://sqs.cn-north-1.amazonaws.com.cn/111122223333/shared-dlq",
    ]);
  });

  test("grants a consumer receive, delete and attributes on it, and kms:Decrypt on its key through SQS", () => {
    const tf = synthConstructs((scope) => {
      const grants = new PolicyDocument(scope, "Grants");
      QueueWithDlq.fromQueueArn(scope, "Shared", queueArn, { encryptionKeyArn: keyArn }).grantConsume({
        addToRolePolicy: (statement) => grants.addStatements(statement),
      });
    });
    expect(onlyResource(tf, "aws_iam_policy_document", "data").statement).toEqual([
      {
        sid: "ConsumeShared",
        effect: "Allow",
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        resources: [queueArn],
      },
      {
        sid: "DecryptShared",
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [keyArn],
        condition: [viaServiceCondition("sqs")],
      },
    ]);
  });

  test("writes no queue policy: adding a statement reports false", () => {
    let added: boolean | undefined;
    const tf = synthConstructs((scope) => {
      added = QueueWithDlq.fromQueueArn(scope, "Shared", queueArn).addToResourcePolicy({
        effect: "Allow",
        actions: ["sqs:SendMessage"],
      });
    });
    expect([added, resourcesOf(tf, "aws_sqs_queue_policy"), resourcesOf(tf, "aws_sqs_queue")]).toEqual([false, {}, {}]);
  });

  test("reads the name of a queue ARN Terraform knows only at plan time with split and element", () => {
    let queue: IQueueWithDlq | undefined;
    synthConstructs((scope) => {
      const arn = new TerraformVariable(scope, "queue_arn", { type: "string" });
      queue = QueueWithDlq.fromQueueArn(scope, "Shared", arn.stringValue);
    });
    expect(
      Tokenization.resolve(queue!.queueName, { scope: queue!, resolver: new DefaultTokenResolver(new StringConcat()) }),
    ).toBe('${element(split(":", var.queue_arn), 5)}');
  });

  test("rejects a DLQ ARN of another service and settings out of SQS's range, in one error", () => {
    expect(
      synthError((scope) =>
        QueueWithDlq.fromQueueArn(scope, "Shared", queueArn, {
          deadLetterQueueArn: "arn:aws:sns:eu-west-1:111122223333:dlq",
          maxReceiveCount: 0,
          visibilityTimeoutSeconds: 43201,
        }),
      ),
    ).toBe(
      [
        "Invalid QueueWithDlq.fromQueueArn props at stack/Shared:",
        '  - deadLetterQueueArn must be an ARN such as arn:aws:sqs:us-east-1:111122223333:orders-dev-OrderQueue (given "arn:aws:sns:eu-west-1:111122223333:dlq")',
        "  - maxReceiveCount must be an integer between 1 and 1000 (given 0)",
        "  - visibilityTimeoutSeconds must be an integer between 0 and 43200 (given 43201)",
      ].join("\n"),
    );
  });

  test("grants a consumer of a queue without a key no key use", () => {
    const grant = consumeGrant((scope) => QueueWithDlq.fromQueueArn(scope, "Shared", queueArn));
    expect(grant.principalStatements.map((statement) => statement.sid)).toEqual(["ConsumeShared"]);
  });

  test("rejects ARNs of other services and a receive count without a DLQ, in one error", () => {
    expect(
      synthError((scope) =>
        QueueWithDlq.fromQueueArn(scope, "Shared", "arn:aws:sns:eu-west-1:111122223333:topic", {
          maxReceiveCount: 3,
          encryptionKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/orders",
        }),
      ),
    ).toBe(
      [
        "Invalid QueueWithDlq.fromQueueArn props at stack/Shared:",
        '  - queueArn must be an ARN such as arn:aws:sqs:us-east-1:111122223333:orders-dev-OrderQueue (given "arn:aws:sns:eu-west-1:111122223333:topic")',
        '  - encryptionKeyArn must be an ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (given "arn:aws:kms:eu-west-1:111122223333:alias/orders")',
        "  - maxReceiveCount applies only with a deadLetterQueueArn (given maxReceiveCount 3 and no deadLetterQueueArn)",
      ].join("\n"),
    );
  });
});

describe("QueueWithDlq validation", () => {
  test("rejects a maxReceiveCount of 0", () => {
    expect(errorOf({ maxReceiveCount: 0 })).toBe(
      "Invalid QueueWithDlq props at stack/Q:\n  - maxReceiveCount must be an integer between 1 and 1000 (given 0)",
    );
  });

  test("rejects a visibility timeout over 12 hours", () => {
    expect(errorOf({ visibilityTimeoutSeconds: 43201 })).toContain(
      "visibilityTimeoutSeconds must be an integer between 0 and 43200 (given 43201)",
    );
  });

  test("rejects a retention under one minute", () => {
    expect(errorOf({ messageRetentionSeconds: 59 })).toContain(
      "messageRetentionSeconds must be an integer between 60 and 1209600 (given 59)",
    );
  });

  test("rejects a long-polling wait over 20 seconds", () => {
    expect(errorOf({ receiveWaitTimeSeconds: 21 })).toContain(
      "receiveWaitTimeSeconds must be an integer between 0 and 20 (given 21)",
    );
  });

  test("rejects a queue name over 80 characters", () => {
    const name = "q".repeat(81);
    expect(errorOf({ queueName: name })).toContain(
      `queueName must be 1-80 characters of letters, digits, - and _ (given "${name}", 81 characters)`,
    );
  });

  test("rejects a DLQ name that the default suffix pushes over 80 characters", () => {
    const name = "q".repeat(78);
    expect(errorOf({ queueName: name })).toContain(
      `deadLetterQueue.queueName must be 1-80 characters of letters, digits, - and _ (given "${name}DLQ", 81 characters)`,
    );
  });

  test("rejects a DLQ retention that is not longer than the queue's", () => {
    expect(
      errorOf({ messageRetentionSeconds: 1209600, deadLetterQueue: { messageRetentionSeconds: 1209600 } }),
    ).toContain(
      "deadLetterQueue.messageRetentionSeconds must be longer than messageRetentionSeconds, because a message keeps its original enqueue time in the DLQ (given 1209600 and 1209600)",
    );
  });

  test("rejects a DLQ retention over 14 days, naming the DLQ's setting", () => {
    expect(errorOf({ deadLetterQueue: { messageRetentionSeconds: 1209601 } })).toBe(
      "Invalid QueueWithDlq props at stack/Q:\n  - deadLetterQueue.messageRetentionSeconds must be an integer between 60 and 1209600 (given 1209601)",
    );
  });

  test("leaves the DLQ-outlives-queue check to plan time when the DLQ's retention is a Terraform variable", () => {
    const tf = synthConstructs((scope) => {
      const retention = new TerraformVariable(scope, "dlq_retention", { type: "number" });
      new QueueWithDlq(scope, "Q", {
        queueName: "q",
        deadLetterQueue: { messageRetentionSeconds: retention.numberValue },
      });
    });
    const dlq = resourcesOf(tf, "aws_sqs_queue")[idWhere(tf, "aws_sqs_queue", "name", "qDLQ")];
    expect(dlq.message_retention_seconds).toBe("${var.dlq_retention}");
  });

  test("rejects a DLQ named like its queue", () => {
    expect(errorOf({ queueName: "q", deadLetterQueue: { queueName: "q" } })).toBe(
      'Invalid QueueWithDlq props at stack/Q:\n  - deadLetterQueue.queueName must differ from queueName (given "q" for both)',
    );
  });

  test("rejects a DLQ name that is the queue name's own reference, whatever it resolves to", () => {
    const error = synthError((scope) => {
      const name = new TerraformVariable(scope, "name", { type: "string" }).stringValue;
      new QueueWithDlq(scope, "Q", { queueName: name, deadLetterQueue: { queueName: name } });
    });
    expect(error).toMatch(
      /^Invalid QueueWithDlq props at stack\/Q:\n {2}- deadLetterQueue\.queueName must differ from queueName \(given "\$\{TfToken\[TOKEN\.\d+\]\}" for both\)$/,
    );
  });

  test("rejects a maxReceiveCount given while the DLQ is turned off", () => {
    expect(errorOf({ deadLetterQueue: false, maxReceiveCount: 3 })).toContain(
      "maxReceiveCount applies only with a dead-letter queue, but deadLetterQueue is false (given maxReceiveCount 3)",
    );
  });

  test("reports every problem in one error", () => {
    expect(errorOf({ maxReceiveCount: 1001, visibilityTimeoutSeconds: -1, receiveWaitTimeSeconds: 1.5 })).toBe(
      [
        "Invalid QueueWithDlq props at stack/Q:",
        "  - visibilityTimeoutSeconds must be an integer between 0 and 43200 (given -1)",
        "  - receiveWaitTimeSeconds must be an integer between 0 and 20 (given 1.5)",
        "  - maxReceiveCount must be an integer between 1 and 1000 (given 1001)",
      ].join("\n"),
    );
  });
});
