/**
 * Registers every command group on the program. Each group lives in its own file and exports
 * `register<Group>Commands(program: Command): void`; add one import and one call per group, in help order.
 */
import type { Command } from "commander";

import { registerBundleCommands } from "./bundle";
import { registerBuyCommands } from "./buy";
import { registerEntitlementCommands } from "./entitlement";
import { registerKeeperCommands } from "./keeper";
import { registerOfferCommands } from "./offer";
import { registerPermitCommands } from "./permit";
import { registerProxyCommands } from "./proxy";
import { registerRunCommands } from "./run";
import { registerSessionsCommands } from "./sessions";
import { registerStateCommands } from "./state";
import { registerVerifyCommands } from "./verify";
import { registerWitnessCommands } from "./witness";

/** Registers all command groups, in the order `swarm --help` lists them. */
export function registerAllCommands(program: Command): void {
  registerOfferCommands(program);
  registerBuyCommands(program);
  registerSessionsCommands(program);
  registerPermitCommands(program);
  registerRunCommands(program);
  registerProxyCommands(program);
  registerStateCommands(program);
  registerEntitlementCommands(program);
  registerKeeperCommands(program);
  registerVerifyCommands(program);
  registerBundleCommands(program);
  registerWitnessCommands(program);
}
