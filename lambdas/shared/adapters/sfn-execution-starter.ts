import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStarter, StartOutcome } from '#workflow/ports';

export class SfnExecutionStarter implements ExecutionStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: string): Promise<StartOutcome> {
    try {
      const result = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input }),
      );
      return { status: 'started', executionArn: result.executionArn ?? '' };
    } catch (error) {
      // The same name was used before: this email's execution exists already (duplicate event or send).
      if (error instanceof ExecutionAlreadyExists) return { status: 'already-started' };
      throw error;
    }
  }
}
