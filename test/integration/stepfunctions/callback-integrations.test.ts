import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeClient, startHarness, temporaryDataDir, waitForCompletion } from './harness.ts';

/** A callback Task on `resource` that hands `$$.Task.Token` over in `parameters`. */
const callbackOn = (resource: string, parameters: object, heartbeatSeconds?: number) => ({
  StartAt: 'Handoff',
  States: {
    Handoff: {
      Type: 'Task',
      Resource: `arn:aws:states:::${resource}.waitForTaskToken`,
      Parameters: parameters,
      ...(heartbeatSeconds === undefined ? { TimeoutSeconds: 600 } : { HeartbeatSeconds: heartbeatSeconds }),
      End: true,
    },
  },
});

const INTEGRATIONS = [
  {
    resource: 'dynamodb:putItem',
    parameters: { TableName: 't', Item: { pk: { S: 'p' }, token: { 'S.$': '$$.Task.Token' } } },
    tokenOf: (input: Record<string, unknown>) => (input['Item'] as { token: { S: string } }).token.S,
  },
  {
    resource: 'dynamodb:updateItem',
    parameters: {
      TableName: 't',
      Key: { pk: { S: 'p' } },
      UpdateExpression: 'SET #t = :t',
      ExpressionAttributeNames: { '#t': 'token' },
      ExpressionAttributeValues: { ':t': { 'S.$': '$$.Task.Token' } },
    },
    tokenOf: (input: Record<string, unknown>) =>
      (input['ExpressionAttributeValues'] as { ':t': { S: string } })[':t'].S,
  },
  {
    resource: 'sqs:sendMessage',
    parameters: { QueueUrl: 'http://q', MessageBody: { 'taskToken.$': '$$.Task.Token' } },
    tokenOf: (input: Record<string, unknown>) =>
      (JSON.parse(String(input['MessageBody'])) as { taskToken: string }).taskToken,
  },
];

describe('Step Functions: .waitForTaskToken on every SDK integration, across a restart', () => {
  const data = temporaryDataDir();
  afterAll(() => data.remove());

  for (const { resource, parameters, tokenOf } of INTEGRATIONS) {
    it(`${resource}: the token handed out before a restart completes the task after it, one call`, async () => {
      const before = fakeClient();
      const first = await startHarness({ dataDir: data.dir, clients: { [service(resource)]: before } });
      const arn = first.register(callbackOn(resource, parameters));
      const { executionArn } = await first.sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }),
      );
      const token = tokenOf((await before.next()).input);
      await first.stop();

      const after = fakeClient();
      const second = await startHarness({ dataDir: data.dir, clients: { [service(resource)]: after } });
      try {
        await second.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"done":1}' }));
        expect(await waitForCompletion(second.sfn, executionArn!)).toMatchObject({
          status: 'SUCCEEDED',
          output: '{"done":1}',
        });
        expect(after.sent).toHaveLength(0);
      } finally {
        await second.stop();
      }
    });

    it(`${resource}: HeartbeatSeconds is enforced`, async () => {
      const h = await startHarness({ clients: { [service(resource)]: fakeClient() } });
      try {
        const arn = h.register(callbackOn(resource, parameters, 1));
        const { executionArn } = await h.sfn.send(
          new StartExecutionCommand({ stateMachineArn: arn, input: '{}' }),
        );
        const done = await waitForCompletion(h.sfn, executionArn!, 10_000);
        expect(done).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
      } finally {
        await h.stop();
      }
    });
  }
});

function service(resource: string): string {
  return resource.split(':')[0] ?? '';
}
