import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateCheckpoint } from '#local/stepfunctions/checkpoint.ts';
import { StepFunctionsStore } from '#local/stepfunctions/store.ts';

const ARN = 'arn:aws:states:us-east-1:000000000000:execution:machine:run-1';
const checkpoint = (name: string, input: string = name): StateCheckpoint => ({
  name,
  type: 'Task',
  input,
  enteredAt: 1,
  retryCount: 0,
  retrierAttempts: [],
  retryPending: false,
});

describe('the Step Functions checkpoint journal', () => {
  const roots: string[] = [];
  const store = () => {
    const root = mkdtempSync(join(tmpdir(), 'sfn-journal-'));
    roots.push(root);
    // The execution's folder is made when its record is saved, before any checkpoint.
    mkdirSync(join(root, 'stepfunctions', 'executions', 'machine'), { recursive: true });
    return { root, store: new StepFunctionsStore(root) };
  };
  const journalOf = (root: string) =>
    join(root, 'stepfunctions', 'executions', 'machine', 'run-1.checkpoint.jsonl');
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('answers the last save, also from a new store over the same folder', () => {
    const { root, store: first } = store();
    first.saveCheckpoint(ARN, checkpoint('A'));
    first.saveCheckpoint(ARN, checkpoint('B'));
    expect(first.loadCheckpoint(ARN)?.name).toBe('B');
    expect(new StepFunctionsStore(root).loadCheckpoint(ARN)?.name).toBe('B');
  });

  it('ignores a last line cut short by a crash', () => {
    const { root, store: first } = store();
    first.saveCheckpoint(ARN, checkpoint('A'));
    first.saveCheckpoint(ARN, checkpoint('B'));
    appendFileSync(journalOf(root), '{"name":"C","ty');
    expect(new StepFunctionsStore(root).loadCheckpoint(ARN)?.name).toBe('B');
  });

  it('rewrites a journal past 1 MiB to its last entry', () => {
    const { root, store: first } = store();
    const big = 'x'.repeat(300 * 1024);
    for (const name of ['A', 'B', 'C', 'D', 'E']) first.saveCheckpoint(ARN, checkpoint(name, big));
    expect(statSync(journalOf(root)).size).toBeLessThanOrEqual(1 << 20);
    expect(readFileSync(journalOf(root), 'utf8').split('\n').filter(Boolean).length).toBeLessThan(5);
    expect(first.loadCheckpoint(ARN)?.name).toBe('E');
  });

  it('reads the single document of a data folder written before the journal, and deletes both', () => {
    const { root, store: first } = store();
    first.saveCheckpoint(ARN, checkpoint('A'));
    rmSync(journalOf(root));
    const legacy = journalOf(root).replace(/\.jsonl$/, '.json');
    writeFileSync(legacy, JSON.stringify(checkpoint('Old'), null, 2));
    expect(first.loadCheckpoint(ARN)?.name).toBe('Old');
    first.deleteCheckpoint(ARN);
    expect(first.loadCheckpoint(ARN)).toBeUndefined();
  });
});
