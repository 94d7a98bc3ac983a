import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSdkIntegrations, dynamoOptimised } from './definitions.ts';
import { fakeClient, historyOf, namedError, startHarness, waitForCompletion } from './harness.ts';
import type { Harness } from './harness.ts';

describe('Step Functions: DynamoDB, SQS and aws-sdk integrations', () => {
  let h: Harness;
  const held = new Set<string>();
  const dynamodb = fakeClient(({ command, input }) => {
    const item = input['Item'] as { pk: { S: string } } | undefined;
    if (command === 'PutItemCommand' && item) {
      if (held.has(item.pk.S))
        return namedError('ConditionalCheckFailedException', 'The conditional request failed');
      held.add(item.pk.S);
      return {};
    }
    if (command === 'GetItemCommand') return { Item: input['Key'] };
    return new Error(`unexpected ${command}`);
  });
  const sqs = fakeClient(() => namedError('QueueDoesNotExist', 'The specified queue does not exist.'));

  beforeAll(async () => {
    h = await startHarness({ clients: { dynamodb, sqs } });
  });
  afterAll(() => h.stop());

  const run = async (stateMachineArn: string, input: object) => {
    const { executionArn } = await h.sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    return { executionArn: executionArn!, done: await waitForCompletion(h.sfn, executionArn!) };
  };

  it('maps optimised DynamoDB calls to SDK commands and names service errors DynamoDB.*', async () => {
    const arn = h.register(dynamoOptimised);
    const first = await run(arn, { lease: 'p1#u1' });
    expect(JSON.parse(first.done.output!)).toEqual({ pk: 'p1#u1' });
    expect(dynamodb.sent[0]).toEqual({
      command: 'PutItemCommand',
      input: {
        TableName: 'active-jobs',
        Item: { pk: { S: 'p1#u1' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });

    const second = await run(arn, { lease: 'p1#u1' });
    const output = JSON.parse(second.done.output!) as { failure: { Error: string; Cause: string } };
    expect(output.failure.Error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(output.failure.Cause).toContain('The conditional request failed');
    const scheduled = (await historyOf(h.sfn, second.executionArn)).find(
      (event) => event.type === 'TaskScheduled',
    );
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'dynamodb',
      resource: 'putItem',
    });
  });

  it('names aws-sdk integration errors DynamoDb.* and optimised SQS errors SQS.*', async () => {
    held.add('x');
    const arn = h.register(awsSdkIntegrations);
    const { done } = await run(arn, {});
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output!) as Record<string, { Error: string }>;
    expect(output['putFailure']?.Error).toBe('DynamoDb.ConditionalCheckFailedException');
    expect(output['sendFailure']?.Error).toBe('SQS.QueueDoesNotExistException');
    expect(sqs.sent[0]).toMatchObject({ command: 'SendMessageCommand', input: { MessageBody: 'hi' } });
  });
});
