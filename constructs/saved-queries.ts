import { Construct } from "constructs";
import { CloudwatchQueryDefinition } from "@cdktf/provider-aws/lib/cloudwatch-query-definition";
import { PropsValidator } from "./validation";

export interface SavedQueriesProps {
  /**
   * The folder the queries are saved in (CloudWatch shows `<folder>/<query>`): 1-200 characters,
   * usually the stack's prefix, so two stacks' queries never mix.
   */
  readonly folder: string;
  /** The log groups every query reads (a consumer's), 1-50 of them. */
  readonly logGroupNames: readonly string[];
}

/**
 * The saved query names, part of the runbook: each is `<folder>/<name>`.
 * The order-history query's placeholder `ORDER-ID` is replaced by the order to follow.
 */
export const SAVED_QUERY_NAMES = {
  failuresByReason: "failures-and-rejections-by-reason",
  orderHistory: "order-history",
  slowestBatches: "slowest-batches",
} as const;

/** Logs Insights query strings over the consumer's JSON log lines and its one EMF document per invocation. */
export const SAVED_QUERY_STRINGS: Record<keyof typeof SAVED_QUERY_NAMES, string> = {
  failuresByReason: [
    "fields @timestamp, outcome, errorKind",
    '| filter outcome in ["rejected", "failed"]',
    "| stats count(*) as orders by bin(5m), outcome, errorKind",
  ].join("\n"),
  orderHistory: [
    "fields @timestamp, level, message, outcome, messageId, receiveCount, errorKind, error",
    '| filter orderId = "ORDER-ID"',
    "| sort @timestamp asc",
  ].join("\n"),
  slowestBatches: [
    "fields @timestamp, @requestId, batchDurationMs * 1 as durationMs, BatchSize, OrdersStored, OrdersFailed",
    "| filter ispresent(BatchSize)",
    "| sort durationMs desc",
    "| limit 20",
  ].join("\n"),
};

/**
 * Saved CloudWatch Logs Insights queries scoped to a consumer's log groups: failures and
 * rejections by reason over time, one order's history by orderId, the slowest batches.
 */
export class SavedQueries extends Construct {
  /** The query definitions, by `SAVED_QUERY_NAMES` key. */
  public readonly queries: Readonly<Record<keyof typeof SAVED_QUERY_NAMES, CloudwatchQueryDefinition>>;

  constructor(scope: Construct, id: string, props: SavedQueriesProps) {
    super(scope, id);
    new PropsValidator("SavedQueries", this.node.path)
      .expect(
        props.folder.length >= 1 && props.folder.length <= 200,
        `folder must be 1-200 characters (given ${props.folder.length})`,
      )
      .expect(
        props.logGroupNames.length >= 1 && props.logGroupNames.length <= 50,
        `logGroupNames must hold 1-50 log groups (given ${props.logGroupNames.length})`,
      )
      .throwIfInvalid();
    const keys = Object.keys(SAVED_QUERY_NAMES) as (keyof typeof SAVED_QUERY_NAMES)[];
    this.queries = Object.fromEntries(
      keys.map((key) => [
        key,
        new CloudwatchQueryDefinition(this, key, {
          name: `${props.folder}/${SAVED_QUERY_NAMES[key]}`,
          logGroupNames: [...props.logGroupNames],
          queryString: SAVED_QUERY_STRINGS[key],
        }),
      ]),
    ) as Record<keyof typeof SAVED_QUERY_NAMES, CloudwatchQueryDefinition>;
  }
}
