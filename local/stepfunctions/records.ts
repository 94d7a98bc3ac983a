import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Timestamps are epoch milliseconds here; the API layer sends epoch seconds, as AWS does. */
export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  /** The definition after definition substitutions, as DescribeStateMachine returns it. */
  definition: string;
  roleArn: string;
  type: 'STANDARD';
  creationDate: number;
  updateDate?: number;
  tags?: Record<string, string>;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  redriveCount: number;
  redriveDate?: number;
  /** The definition the execution started with (it keeps it across UpdateStateMachine and restarts). */
  definition?: string;
}

/** A history event in the AWS shape (`id`, `type`, `<type>EventDetails`), timestamp in epoch ms. */
export type StoredHistoryEvent = Omit<HistoryEvent, 'timestamp' | 'type'> & {
  timestamp: number;
  type: HistoryEventType;
};

export type ExecutionChange =
  | { kind: 'history'; executionArn: string; stateMachineArn: string; event: StoredHistoryEvent }
  | { kind: 'status'; execution: ExecutionRecord };
