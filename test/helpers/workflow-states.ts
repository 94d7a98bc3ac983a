import type { JobSettings } from '#contracts/messages.ts';
import type { WorkflowState } from '#contracts/workflow-state.ts';

export const TEST_SETTINGS: JobSettings = {
  model: 'offline',
  validationCommands: [],
  maxFixAttempts: 2,
  queueWaitSeconds: 900,
  heartbeatSeconds: 30,
  leaseSeconds: 120,
  jobTimeoutSeconds: 600,
  promptOverrides: {},
};

/** The state after ParseEmail admitted an email for amelia/scott. */
export function admittedState(jobId = 'email-job-1', overrides: Partial<WorkflowState> = {}): WorkflowState {
  return {
    jobId,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:intake-email-processor:${jobId}`,
    bucket: 'intake-mail',
    key: `emails/${jobId}`,
    admission: { decision: 'accepted', replySafe: true },
    email: {
      messageId: `${jobId}@example.com`,
      threadId: 't0123456789abcdef01234567',
      sender: 'scott@example.com',
      subject: 'Build the thing',
      projectId: 'amelia',
      userId: 'scott',
      instructionKey: `instructions/${jobId}.txt`,
      replyFrom: 'amelia.scott+t0123456789abcdef01234567@intake.localhost',
      attachments: [],
      droppedAttachments: [],
      references: [],
    },
    settings: TEST_SETTINGS,
    ...overrides,
  };
}

/** The states a succeeded execution of the email-processor enters, in order (its happy path). */
export const HAPPY_PATH = [
  'ParseEmail',
  'Admitted?',
  'ClaimJob',
  'LeaseFree?',
  'QueueJob',
  'RunJob',
  'ReleaseJob',
] as const;
