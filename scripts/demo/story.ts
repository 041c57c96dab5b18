import { formatEther } from "viem";

/** Facts printed at the end of a story line. */
export interface LineFacts {
  /** Gas used by the line's transaction(s). */
  readonly gas?: bigint;
  /** Milliseconds the line's work took. */
  readonly ms?: number;
}

/** Width of the actor column. */
const ACTOR_WIDTH = 9;

/** Short forms for the story: hashes shortened, ether and gas readable, durations in seconds. */
export const fmt = {
  /** `0x1234abcd…` (the first `chars` hex digits). */
  hex: (value: string, chars = 8): string => (value.length > chars + 2 ? `${value.slice(0, chars + 2)}…` : value),
  eth: (wei: bigint): string => `${formatEther(wei)} ETH`,
  gas: (gas: bigint): string => gas.toLocaleString("en-US"),
  seconds: (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`,
};

/**
 * The demo's printed story: one line per thing that happened, who did it, and what it cost. Every line is also
 * kept, so the story can be saved with the artifacts.
 */
export class Story {
  private muted = false;

  constructor(
    private readonly sink: (line: string) => void,
    /** Every line printed so far, by this story and its continuations. */
    readonly lines: string[] = [],
  ) {}

  private emit(line: string): void {
    if (this.muted) return;
    this.lines.push(line);
    this.sink(line);
  }

  /**
   * Silences this story and returns a fresh one printing to the same place: the ending is told by the returned
   * story alone, and work still winding down after an interruption cannot interleave lines with it.
   */
  handOver(): Story {
    this.muted = true;
    return new Story(this.sink, this.lines);
  }

  /** The story's title. */
  title(text: string): void {
    this.emit(text);
    this.emit("=".repeat(Math.min(text.length, 100)));
  }

  /** A new part of the story. */
  section(text: string): void {
    this.emit("");
    this.emit(`── ${text} ${"─".repeat(Math.max(3, 96 - text.length))}`);
  }

  /** One thing an actor did, with its gas and time when given. */
  say(actor: string, text: string, facts: LineFacts = {}): void {
    const extras = [
      facts.gas === undefined ? undefined : `gas ${fmt.gas(facts.gas)}`,
      facts.ms === undefined ? undefined : fmt.seconds(facts.ms),
    ].filter((x) => x !== undefined);
    const suffix = extras.length === 0 ? "" : `  [${extras.join(", ")}]`;
    this.emit(`  ${actor.padEnd(ACTOR_WIDTH)} ${text}${suffix}`);
  }

  /** A continuation line under the previous one. */
  detail(text: string): void {
    this.emit(`  ${" ".repeat(ACTOR_WIDTH)}   ${text}`);
  }

  /** A plain line. */
  plain(text: string): void {
    this.emit(text);
  }
}
