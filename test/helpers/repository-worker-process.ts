/**
 * One worker in a process of its own, for the crash test: runs the job given as JSON in argv[2]
 * (`{ dataDir, job, instruction, holdAtStory }`) over the project's repository, the token in
 * INTAKE_TEST_REPO_TOKEN. When story `holdAtStory` (0-based) has been edited it prints `holding` and
 * waits for ever, with that story neither committed nor pushed, until the test kills it.
 */
import type { Job } from '#contracts/messages.ts';
import { OfflineModelProvider } from '../../containers/story-processor/src/models/offline-provider.ts';
import type { ModelProvider } from '../../containers/story-processor/src/ports.ts';
import { createHarness } from '../unit/worker/fakes.ts';
import { CapturingLog, repositoryWorkerParts, TOKEN_VARIABLE } from './repository-fixture.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  dataDir: string;
  job: Job;
  instruction: string;
  holdAtStory: number;
};
const log = new CapturingLog();
const parts = repositoryWorkerParts(input.dataDir, { token: process.env[TOKEN_VARIABLE] ?? '', log });
const harness = await createHarness({ ...parts, log });
const offline = new OfflineModelProvider();
const model: ModelProvider = {
  name: 'offline-holding',
  plan: (request) => offline.plan(request),
  async edit(request) {
    const result = await offline.edit(request);
    if (request.storyIndex === input.holdAtStory) {
      process.stdout.write(`holding at story ${request.storyIndex + 1}\n`);
      setInterval(() => undefined, 60_000);
      await new Promise<never>(() => undefined);
    }
    return result;
  },
};
harness.deps.model = model;
const result = await harness.run(input.job, input.instruction);
process.stdout.write(`finished ${result.kind}\n`);
