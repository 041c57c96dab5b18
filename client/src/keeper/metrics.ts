import { Counter, Gauge, Registry } from "prom-client";

/** The keeper's Prometheus metrics. */
export interface KeeperMetrics {
  readonly registry: Registry;
  /** Transactions by action (claim, finalize, reclaim, settleLapsed) and result (sent, already). */
  readonly actions: Counter<"action" | "result">;
  /** Failures by stable code (RPC down, evidence missing, quorum not reached, …). */
  readonly errors: Counter<"code">;
  /** Consumed steps not yet Settled or Refunded. */
  readonly pending: Gauge;
  /** The last block scanned. */
  readonly cursorBlock: Gauge;
  /** The chain's head as last read. */
  readonly headBlock: Gauge;
  /** Reorgs noticed below the confirmation depth (the cursor was rewound). */
  readonly reorgs: Counter;
}

/** Creates the keeper's metrics in a registry of their own (`swarm_keeper_*`). */
export function createKeeperMetrics(registry: Registry = new Registry()): KeeperMetrics {
  return {
    registry,
    actions: new Counter({
      name: "swarm_keeper_actions_total",
      help: "Market transactions by action and result",
      labelNames: ["action", "result"] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: "swarm_keeper_errors_total",
      help: "Failures by stable code",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
    pending: new Gauge({
      name: "swarm_keeper_pending_steps",
      help: "Steps not yet settled or refunded",
      registers: [registry],
    }),
    cursorBlock: new Gauge({ name: "swarm_keeper_cursor_block", help: "Last block scanned", registers: [registry] }),
    headBlock: new Gauge({ name: "swarm_keeper_head_block", help: "Chain head as last read", registers: [registry] }),
    reorgs: new Counter({
      name: "swarm_keeper_reorgs_total",
      help: "Reorgs noticed; cursor rewound",
      registers: [registry],
    }),
  };
}
