import * as fs from "fs";
import * as path from "path";
import { RUNBOOK_SECTIONS } from "../constructs/pipeline-alarms";
import { SAVED_QUERY_NAMES } from "../constructs/saved-queries";
import { DLQ_HELP } from "../ops/dlq-command";
import { STATUS_HELP } from "../ops/status-command";
import { TfJson, inConstruct, pipelineStacks, resourcesOf, synthApp } from "./support/tf";

const ROOT = path.join(__dirname, "..");
const RUNBOOK = fs.readFileSync(path.join(ROOT, "docs", "runbook.md"), "utf8");
const SCRIPTS = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
/** The help text of each command the runbook may name, which lists its subcommands and options. */
const HELP: Record<string, string> = { dlq: DLQ_HELP, status: STATUS_HELP };

/** The runbook's sections, by their `## ` heading. */
function sections(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of RUNBOOK.split(/^## /m).slice(1)) {
    const [heading, ...body] = part.split("\n");
    found[heading.trim()] = body.join("\n");
  }
  return found;
}

describe("docs/runbook.md", () => {
  const bySection = sections();

  test("has a section for every alarm kind, and no other", () => {
    expect(Object.keys(bySection).sort()).toEqual(Object.values(RUNBOOK_SECTIONS).sort());
  });

  test.each(Object.values(RUNBOOK_SECTIONS))(
    "says in section %s what it means, three things to look at and what to run",
    (name) => {
      const body = bySection[name];
      expect(body).toMatch(/\*\*Means:\*\* \S/);
      expect(body).toMatch(/\*\*Look at:\*\*\n\n1\. .+\n2\. .+\n3\. .+/);
      expect(body).toMatch(/\*\*Run:\*\* `npm run /);
    },
  );

  test("names only npm scripts that exist, with subcommands and options their help lists", () => {
    const commands = [...RUNBOOK.matchAll(/`npm run ([\w:-]+)((?: -- [^`]*)?)`/g)];
    expect(commands.length).toBeGreaterThan(0);
    const problems = commands.flatMap(([text, script, rest]) => {
      if (!SCRIPTS[script]) return [`${text}: no npm script ${script}`];
      const words = rest.replace(/^ -- /, "").split(/\s+/).filter(Boolean);
      const help = HELP[script] ?? "";
      return words
        .filter((word) => !word.startsWith("<"))
        .filter((word) => !help.includes(word.startsWith("--") ? `${word} ` : word))
        .map((word) => `${text}: ${word} is not in the help of npm run ${script}`);
    });
    expect(problems).toEqual([]);
  });

  test("names only saved queries the stacks define", () => {
    const named = [...RUNBOOK.matchAll(/`<prefix>\/([\w-]+)`/g)].map(([, name]) => name);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !(Object.values(SAVED_QUERY_NAMES) as string[]).includes(name))).toEqual([]);
  });
});

describe.each(Object.entries(pipelineStacks(synthApp().stacks)))("the alarms of stack %s", (stack, tf: TfJson) => {
  const alarms = Object.values(resourcesOf(tf, "aws_cloudwatch_metric_alarm"));

  test("link each alarm's description to a section of the runbook", () => {
    const links = alarms.map((alarm) => /Runbook: docs\/runbook\.md#([\w-]+)$/.exec(alarm.alarm_description)?.[1]);
    expect(links.filter((section) => !section || !sections()[section])).toEqual([]);
  });

  test("alarm on every kind the runbook describes, the four existing ones and the three business ones", () => {
    const linked = new Set(alarms.map((alarm) => alarm.alarm_description.split("#").pop()));
    expect([...linked].sort()).toEqual(Object.values(RUNBOOK_SECTIONS).sort());
  });

  test("send every alarm of the pipeline to the stack's alarm topic", () => {
    const topic = Object.entries(resourcesOf(tf, "aws_sns_topic")).find(([, t]) => t.name === `${stack}-Alarms`)![0];
    const own = inConstruct(tf, "aws_cloudwatch_metric_alarm", "Alarms");
    expect(own.length).toBeGreaterThan(0);
    for (const alarm of own) expect(alarm.alarm_actions).toEqual([`\${aws_sns_topic.${topic}.arn}`]);
  });

  test("read the business metrics where the function writes them", () => {
    const env = Object.values(resourcesOf(tf, "aws_lambda_function"))[0].environment.variables;
    const business = alarms.filter((alarm) => alarm.namespace === env.POWERTOOLS_METRICS_NAMESPACE);
    expect(business.map((alarm) => alarm.metric_name).sort()).toEqual([
      "OrderLatency",
      "OrdersFailed",
      "OrdersRejected",
    ]);
    for (const alarm of business) {
      expect(alarm.dimensions).toEqual({ service: env.POWERTOOLS_SERVICE_NAME, environment: env.ORDERS_ENVIRONMENT });
    }
    expect(business.find((alarm) => alarm.metric_name === "OrderLatency")?.extended_statistic).toBe("p99");
  });

  test("save the three Logs Insights queries, scoped to the function's log group", () => {
    const queries = Object.values(resourcesOf(tf, "aws_cloudwatch_query_definition"));
    const logGroup = Object.keys(resourcesOf(tf, "aws_cloudwatch_log_group"))[0];
    expect(queries.map((q) => q.name).sort()).toEqual(
      Object.values(SAVED_QUERY_NAMES)
        .map((name) => `${stack}/${name}`)
        .sort(),
    );
    for (const query of queries)
      expect(query.log_group_names).toEqual([`\${aws_cloudwatch_log_group.${logGroup}.name}`]);
  });
});
