import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStarter, StartOutcome } from '../workflow/ports.ts';
import type { AdapterGrants } from '../contracts/grants.ts';

export class SfnExecutionStarter implements ExecutionStarter {
  /** The IAM actions this adapter's calls need (see contracts/grants.ts). */
  static readonly grants: AdapterGrants<SfnExecutionStarter> = [
    { actions: ['states:StartExecution'], on: 'stateMachine', by: ['start'] },
  ];

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
