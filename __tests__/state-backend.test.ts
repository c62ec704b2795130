import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { S3Request, startLoopbackS3 } from "./support/loopback-s3";
import { TERRAFORM, describeWithTerraform, terraform as runTerraform, terraformEnv } from "./support/terraform";
import { pipelineStackNames } from "../config/environments";
import { configurationFromEnv } from "../stacks/app";
import { projectDefaultStack, projectEnvironmentsPlus, unusedEnvironmentName } from "./support/configuration";
import { TfJson, onlyResource, statementsOf, synthApp } from "./support/tf-json";

/**
 * The S3 backend as Terraform itself runs it, offline: `terraform init` on each synthesized
 * stack folder (config and backend block checked before any AWS call), and the state and
 * lock writes of Terraform 1.11's S3 backend recorded by a loopback S3 server and judged
 * against the state bucket's policy. Runs where a terraform binary is on PATH (CI machines have
 * one; support/terraform.ts says when it is missing).
 */

/** Where terraformEnv() points STS (and every AWS endpoint): a closed loopback port, so calls fail at once. */
const STS = "127.0.0.1:1";

/** The committed configuration's state account: the staging environment below reaches it through a role. */
const STATE_ACCOUNT = configurationFromEnv({}).settings.stateAccount;

/** terraform, offline (support/terraform.ts), with dummy credentials so the backend gets as far as STS. */
async function terraform(cwd: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  const result = await runTerraform(cwd, [...args, "-no-color"], {
    AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  });
  return { ok: result.code === 0, output: result.stdout + result.stderr };
}

/**
 * The project's environments plus one (its name unused there) that assumes roles for both the
 * deployment and the state, synthesized.
 */
const crossAccount = {
  name: unusedEnvironmentName("staging"),
  account: "444455556666",
  roleArn: "arn:aws:iam::444455556666:role/orders-deploy",
  stateRoleArn: `arn:aws:iam::${STATE_ACCOUNT}:role/orders-state`,
};
const environments = {
  ORDERS_ENVIRONMENTS_FILE: projectEnvironmentsPlus(crossAccount),
  ORDERS_STATE_ACCOUNT: STATE_ACCOUNT,
};
const pipelines = pipelineStackNames(configurationFromEnv(environments));
const crossAccountStack = pipelines[pipelines.length - 1];

