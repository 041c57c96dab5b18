import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";

import { GATEWAY_NODE_ENV, GATEWAY_NODE_FLAGS } from "../../devnet/gatewayProcess";

describe("devnet/gatewayProcess", () => {
  it("starts the gateway with the Node.js flags and environment `npm run gateway` uses (tests measure what ships)", () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const script = pkg.scripts["gateway"]!.split(/\s+/);
    for (const flag of GATEWAY_NODE_FLAGS) expect(script, flag).to.include(flag);
    for (const [name, value] of Object.entries(GATEWAY_NODE_ENV)) expect(script, name).to.include(`${name}=${value}`);
    expect(script).to.include("gateway/src/main.ts");
  });
});
