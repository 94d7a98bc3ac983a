import type { Job } from '#contracts/messages.ts';
import { replyBy } from '#contracts/reply-policy.ts';
import type { PipelineEvent, PipelineListener } from '../pipeline/story-pipeline.ts';
import type { ForgeConnector, JobRecordStore, Log, PullRequestForge, PullRequestRef } from '../ports.ts';
import { redact } from '../text.ts';
import { branchForThread } from '../workspace/git-workspaces.ts';
import {
  acknowledgementText,
  deliveryNotes,
  pullRequestBody,
  pullRequestTitle,
  type DeliveryView,
} from './delivery-text.ts';

export interface DeliveryDeps {
  forges?: ForgeConnector;
  records: JobRecordStore;
  log: Log;
  secrets: readonly string[];
  /** Sends the acknowledgement to the sender. */
  acknowledge(text: string): Promise<void>;
}

export interface JobDelivery {
  listener: PipelineListener;
  pullRequest(): PullRequestRef | undefined;
  /** Updates the pull request for the job's end: ready on success, a comment otherwise. */
  finish(kind: 'succeeded' | 'failed' | 'interrupted', detail: string): Promise<void>;
  /** What the final reply says about the branch, the pull request and each story. */
  notes(): string[];
}

/**
 * Where one job's work shows: the acknowledgement once the plan is known, and the pull request —
 * found by its branch before it is created (so retries, resumes and replies reuse it), opened as a
 * draft with the first committed story, updated after each one. A forge failure never loses work
 * (the branch is pushed): it is logged and said in the reply.
 */
export function createDelivery(job: Job, deps: DeliveryDeps): JobDelivery {
  const repository = job.settings.repository;
  let view: DeliveryView = {
    subject: job.subject,
    instruction: '',
    plan: [],
    stories: [],
    branch: branchForThread(job.threadId),
    ...(repository ? { repositoryUrl: repository.url } : {}),
  };
  let forge: PullRequestForge | undefined;
  let pullRequest: PullRequestRef | undefined;
  let base = '';
  let forgeProblem: string | undefined;

  const clean = (text: string): string => redact(text, deps.secrets);
  const see = (event: PipelineEvent): void => {
    base = event.workspace.remote?.baseBranch ?? base;
    view = {
      ...view,
      branch: event.workspace.branch,
      instruction: event.instruction,
      plan: event.plan,
      stories: event.stories,
      ...(pullRequest ? { pullRequestUrl: pullRequest.url } : {}),
    };
  };
  const guard = async (what: string, work: () => Promise<void>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      forgeProblem = clean(error instanceof Error ? error.message : String(error));
      deps.log.warn(`pull request: could not ${what}`, { jobId: job.jobId, error: forgeProblem });
    }
  };
  const record = (): Promise<void> =>
    deps.records.saveDelivery
      ? deps.records
          .saveDelivery(job.projectId, job.jobId, {
            branch: view.branch,
            ...(repository ? { repositoryUrl: repository.url } : {}),
            ...(pullRequest ? { pullRequest: { number: pullRequest.number, url: pullRequest.url } } : {}),
          })
          .catch((error: unknown) => deps.log.warn('could not record the delivery', { error: String(error) }))
      : Promise.resolve();
  const body = (status: string): string => clean(pullRequestBody(view, status));
  const committed = (): number => view.stories.filter((story) => story.commit).length;

  return {
    listener: {
      async planned(event) {
        see(event);
        if (repository && deps.forges) {
          await guard('look it up', async () => {
            forge = await deps.forges?.connect(repository);
            pullRequest = await forge?.find(view.branch);
            if (pullRequest) view = { ...view, pullRequestUrl: pullRequest.url };
          });
        }
        await record();
        if (replyBy('worker', { kind: 'planned', resumed: event.resumed }) === 'acknowledgement')
          await deps.acknowledge(clean(acknowledgementText(view)));
      },
      async storyCommitted(event) {
        see(event);
        if (!forge) return;
        const activeForge = forge;
        const status = `in progress: ${committed()} of ${view.plan.length} stories pushed`;
        await guard('open or update it', async () => {
          if (!pullRequest) {
            pullRequest =
              (await activeForge.find(view.branch)) ??
              (await activeForge.create({
                branch: view.branch,
                base,
                title: clean(pullRequestTitle(job.subject)),
                body: body(status),
              }));
            view = { ...view, pullRequestUrl: pullRequest.url };
          }
          await activeForge.updateBody(pullRequest.number, body(status));
        });
        await record();
      },
    },
    pullRequest: () => pullRequest,
    async finish(kind, detail) {
      const activeForge = forge;
      const open = pullRequest;
      if (!activeForge || !open) return;
      await guard('report the end of the job', async () => {
        if (kind === 'succeeded') {
          await activeForge.updateBody(
            open.number,
            body(`done: ${committed()} of ${view.plan.length} stories`),
          );
          await activeForge.markReady(open);
        } else {
          await activeForge.updateBody(
            open.number,
            body(`${kind} after ${committed()} of ${view.plan.length} stories`),
          );
          await activeForge.comment(
            open.number,
            clean(`The job ${kind === 'failed' ? 'failed' : 'was interrupted'}: ${detail.slice(0, 4000)}`),
          );
        }
      });
    },
    notes: () => [
      ...deliveryNotes(view),
      ...(forgeProblem ? ['', `The pull request could not be kept up to date: ${forgeProblem}`] : []),
    ],
  };
}
