import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { json } from './history-writer';
import type { HistoryWriter } from './history-writer';
import type { InterpreterEvent } from './interpreter';

const ABORTABLE = new Set(['Task', 'Wait', 'Map', 'Parallel']);

/**
 * Turns the interpreter's event stream into AWS history events for states. Task attempts
 * (TaskScheduled ... TaskSucceeded) are written by the task runner, and execution-level events by the
 * service, so they are ignored here.
 */
export class InterpreterEventMapper {
  private readonly active = new Map<string, string>();

  constructor(private readonly history: HistoryWriter) {}

  handle(event: InterpreterEvent): void {
    switch (event.type) {
      case 'StateEntered': {
        const { name, type, input } = event.state;
        this.active.set(name, type);
        this.append(`${type}StateEntered`, { name, input: json(input), inputDetails: { truncated: false } });
        if (type === 'Parallel' || type === 'Map') this.append(`${type}StateStarted`);
        return;
      }
      case 'StateExited': {
        const { name, type, output } = event.state;
        this.active.delete(name);
        if (type === 'Parallel' || type === 'Map') this.append(`${type}StateSucceeded`);
        this.append(`${type}StateExited`, {
          name,
          output: json(output),
          outputDetails: { truncated: false },
        });
        return;
      }
      case 'StateFailed': {
        const { type } = event.state;
        if (type === 'Parallel' || type === 'Map') this.append(`${type}StateFailed`);
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.append(event.type, { name: event.parentState.name, index: event.index });
        return;
      default:
        return;
    }
  }

  /** Records `<Type>StateAborted` for the states in progress when the execution is stopped. */
  abortActive(): void {
    for (const type of this.active.values()) {
      if (ABORTABLE.has(type)) this.append(`${type}StateAborted`);
    }
    this.active.clear();
  }

  private append(type: string, details?: Parameters<HistoryWriter['append']>[1]): void {
    // Built from the ASL state type, which the interpreter restricts to the AWS set.
    this.history.append(type as HistoryEventType, details);
  }
}
