import { GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { workflowStateSchema, type WorkflowState } from '../contracts/workflow-state.ts';
import type { ExecutionStates } from '../workflow/record-execution-end.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

/** The newest state input or output in an execution's history that reads as a workflow state. */
export class SfnExecutionStates implements ExecutionStates {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SfnExecutionStates> = [
    { actions: ['states:GetExecutionHistory'], on: 'executions', by: ['lastState'] },
  ];

  constructor(private readonly client: SFNClient) {}

  async lastState(executionArn: string): Promise<WorkflowState | undefined> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, nextToken }),
      );
      for (const event of page.events ?? []) {
        const text = event.stateExitedEventDetails?.output ?? event.stateEnteredEventDetails?.input;
        const state = text ? parseState(text) : undefined;
        if (state?.email) return state;
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }
}

function parseState(text: string): WorkflowState | undefined {
  try {
    const parsed = workflowStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
