import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { type Abi, type Hex, getAddress, keccak256, parseEventLogs, toHex, zeroHash } from "viem";

import { expectRevert } from "../helpers/errors";

/** A distinct non-zero root per label. */
function root(label: string | number): Hex {
  return keccak256(toHex(`root-${label}`));
}

async function deployAnchor() {
  const anchor = await hre.viem.deployContract("EvidenceAnchor");
  const [issuer, other] = await hre.viem.getWalletClients();
  const publicClient = await hre.viem.getPublicClient();
  return { anchor, issuer: issuer!.account!, other: other!.account!, publicClient };
}

type Fixture = Awaited<ReturnType<typeof deployAnchor>>;

function anchorFixture(): Promise<Fixture> {
  return loadFixture(deployAnchor);
}

function abi(): Abi {
  return hre.artifacts.readArtifactSync("EvidenceAnchor").abi as Abi;
}

/** Anchors epochs 1..n for `account` with roots root(1..n) and tree sizes 10, 20, …. */
async function anchorEpochs(fx: Fixture, n: number, account = fx.issuer): Promise<void> {
  let prev: Hex = zeroHash;
  for (let e = 1; e <= n; e++) {
    await fx.anchor.write.anchor([BigInt(e), root(e), BigInt(e * 10), prev], { account });
    prev = root(e);
  }
}

describe("EvidenceAnchor", () => {
  it("starts every issuer at the genesis head (0, zero root, size 0)", async () => {
    const fx = await anchorFixture();
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([0n, zeroHash, 0n]);
  });

  it("appends the first epoch over the zero root and emits Anchored", async () => {
    const fx = await anchorFixture();
    const hash = await fx.anchor.write.anchor([1n, root(1), 5n, zeroHash], { account: fx.issuer });
    const receipt = await fx.publicClient.waitForTransactionReceipt({ hash });
    const logs = parseEventLogs({ abi: fx.anchor.abi, logs: receipt.logs, eventName: "Anchored" });
    expect(logs).to.have.length(1);
    expect(logs[0]!.args).to.deep.equal({
      issuer: getAddress(fx.issuer.address),
      epoch: 1n,
      root: root(1),
      treeSize: 5n,
    });
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([1n, root(1), 5n]);
    expect(await fx.anchor.read.rootAt([fx.issuer.address, 1n])).to.equal(root(1));
  });

  it("keeps every epoch's root readable after later epochs", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 4);
    for (let e = 1; e <= 4; e++) expect(await fx.anchor.read.rootAt([fx.issuer.address, BigInt(e)])).to.equal(root(e));
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([4n, root(4), 40n]);
  });

  it("accepts a first epoch of an empty tree (size 0)", async () => {
    const fx = await anchorFixture();
    await fx.anchor.write.anchor([1n, root("empty"), 0n, zeroHash], { account: fx.issuer });
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([1n, root("empty"), 0n]);
  });

  it("accepts a re-anchor of the same root when the tree did not grow", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 1);
    await fx.anchor.write.anchor([2n, root(1), 10n, root(1)], { account: fx.issuer });
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([2n, root(1), 10n]);
  });

  it("keeps each issuer's epochs independent", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 3, fx.issuer);
    await fx.anchor.write.anchor([1n, root("other-1"), 1n, zeroHash], { account: fx.other });
    expect(await fx.anchor.read.head([fx.other.address])).to.deep.equal([1n, root("other-1"), 1n]);
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([3n, root(3), 30n]);
    expect(await fx.anchor.read.rootAt([fx.issuer.address, 1n])).to.equal(root(1));
    await expectRevert(
      fx.anchor.read.rootAt([fx.other.address, 2n]),
      "EpochNotAnchored",
      [getAddress(fx.other.address), 2n, 1n],
      abi(),
    );
  });

  it("rejects an issuer writing into another issuer's chain (epochs are per sender)", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2, fx.issuer);
    // `other` tries to extend the issuer's head: its own chain is at genesis, so epoch 3 is out of order.
    await expectRevert(
      fx.anchor.write.anchor([3n, root("evil"), 30n, root(2)], { account: fx.other }),
      "EpochOutOfOrder",
      [getAddress(fx.other.address), 1n, 3n],
      abi(),
    );
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([2n, root(2), 20n]);
  });

  it("rejects a skipped epoch", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2);
    await expectRevert(
      fx.anchor.write.anchor([4n, root(4), 40n, root(2)], { account: fx.issuer }),
      "EpochOutOfOrder",
      [getAddress(fx.issuer.address), 3n, 4n],
      abi(),
    );
  });

  it("rejects a replayed epoch that would rewrite history", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2);
    await expectRevert(
      fx.anchor.write.anchor([2n, root("rewrite"), 20n, root(1)], { account: fx.issuer }),
      "EpochOutOfOrder",
      [getAddress(fx.issuer.address), 3n, 2n],
      abi(),
    );
    expect(await fx.anchor.read.rootAt([fx.issuer.address, 2n])).to.equal(root(2));
  });

  it("rejects epoch 0 (the genesis is implicit)", async () => {
    const fx = await anchorFixture();
    await expectRevert(
      fx.anchor.write.anchor([0n, root(0), 0n, zeroHash], { account: fx.issuer }),
      "EpochOutOfOrder",
      [getAddress(fx.issuer.address), 1n, 0n],
      abi(),
    );
  });

  it("rejects a fork: an anchor extending a root other than the head's", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2);
    await expectRevert(
      fx.anchor.write.anchor([3n, root(3), 30n, root("fork")], { account: fx.issuer }),
      "PrevRootMismatch",
      [getAddress(fx.issuer.address), root(2), root("fork")],
      abi(),
    );
  });

  it("rejects a fork that extends an older epoch's root", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2);
    await expectRevert(
      fx.anchor.write.anchor([3n, root(3), 30n, root(1)], { account: fx.issuer }),
      "PrevRootMismatch",
      [getAddress(fx.issuer.address), root(2), root(1)],
      abi(),
    );
  });

  it("rejects a first epoch that claims a previous root", async () => {
    const fx = await anchorFixture();
    await expectRevert(
      fx.anchor.write.anchor([1n, root(1), 1n, root("ghost")], { account: fx.issuer }),
      "PrevRootMismatch",
      [getAddress(fx.issuer.address), zeroHash, root("ghost")],
      abi(),
    );
  });

  it("rejects a tree that shrank (a truncated log)", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2);
    await expectRevert(
      fx.anchor.write.anchor([3n, root(3), 19n, root(2)], { account: fx.issuer }),
      "TreeSizeDecreased",
      [getAddress(fx.issuer.address), 20n, 19n],
      abi(),
    );
  });

  it("rejects a different root for the same tree size (a split view)", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2);
    await expectRevert(
      fx.anchor.write.anchor([3n, root("split"), 20n, root(2)], { account: fx.issuer }),
      "RootChangedWithoutGrowth",
      [getAddress(fx.issuer.address), 20n, root(2), root("split")],
      abi(),
    );
  });

  it("rejects the zero root (the genesis sentinel)", async () => {
    const fx = await anchorFixture();
    await expectRevert(
      fx.anchor.write.anchor([1n, zeroHash, 0n, zeroHash], { account: fx.issuer }),
      "ZeroRoot",
      [],
      abi(),
    );
  });

  it("refuses to read epoch 0 or an epoch past the head", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 1);
    const issuer = getAddress(fx.issuer.address);
    await expectRevert(fx.anchor.read.rootAt([issuer, 0n]), "EpochNotAnchored", [issuer, 0n, 1n], abi());
    await expectRevert(fx.anchor.read.rootAt([issuer, 2n]), "EpochNotAnchored", [issuer, 2n, 1n], abi());
  });

  it("leaves the head unchanged after a refused anchor", async () => {
    const fx = await anchorFixture();
    await anchorEpochs(fx, 2);
    await expectRevert(
      fx.anchor.write.anchor([3n, root(3), 1n, root(2)], { account: fx.issuer }),
      "TreeSizeDecreased",
      [getAddress(fx.issuer.address), 20n, 1n],
      abi(),
    );
    expect(await fx.anchor.read.head([fx.issuer.address])).to.deep.equal([2n, root(2), 20n]);
  });
});
