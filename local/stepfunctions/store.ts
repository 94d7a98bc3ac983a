import {
  appendFileSync,
  existsSync,
  statSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StateCheckpoint } from './checkpoint.ts';
import type { ExecutionRecord, StateMachineRecord, StoredHistoryEvent } from './records.ts';

/** A checkpoint journal longer than this is rewritten to its last entry at the next save. */
const CHECKPOINT_JOURNAL_BYTES = 1 << 20;

/**
 * Files under `<dataDir>/stepfunctions/`: one JSON document per state machine and per execution
 * (replaced atomically: write a temporary file, then rename), per running execution its checkpoint
 * journal, and an append-only JSONL history per execution. Without a data folder nothing is persisted.
 * Synchronous I/O keeps the history order exactly the order of events.
 *
 * A checkpoint is saved on every step of every execution, so it is appended, one line per save, and
 * the last whole line is the checkpoint: replacing a file by rename costs a data flush on ext4 (its
 * `auto_da_alloc` heuristic), which was most of the runtime's CPU time under load.
 */
export class StepFunctionsStore {
  private readonly root: string | undefined;
  /** Bytes appended to each checkpoint journal since it was last started or compacted. */
  private readonly journalBytes = new Map<string, number>();

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
    if (!this.root) return;
    const relativePath = `${executionPath(executionArn)}.checkpoint.jsonl`;
    const path = join(this.root, relativePath);
    const line = `${JSON.stringify(checkpoint)}\n`;
    const size = Buffer.byteLength(line);
    const written = this.journalBytes.get(path) ?? existingSize(path);
    if (written + size > CHECKPOINT_JOURNAL_BYTES) {
      this.writeText(relativePath, line);
      this.journalBytes.set(path, size);
      return;
    }
    appendFileSync(path, line);
    this.journalBytes.set(path, written + size);
  }

  /** The last whole entry of the journal (a line cut short by a crash was never saved). */
  loadCheckpoint(executionArn: string): StateCheckpoint | undefined {
    if (!this.root) return undefined;
    const base = join(this.root, executionPath(executionArn));
    if (existsSync(`${base}.checkpoint.jsonl`)) {
      const lines = readFileSync(`${base}.checkpoint.jsonl`, 'utf8').split('\n');
      for (let index = lines.length - 1; index >= 0; index -= 1) {
        const line = lines[index];
        if (!line) continue;
        try {
          return JSON.parse(line) as StateCheckpoint;
        } catch {
          continue;
        }
      }
      return undefined;
    }
    // Data folders written before the journal kept one replaced document.
    const document = `${base}.checkpoint.json`;
    return existsSync(document) ? (JSON.parse(readFileSync(document, 'utf8')) as StateCheckpoint) : undefined;
  }

  deleteCheckpoint(executionArn: string): void {
    if (!this.root) return;
    const base = join(this.root, executionPath(executionArn));
    this.journalBytes.delete(`${base}.checkpoint.jsonl`);
    rmSync(`${base}.checkpoint.jsonl`, { force: true });
    rmSync(`${base}.checkpoint.json`, { force: true });
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
    this.writeText(relativePath, JSON.stringify(document, null, 2));
  }

  private writeText(relativePath: string, text: string): void {
    if (!this.root) return;
    const path = join(this.root, relativePath);
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  }
}

function existingSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
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
