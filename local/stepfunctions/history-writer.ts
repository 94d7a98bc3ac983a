import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StoredHistoryEvent } from './records.ts';

type DetailsKey = Extract<keyof HistoryEvent, `${string}EventDetails`>;
/** Any of the SDK's `<type>EventDetails` shapes. */
export type EventDetails = NonNullable<HistoryEvent[DetailsKey]>;

/** `TaskStateEntered` → `stateEnteredEventDetails`, `TaskFailed` → `taskFailedEventDetails`, ... */
function detailsKey(type: HistoryEventType): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/** Appends numbered events to one execution's history; after `close()` further events are dropped
 * (a task that finishes after its execution was stopped must not extend the history). */
export class HistoryWriter {
  private closed = false;

  constructor(
    private readonly events: StoredHistoryEvent[],
    private readonly sink: (event: StoredHistoryEvent) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** `timestamp` (epoch ms): when it happened, if not now (the interpreter reports state events late). */
  append(type: HistoryEventType, details?: EventDetails, timestamp = Date.now()): void {
    if (this.closed) return;
    const id = this.events.length + 1;
    const event: StoredHistoryEvent = { id, previousEventId: id - 1, timestamp, type };
    if (details !== undefined) Object.assign(event, { [detailsKey(type)]: details });
    this.events.push(event);
    this.sink(event);
  }

  close(): void {
    this.closed = true;
  }

  /** RedriveExecution: the closed history continues. */
  reopen(): void {
    this.closed = false;
  }

  /** Index of the last event of one of `types` (-1 when none). */
  lastIndexOf(types: ReadonlySet<string>): number {
    return this.events.findLastIndex((event) => types.has(event.type));
  }

  /** Whether the history already holds `<Type>StateExited` for the last entry of `stateName`. */
  hasExitedLastEntry(stateName: string): boolean {
    for (let index = this.events.length - 1; index >= 0; index -= 1) {
      const event = this.events[index];
      if (event?.stateExitedEventDetails?.name === stateName) return true;
      if (event?.stateEnteredEventDetails?.name === stateName) return false;
    }
    return false;
  }
}

export const json = (value: unknown): string => JSON.stringify(value ?? null);
