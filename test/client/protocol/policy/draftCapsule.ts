import { expect } from "chai";

import { ProtocolError } from "../../../../client/src/protocol/errors";
import { canonicalJson } from "../../../../client/src/protocol/jcs";

export const MARKET = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
export const GATEWAY = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

/** A capsule as plain JSON, loose enough for tests to break it in any way. */
export interface Draft {
  [key: string]: unknown;
  identity: Record<string, unknown>;
  egress: { rules: Record<string, unknown>[] } & Record<string, unknown>;
  limits: Record<string, unknown>;
}

export function sample(): Draft {
  return {
    version: "swarm/policy/v1",
    identity: {
      issuer: "https://token.actions.githubusercontent.com",
      audience: `swarm:84532:${MARKET}:${GATEWAY}`,
      repository: "octo-org/octo-repo",
      repositoryId: "123456789",
      jobWorkflowRef: "octo-org/octo-repo/.github/workflows/step.yml",
      refs: ["refs/heads/main"],
      eventNames: ["workflow_dispatch"],
      runnerEnvironments: ["github-hosted"],
      requireShaMatch: true,
      allowUnboundRuns: false,
    },
    egress: {
      rules: [
        {
          effect: "allow",
          scheme: "https",
          host: "api.example.com",
          port: "443",
          methods: ["GET", "POST"],
          pathPrefix: "/v1/",
        },
        { effect: "deny", scheme: "https", host: "*.example.com", port: "443", methods: ["*"], pathPrefix: "/" },
      ],
    },
    limits: { maxSeconds: "3600", maxStateBytes: "10485760" },
  };
}

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const canonicalText = (value: unknown): string => canonicalJson(value);
/** The canonical bytes of the sample after `edit` has changed it. */
export function capsuleWith(edit: (d: Draft) => void): Uint8Array {
  const d = sample();
  edit(d);
  return encode(canonicalText(d));
}

/** Runs `fn`, expects a ProtocolError with exactly `code`, and returns it. */
export function expectCode(fn: () => unknown, code: string): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as ProtocolError).code, (err as Error).message).to.equal(code);
    return err as ProtocolError;
  }
  expect.fail(`expected ProtocolError ${code}, got no error`);
}
