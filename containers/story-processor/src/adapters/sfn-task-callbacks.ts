import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
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

export function createSfnTaskCallbacks(sfn: SFNClient): TaskCallbacks {
  return {
    pickUp: (taskToken, output) => call(() => sfn.send(new SendTaskSuccessCommand({ taskToken, output }))),
    heartbeat: (taskToken) => call(() => sfn.send(new SendTaskHeartbeatCommand({ taskToken }))),
    succeed: (taskToken, output) => call(() => sfn.send(new SendTaskSuccessCommand({ taskToken, output }))),
    fail: (taskToken, error, cause) =>
      call(() => sfn.send(new SendTaskFailureCommand({ taskToken, error, cause }))),
  };
}
