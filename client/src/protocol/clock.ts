/** The current time, injected wherever logic needs it so tests can fix it. */
export type Clock = () => Date;

/** The machine's clock: used only at the edges where the process is wired together. */
export const systemClock: Clock = () => new Date();

/** Whole seconds since the Unix epoch of a clock's current time. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock().getTime() / 1000);
}
