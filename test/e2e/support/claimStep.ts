import { type Hex, createWalletClient, http, zeroHash } from "viem";

import { swarmMarketAbi } from "../../../client/src/protocol/abi/swarmMarket";
import { type StepPermit, marketDomain, stepAttestationTypes } from "../../../client/src/protocol/eip712";
import { devAccount } from "../../../devnet/stack";
import type { World } from "./world";

/**
 * The development verifier signs a StepAttestation of a consumed step and the development keeper claims it, for
 * tests about what comes after a claim (accept, dispute, state keys), not about verifying. Throws unless mined.
 */
export async function claimAsDevVerifier(
  world: World,
  permit: StepPermit,
  step: { permitDigest: Hex; certificateHash: Hex; prevCertificateHash?: Hex },
): Promise<void> {
  const attestation = {
    entitlementId: permit.entitlementId,
    step: permit.step,
    permitDigest: step.permitDigest,
    certificateHash: step.certificateHash,
    prevCertificateHash: step.prevCertificateHash ?? zeroHash,
    commit: permit.commit,
    policyHash: permit.policyHash,
  };
  const signature = await devAccount("verifier").signTypedData({
    domain: marketDomain(31337, world.market),
    types: stepAttestationTypes,
    primaryType: "StepAttestation",
    message: attestation,
  });
  const keeper = createWalletClient({ account: devAccount("keeper"), transport: http(world.node.url) });
  const hash = await keeper.writeContract({
    chain: null,
    address: world.market,
    abi: swarmMarketAbi,
    functionName: "claim",
    args: [permit, attestation, [signature]],
  });
  const receipt = await world.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`claim of step ${permit.step} reverted`);
}
