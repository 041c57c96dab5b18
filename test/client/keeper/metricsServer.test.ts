import { expect } from "chai";

import { createKeeperMetrics } from "../../../client/src/keeper/metrics";
import { startMetricsServer } from "../../../client/src/keeper/metricsServer";

describe("keeper metrics endpoint", () => {
  it("serves the keeper's metrics on 127.0.0.1 only, at /metrics", async () => {
    const metrics = createKeeperMetrics();
    metrics.actions.inc({ action: "claim", result: "sent" });
    const server = await startMetricsServer(metrics.registry, 0);
    try {
      expect(new URL(server.url).hostname).to.equal("127.0.0.1");
      const text = await (await fetch(server.url)).text();
      expect(text).to.include('swarm_keeper_actions_total{action="claim",result="sent"} 1');
      expect((await fetch(server.url.replace("/metrics", "/other"))).status).to.equal(404);
    } finally {
      await server.close();
    }
  });
});
