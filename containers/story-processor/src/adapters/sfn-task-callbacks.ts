import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { AdapterGrants } from '#contracts/grants.ts';
import type { CallbackOutcome, TaskCallbacks } from '../ports.ts';

/** Answers that mean the workflow is done with the task: stop, and never report success. */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

async function call(send: () => Promise<unknown>): Promise<CallbackOutcome> {
  try {
    await send();
    return 'delivered';
  } catch (error) {
    if (error instanceof Error && TASK_GONE.has(error.name)) return 'task-gone';
    throw error;
  }
}

/** The worker's answers on the workflow's task tokens: pickup, heartbeats and the job's outcome. */
export class SfnTaskCallbacks implements TaskCallbacks {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SfnTaskCallbacks> = [
    { actions: ['states:SendTaskSuccess'], on: 'taskTokens', by: ['pickUp', 'succeed'] },
    { actions: ['states:SendTaskHeartbeat'], on: 'taskTokens', by: ['heartbeat'] },
    { actions: ['states:SendTaskFailure'], on: 'taskTokens', by: ['fail'] },
  ];

  constructor(private readonly client: SFNClient) {}

  pickUp(taskToken: string, output: string): Promise<CallbackOutcome> {
    return call(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output })));
  }

  heartbeat(taskToken: string): Promise<CallbackOutcome> {
    return call(() => this.client.send(new SendTaskHeartbeatCommand({ taskToken })));
  }

  succeed(taskToken: string, output: string): Promise<CallbackOutcome> {
    return call(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output })));
  }

  fail(taskToken: string, error: string, cause: string): Promise<CallbackOutcome> {
    return call(() => this.client.send(new SendTaskFailureCommand({ taskToken, error, cause })));
  }
}
