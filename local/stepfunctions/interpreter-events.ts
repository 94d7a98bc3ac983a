import type { HistoryEventType } from '@aws-sdk/client-sfn';
import type { ExecutionJournal } from './checkpoint.ts';
import { json } from './history-writer.ts';
import type { HistoryWriter } from './history-writer.ts';
import type { InterpreterEvent } from './interpreter.ts';
import { HIDDEN_STATE_PREFIX } from './definition.ts';
import { isJsonObject } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { MAX_PAYLOAD_BYTES, payloadBytes } from './payload-limit.ts';
import { waitDeadline } from './wait-deadline.ts';

export interface EventMapperOptions {
  history: HistoryWriter;
  journal: ExecutionJournal;
  /** The registered states of this scope (the top level or one branch) by name: their entries are checkpointed. */
  topLevelStates: ReadonlyMap<string, JsonObject>;
  /** States the interpreter runs as Tasks, with their real type (see definition.ts). */
  typeOverrides: ReadonlyMap<string, string>;
  /** The workflow variables now: a state's checkpoint keeps them as it is entered. */
  variables(): Readonly<JsonObject>;
  /**
   * The state a resumed run starts in. After a restart (`entryRecorded`) its entry (and exit, if
   * recorded) is already in the history; after a redrive its entry is written again and its checkpoint
   * keeps the branches the redrive kept.
   */
  resumed?: { name: string; entryRecorded: boolean };
  /** A state's input or output is above the payload limit: the execution fails. */
  onDataLimitExceeded(stateName: string, what: 'input' | 'output'): void;
}

const ABORTABLE = new Set(['Task', 'Wait', 'Map', 'Parallel']);

/**
 * Turns the interpreter's event stream into AWS history events for states. Task attempts
 * (TaskScheduled ... TaskSucceeded) are written by the task runner, and execution-level events by the
 * service, so they are ignored here. Entering a top-level state saves the execution's checkpoint first
 * (with a Wait state's deadline).
 */
export class InterpreterEventMapper {
  private readonly active = new Map<string, string>();
  /** Parallel/Map states whose current run failed: a Catch exits them without a Succeeded event. */
  private readonly failed = new Set<string>();
  private readonly history: HistoryWriter;
  private resumedState: string | undefined;
  private resumedExit: string | undefined;
  private redrivenState: string | undefined;

  constructor(private readonly options: EventMapperOptions) {
    this.history = options.history;
    const { resumed } = options;
    if (resumed?.entryRecorded) {
      this.resumedState = resumed.name;
      this.resumedExit = resumed.name;
    } else this.redrivenState = resumed?.name;
  }

  handle(event: InterpreterEvent): void {
    if ('state' in event && event.state.name.startsWith(HIDDEN_STATE_PREFIX)) return;
    switch (event.type) {
      case 'StateEntered': {
        const { name, input } = event.state;
        const type = this.typeOf(name, event.state.type);
        this.active.set(name, type);
        if (name === this.resumedState) {
          this.resumedState = undefined;
          return;
        }
        this.checkpointEntry(name, type, input as JsonValue, event.timestamp);
        const inputText = json(input);
        // The interpreter's own time of entry: a Wait's deadline counts from it.
        this.append(
          `${type}StateEntered`,
          { name, input: inputText, inputDetails: { truncated: false } },
          event.timestamp,
        );
        if (payloadBytes(inputText) > MAX_PAYLOAD_BYTES) this.options.onDataLimitExceeded(name, 'input');
        return;
      }
      case 'StateExited': {
        const { name } = event.state;
        const type = this.typeOf(name, event.state.type);
        // A JSONata Choice's handler answers the rule it picked with the state's output.
        const output =
          type === 'Choice' && this.options.typeOverrides.has(name) && isJsonObject(event.state.output)
            ? event.state.output['output']
            : event.state.output;
        this.active.delete(name);
        if (name === this.resumedExit) {
          // The state the run resumed in may have exited just before the restart.
          this.resumedExit = undefined;
          if (this.history.hasExitedLastEntry(name)) return;
        }
        if ((type === 'Parallel' || type === 'Map') && !this.failed.delete(name)) {
          this.append(`${type}StateSucceeded`);
        }
        const outputText = json(output);
        if (payloadBytes(outputText) > MAX_PAYLOAD_BYTES) {
          this.options.onDataLimitExceeded(name, 'output');
          return;
        }
        this.append(
          `${type}StateExited`,
          { name, output: outputText, outputDetails: { truncated: false } },
          event.timestamp,
        );
        return;
      }
      case 'StateFailed': {
        const { name } = event.state;
        const type = this.typeOf(name, event.state.type);
        if (type === 'Parallel' || type === 'Map') {
          this.failed.add(name);
          this.append(`${type}StateFailed`);
        }
        return;
      }
      case 'StateRetried':
        this.failed.delete(event.state.name);
        return;
      default:
        return;
    }
  }

  private checkpointEntry(name: string, type: string, input: JsonValue, enteredAt: number): void {
    const state = this.options.topLevelStates.get(name);
    if (!state) return;
    const waitUntil = type === 'Wait' ? waitDeadline(state, input, enteredAt) : undefined;
    const variables = structuredClone(this.options.variables()) as JsonObject;
    // A Map/Parallel state entered again by a redrive keeps the branches that succeeded before.
    const redriven = name === this.redrivenState;
    this.redrivenState = undefined;
    const branches = redriven ? this.options.journal.stateNamed(name)?.branches : undefined;
    this.options.journal.enterState({ name, type, input, enteredAt, waitUntil, variables, branches });
  }

  private typeOf(name: string, interpreterType: string): string {
    return this.options.typeOverrides.get(name) ?? interpreterType;
  }

  /** Records `<Type>StateAborted` for the states in progress when the execution is stopped. */
  abortActive(): void {
    for (const type of this.active.values()) {
      if (ABORTABLE.has(type)) this.append(`${type}StateAborted`);
    }
    this.active.clear();
  }

  private append(type: string, details?: Parameters<HistoryWriter['append']>[1], timestamp?: number): void {
    // Built from the ASL state type, which the interpreter restricts to the AWS set.
    this.history.append(type as HistoryEventType, details, timestamp);
  }
}
