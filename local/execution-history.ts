import { paginateGetExecutionHistory, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

/** Every history event of an execution, oldest first, through the SDK's paginator. */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: 1000 }, { executionArn })) {
    events.push(...(page.events ?? []));
  }
  return events;
}
