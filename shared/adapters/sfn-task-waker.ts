import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskWaker } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** Answers that mean the task no longer waits (timed out, or its execution ended). */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Wakes a waiting task with SendTaskSuccess. */
export class SfnTaskWaker implements TaskWaker {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SfnTaskWaker> = [
    { actions: ['states:SendTaskSuccess'], on: 'taskTokens', by: ['wake'] },
  ];

  constructor(private readonly client: SFNClient) {}

  async wake(token: string, output: unknown): Promise<boolean> {
    try {
      await this.client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && TASK_GONE.has(error.name)) return false;
      throw error;
    }
  }
}