/** A copy of a synthesized stack folder. */
function copyStack(outdir: string, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tf-${name}-`));
  fs.cpSync(path.join(outdir, "stacks", name), dir, { recursive: true });
  return dir;
}

describeWithTerraform("terraform init on each synthesized stack folder", () => {
  let outdir: string;
  /** What `terraform init` said in a copy of each stack folder, by stack: all run at once (each waits on a refused call). */
  let inits: Map<string, { ok: boolean; output: string }>;
  let badKey: { ok: boolean; output: string };
  const init = (dir: string) => terraform(dir, ["init", "-input=false", "-backend-config=max_retries=0"]);
  beforeAll(async () => {
    outdir = synthApp(environments).outdir;
    // A copy of the first stack with a kms_key_id that is not a key.
    const broken = copyStack(outdir, pipelines[0]);
    const file = path.join(broken, "cdk.tf.json");
    const tf = JSON.parse(fs.readFileSync(file, "utf8"));
    tf.terraform.backend.s3.kms_key_id = "not a key";
    fs.writeFileSync(file, JSON.stringify(tf));
    const results = await Promise.all([...pipelines.map((name) => init(copyStack(outdir, name))), init(broken)]);
    inits = new Map(pipelines.map((name, i) => [name, results[i]]));
    badKey = results[pipelines.length];
  }, 120_000);

  test.each(pipelines)(
    "accepts %s's configuration and backend block (kms_key_id alias/orders-state) and stops only at the credential check",
    (name) => {
      const { ok, output } = inits.get(name)!;
      expect(ok).toBe(false);
      expect(output).toContain("Initializing the backend...");
      expect(output).toContain(STS);
      expect(output).not.toMatch(/Error: Invalid|Unsupported argument|Warning:/);
    },
  );

  test(`asks STS for ${crossAccountStack}'s state role (another account's) before anything else`, () => {
    expect(inits.get(crossAccountStack)!.output).toMatch(/arn:aws:iam::111122223333:role\/orders-state/);
  });

  test("refuses a kms_key_id that is not a key, before any AWS call (the check the alias passes)", () => {
    expect(badKey.ok).toBe(false);
    expect(badKey.output).toContain("Invalid KMS Key ID");
    expect(badKey.output).not.toContain(STS);
  });
});

/** The condition keys of a PutObject as S3 evaluates it (over HTTPS, as the real endpoint is). */
function requestContext(request: S3Request): Record<string, string | undefined> {
  return {
    "s3:x-amz-server-side-encryption": request.headers["x-amz-server-side-encryption"] as string | undefined,
    "s3:x-amz-server-side-encryption-aws-kms-key-id": request.headers["x-amz-server-side-encryption-aws-kms-key-id"] as
      string | undefined,
    "aws:SecureTransport": "true",
  };
}

/** Whether a bucket-policy Deny statement applies to a PutObject with this context (the operators the policy uses). */
function denies(statement: TfJson, context: Record<string, string | undefined>): boolean {
  if (statement.effect !== "Deny") return false;
  if (!(statement.actions as string[]).some((a) => a === "s3:*" || a === "s3:PutObject")) return false;
  return (statement.condition ?? []).every((c: TfJson) => {
    const value = context[c.variable];
    if (c.test === "Bool") return value !== undefined && c.values.includes(value);
    if (c.test === "StringNotEquals") return value === undefined || !c.values.includes(value);
    if (c.test === "StringNotEqualsIfExists") return value !== undefined && !c.values.includes(value);
    if (c.test === "Null") return (value === undefined) === (c.values[0] === "true");
    throw new Error(`the test does not evaluate ${c.test}`);
  });
}

describeWithTerraform("Terraform 1.11's S3 backend writing state and lock objects", () => {
  let puts: (kmsKeyId: string | undefined) => Promise<S3Request[]>;
  let backendStack: string;
  let bucketPolicy: TfJson[];
  let stacks: Record<string, TfJson>;
  beforeAll(async () => {
    stacks = synthApp().stacks;
    const bootstrap = stacks["orders-state-bootstrap"];
    bucketPolicy = statementsOf(bootstrap, onlyResource(bootstrap, "aws_s3_bucket_policy").policy);
    backendStack = projectDefaultStack();
    const backend = stacks[backendStack].terraform.backend.s3;
    puts = async (kmsKeyId) => {
      const s3 = await startLoopbackS3();
      try {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-backend-"));
        // The loopback answers no STS call, and the account pin refuses an account it cannot learn (its own test).
        const { allowed_account_ids: _pin, ...unpinned } = backend;
        const block = { ...unpinned, kms_key_id: kmsKeyId };
        fs.writeFileSync(
          path.join(dir, "main.tf.json"),
          JSON.stringify({ terraform: { backend: { s3: block } }, output: { written: { value: 1 } } }),
        );
        // Only where to send S3 calls changes; the stack's own backend block is used as synthesized.
        fs.writeFileSync(
          path.join(dir, "loopback.tfbackend"),
          [
            `endpoints = { s3 = "${s3.endpoint}" }`,
            "use_path_style = true",
            "skip_credentials_validation = true",
            "skip_requesting_account_id = true",
            "skip_metadata_api_check = true",
            "",
          ].join("\n"),
        );
        const init = await terraform(dir, ["init", "-input=false", "-backend-config=loopback.tfbackend"]);
        expect(init).toEqual({ ok: true, output: expect.any(String) });
        const apply = await terraform(dir, ["apply", "-input=false", "-auto-approve"]);
        expect(apply).toEqual({ ok: true, output: expect.stringContaining("Apply complete!") });
        return s3.requests.filter((r) => r.method === "PUT");
      } finally {
        await s3.close();
      }
    };
  });

  test("writes the lock file and the state SSE-KMS with the state key's alias, both of which the bucket policy admits", async () => {
    const written = await puts("alias/orders-state");
    const bucket = stacks[backendStack].terraform.backend.s3.bucket;
    expect(written.map((r) => r.path)).toEqual([
      `/${bucket}/order-pipeline/${backendStack}.tfstate.tflock`,
      `/${bucket}/order-pipeline/${backendStack}.tfstate`,
    ]);
    for (const request of written) {
      expect(request.headers).toMatchObject({
        "x-amz-server-side-encryption": "aws:kms",
        "x-amz-server-side-encryption-aws-kms-key-id": "alias/orders-state",
      });
      expect(bucketPolicy.filter((s) => denies(s, requestContext(request)))).toEqual([]);
    }
    expect(written[0].headers["if-none-match"]).toBe("*");
  });

  test("without kms_key_id writes both objects AES256, and the bucket policy refuses them", async () => {
    const written = await puts(undefined);
    expect(written).toHaveLength(2);
    for (const request of written) {
      expect(request.headers["x-amz-server-side-encryption"]).toBe("AES256");
      expect(bucketPolicy.filter((s) => denies(s, requestContext(request))).map((s) => s.sid)).toEqual([
        "DenyObjectWritesNotSseKms",
      ]);
    }
  });

  test("SSE-KMS under another key (aws/s3) writes both objects, and the bucket policy refuses them for the key", async () => {
    const written = await puts("alias/aws/s3");
    expect(written).toHaveLength(2);
    for (const request of written) {
      expect(request.headers["x-amz-server-side-encryption-aws-kms-key-id"]).toBe("alias/aws/s3");
      expect(bucketPolicy.filter((s) => denies(s, requestContext(request))).map((s) => s.sid)).toEqual([
        "DenyObjectWritesUnderAnotherKey",
      ]);
    }
  });

  test("a backend pinned to the state account refuses credentials whose account it cannot confirm, before any write", async () => {
    const s3 = await startLoopbackS3();
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-backend-"));
      const backend = stacks[backendStack].terraform.backend.s3;
      expect(backend.allowed_account_ids).toEqual([STATE_ACCOUNT]);
      fs.writeFileSync(
        path.join(dir, "main.tf.json"),
        JSON.stringify({ terraform: { backend: { s3: backend } }, output: { written: { value: 1 } } }),
      );
      fs.writeFileSync(
        path.join(dir, "loopback.tfbackend"),
        `endpoints = { s3 = "${s3.endpoint}" }\nuse_path_style = true\nskip_credentials_validation = true\nskip_requesting_account_id = true\nskip_metadata_api_check = true\n`,
      );
      const init = await terraform(dir, ["init", "-input=false", "-backend-config=loopback.tfbackend"]);
      expect(init).toEqual({ ok: false, output: expect.stringContaining("AWS account ID not allowed") });
      expect(s3.requests).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  test("a write that names no encryption at all is refused by the second statement", () => {
    const bare = { method: "PUT", path: "/b/k", headers: {} };
    expect(bucketPolicy.filter((s) => denies(s, requestContext(bare))).map((s) => s.sid)).toEqual([
      "DenyObjectWritesNotSseKms",
      "DenyObjectWritesWithoutEncryptionHeader",
    ]);
  });
});

test("names the terraform binary the backend tests ran with, or says they were skipped", () => {
  const version = TERRAFORM
    ? execFileSync(TERRAFORM, ["version"], { encoding: "utf8", env: terraformEnv() }).split("\n")[0]
    : "none";
  expect(version).toMatch(TERRAFORM ? /^Terraform v1\.(1[1-9]|[2-9]\d)\./ : /^none$/);
});
