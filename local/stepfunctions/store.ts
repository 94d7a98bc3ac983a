import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StateCheckpoint } from './checkpoint';
import type { ExecutionRecord, StateMachineRecord, StoredHistoryEvent } from './records';

/**
 * Files under `<dataDir>/stepfunctions/`: one JSON document per state machine and per execution, and
 * per running execution its checkpoint (each replaced atomically: write a temporary file, then
 * rename), and an append-only JSONL history per execution. Without a data folder nothing is persisted. Synchronous I/O keeps the history order
 * exactly the order of events.
 */
export class StepFunctionsStore {
  private readonly root: string | undefined;

  constructor(dataDir: string | undefined) {
    this.root = dataDir === undefined ? undefined : join(dataDir, 'stepfunctions');
    if (this.root) {
      mkdirSync(join(this.root, 'state-machines'), { recursive: true });
      mkdirSync(join(this.root, 'executions'), { recursive: true });
    }
  }

  loadStateMachines(): StateMachineRecord[] {
    return this.readDocuments<StateMachineRecord>('state-machines');
  }

  saveStateMachine(record: StateMachineRecord): void {
    this.writeDocument(join('state-machines', `${fileName(record.name)}.json`), record);
  }

  deleteStateMachine(name: string): void {
    if (this.root) rmSync(join(this.root, 'state-machines', `${fileName(name)}.json`), { force: true });
  }

  loadExecutions(): ExecutionRecord[] {
    if (!this.root) return [];
    const dir = join(this.root, 'executions');
    return readdirSync(dir).flatMap((machine) =>
      this.readDocuments<ExecutionRecord>(join('executions', machine)),
    );
  }

  saveExecution(record: ExecutionRecord): void {
    if (this.root)
      mkdirSync(join(this.root, 'executions', machineFolder(record.executionArn)), { recursive: true });
    this.writeDocument(`${executionPath(record.executionArn)}.json`, record);
  }

  saveCheckpoint(executionArn: string, checkpoint: StateCheckpoint): void {
    this.writeDocument(`${executionPath(executionArn)}.checkpoint.json`, checkpoint);
  }

  loadCheckpoint(executionArn: string): StateCheckpoint | undefined {
    if (!this.root) return undefined;
    const path = join(this.root, `${executionPath(executionArn)}.checkpoint.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StateCheckpoint) : undefined;
  }

  deleteCheckpoint(executionArn: string): void {
    if (this.root) rmSync(join(this.root, `${executionPath(executionArn)}.checkpoint.json`), { force: true });
  }

  appendHistory(executionArn: string, event: StoredHistoryEvent): void {
    if (!this.root) return;
    appendFileSync(
      join(this.root, `${executionPath(executionArn)}.history.jsonl`),
      `${JSON.stringify(event)}\n`,
    );
  }

  loadHistory(executionArn: string): StoredHistoryEvent[] {
    if (!this.root) return [];
    const path = join(this.root, `${executionPath(executionArn)}.history.jsonl`);
    if (!existsSync(path)) return [];
    const events: StoredHistoryEvent[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as StoredHistoryEvent);
      } catch {
        break; // a line cut short by a crash ends the history
      }
    }
    return events;
  }

  private readDocuments<T>(folder: string): T[] {
    if (!this.root) return [];
    const dir = join(this.root, folder);
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json') && !name.endsWith('.checkpoint.json'))
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T);
  }

  private writeDocument(relativePath: string, document: unknown): void {
    if (!this.root) return;
    const path = join(this.root, relativePath);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(document, null, 2));
    renameSync(temporary, path);
  }
}

function fileName(name: string): string {
  return encodeURIComponent(name);
}

function machineFolder(executionArn: string): string {
  return fileName(executionArn.split(':').at(-2) ?? '');
}

/** `executions/<machine>/<execution>` (without extension). */
function executionPath(executionArn: string): string {
  return join('executions', machineFolder(executionArn), fileName(executionArn.split(':').at(-1) ?? ''));
}
