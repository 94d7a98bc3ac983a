/** Small ASL definitions used by the Step Functions tests (all checked by asl-validator). */

const QUEUE_URL = 'http://127.0.0.1:4566/000000000000/jobs.fifo';

export const lambdaCatch = {
  StartAt: 'Claim',
  States: {
    Claim: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${ClaimFunctionArn}', 'Payload.$': '$' },
      ResultSelector: { 'claim.$': '$.Payload' },
      Catch: [{ ErrorEquals: ['Slot.Busy'], ResultPath: '$.failure', Next: 'Busy' }],
      End: true,
    },
    Busy: { Type: 'Pass', End: true },
  },
};

export const lambdaRetry = {
  StartAt: 'Flaky',
  States: {
    Flaky: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'flaky',
        Payload: { 'retryCount.$': '$$.State.RetryCount', 'state.$': '$$.State.Name' },
      },
      OutputPath: '$.Payload',
      Retry: [
        {
          ErrorEquals: ['Transient'],
          IntervalSeconds: 0.2,
          BackoffRate: 2,
          MaxAttempts: 3,
          MaxDelaySeconds: 0.3,
        },
      ],
      End: true,
    },
  },
};

export const lambdaArnResource = {
  StartAt: 'Direct',
  States: {
    Direct: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:direct', End: true },
  },
};

export const contextAndIntrinsics = {
  StartAt: 'Describe',
  States: {
    Describe: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'echo',
        Payload: {
          'executionId.$': '$$.Execution.Id',
          'executionName.$': '$$.Execution.Name',
          'executionInput.$': '$$.Execution.Input',
          'startTime.$': '$$.Execution.StartTime',
          'stateName.$': '$$.State.Name',
          'enteredTime.$': '$$.State.EnteredTime',
          'retryCount.$': '$$.State.RetryCount',
          'stateMachineId.$': '$$.StateMachine.Id',
          'greeting.$': "States.Format('hello {}', $.who)",
          'uuid.$': 'States.UUID()',
          'parsed.$': 'States.StringToJson($.json)',
          'text.$': 'States.JsonToString($.list)',
          'hash.$': "States.Hash($.who, 'SHA-256')",
          'sum.$': 'States.MathAdd($.n, 1)',
          'second.$': 'States.ArrayGetItem($.list, 1)',
        },
      },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

export const choiceWaitFail = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Pause' }],
      Default: 'Reject',
    },
    Pause: { Type: 'Wait', Seconds: 0.1, Next: 'Done' },
    Done: { Type: 'Succeed' },
    Reject: { Type: 'Fail', ErrorPath: '$.reason.code', CausePath: '$.reason.text' },
  },
};

const callbackTask = (extra: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
  Parameters: {
    QueueUrl: QUEUE_URL,
    MessageBody: { 'taskToken.$': '$$.Task.Token', 'job.$': '$.job' },
    MessageGroupId: 'project-user',
    'MessageDeduplicationId.$': "States.Format('{}-{}', $.job, $$.State.RetryCount)",
  },
  ResultPath: '$.result',
  ...extra,
});

export const callback = {
  StartAt: 'Queue',
  States: {
    Queue: callbackTask({
      HeartbeatSeconds: 1,
      TimeoutSeconds: 2,
      Catch: [
        { ErrorEquals: ['Job.Failed'], ResultPath: '$.failure', Next: 'Failed' },
        { ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.failure', Next: 'NoHeartbeat' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'TimedOut' },
      ],
      Next: 'Done',
    }),
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', Error: 'Job.Failed', CausePath: '$.failure.Cause' },
    NoHeartbeat: { Type: 'Pass', Result: 'heartbeat', ResultPath: '$.timeout', End: true },
    TimedOut: { Type: 'Pass', Result: 'timeout', ResultPath: '$.timeout', End: true },
  },
};

/** `States.Timeout` alone must also catch a heartbeat timeout; timeouts come from the input. */
export const callbackTimeoutOnly = {
  StartAt: 'Queue',
  States: {
    Queue: callbackTask({
      HeartbeatSecondsPath: '$.heartbeat',
      TimeoutSecondsPath: '$.timeout',
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'TimedOut' }],
      End: true,
    }),
    TimedOut: { Type: 'Pass', End: true },
  },
};

/** Waits for a callback without timeouts: for stop, restart and API tests. */
export const callbackOpenEnded = {
  StartAt: 'Queue',
  States: { Queue: callbackTask({ End: true }) },
};

export const dynamoOptimised = {
  StartAt: 'Claim',
  States: {
    Claim: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: {
        TableName: 'active-jobs',
        Item: { pk: { 'S.$': '$.lease' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      ResultPath: null,
      Catch: [
        { ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.failure', Next: 'Busy' },
      ],
      Next: 'Read',
    },
    Read: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: { TableName: 'active-jobs', Key: { pk: { 'S.$': '$.lease' } } },
      ResultSelector: { 'pk.$': '$.Item.pk.S' },
      End: true,
    },
    Busy: { Type: 'Pass', End: true },
  },
};

export const awsSdkIntegrations = {
  StartAt: 'Put',
  States: {
    Put: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
      Parameters: {
        TableName: 'audit',
        Item: { pk: { S: 'x' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      Catch: [
        {
          ErrorEquals: ['DynamoDb.ConditionalCheckFailedException'],
          ResultPath: '$.putFailure',
          Next: 'Send',
        },
      ],
      ResultPath: null,
      Next: 'Send',
    },
    Send: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: { QueueUrl: 'http://127.0.0.1:4566/000000000000/missing', MessageBody: 'hi' },
      Catch: [{ ErrorEquals: ['SQS.QueueDoesNotExistException'], ResultPath: '$.sendFailure', Next: 'Done' }],
      ResultPath: null,
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

export const passOnly = {
  StartAt: 'Shape',
  States: {
    Shape: { Type: 'Pass', Parameters: { 'value.$': '$.value' }, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

export const allDefinitions: Record<string, object> = {
  lambdaCatch,
  lambdaRetry,
  lambdaArnResource,
  contextAndIntrinsics,
  choiceWaitFail,
  callback,
  callbackTimeoutOnly,
  callbackOpenEnded,
  dynamoOptimised,
  awsSdkIntegrations,
  passOnly,
};
