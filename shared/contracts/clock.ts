/**
 * Where code reads the time: passed in as a collaborator, never read from `Date` inside the domain,
 * so that tests can hold it still. The worker's clock adds waiting (containers/story-processor/src/ports.ts).
 */
export interface Clock {
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };
