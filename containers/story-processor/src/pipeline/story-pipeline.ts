import type { Job, JobSummary } from '#contracts/messages.ts';
import { METRICS } from '#contracts/metrics.ts';
import type { JobControl, StopReason } from '../job/job-control.ts';
import type {
  BlobReader,
  Checkpoint,
  WorkerClock,
  CommandRunner,
  GitWorkspace,
  JobRecordStore,
  Log,
  MetricsSink,
  ModelProvider,
  ModelUsage,
  PipelineStep,
  PlannedStory,
  StoryRecord,
  ValidationResult,
  WorkspaceProvider,
  WorkspaceTools,
} from '../ports.ts';
import { redact, truncateMiddle } from '../text.ts';
import { createWorkspaceTools } from '../workspace/file-tools.ts';
import { sandboxPolicyOf, SandboxUnavailableError } from '../sandbox/sandbox-policy.ts';
import { addUsage, emptyUsage, totalTokens } from '../models/usage.ts';
import { BudgetExceeded, checkBudget } from './budget.ts';
import { buildRepoMap } from './repo-map.ts';
import { RepositoryError } from '../workspace/repository-error.ts';
import { JOB_TRAILER, STORY_TRAILER, THREAD_TRAILER } from '../workspace/git-workspaces.ts';
import { loadInstruction, type InstructionLimits } from './instruction.ts';
import { JobPrompts, PromptError, type PromptTemplates } from './prompts.ts';
import { describeFailures, describeResults, forRecord, runValidation, validationPassed } from './validate.ts';

export interface PipelineLimits extends InstructionLimits {
  /** Validation output kept per command in the jobs table. */
  recordedOutputBytes: number;
  /** Validation errors given to a fix prompt. */
  fixPromptErrorBytes: number;
  /** Validation output in a failure's detail (the reporter fits it into the 32 KiB cause). */
  failureDetailBytes: number;
  maxListedFiles: number;
  /** The last validation output given to the next story's prompt. */
  contextValidationBytes: number;
}

export const DEFAULT_PIPELINE_LIMITS: PipelineLimits = {
  maxInstructionBytes: 256 * 1024,
  maxInlineAttachmentBytes: 64 * 1024,
  recordedOutputBytes: 2048,
  fixPromptErrorBytes: 24 * 1024,
  failureDetailBytes: 24 * 1024,
  maxListedFiles: 300,
  contextValidationBytes: 4 * 1024,
};

export interface PipelineDeps {
  model: ModelProvider;
  workspaces: WorkspaceProvider;
  commands: CommandRunner;
  blobs: BlobReader;
  records: JobRecordStore;
  metrics: MetricsSink;
  log: Log;
  clock: WorkerClock;
  prompts: PromptTemplates;
  /** Values that must never reach a record, a prompt or a commit (API keys and such). */
  secrets: readonly string[];
  limits: PipelineLimits;
  toolsFor?: (workspaceDir: string) => WorkspaceTools;
}

export type Position = { storyIndex: number; step: PipelineStep } | null;

/** What the pull request and the replies are built from: the plan, and the stories as they stand. */
export interface PipelineEvent {
  workspace: GitWorkspace;
  instruction: string;
  plan: readonly PlannedStory[];
  stories: readonly StoryRecord[];
  /** The plan came from an earlier run of this job (a resumed job). */
  resumed: boolean;
}

/** Told when the plan is known and after each story is committed (and pushed, with a remote). */
export interface PipelineListener {
  planned(event: PipelineEvent): Promise<void>;
  storyCommitted(event: PipelineEvent): Promise<void>;
}

export type PipelineOutcome =
  | { kind: 'completed'; summary: JobSummary }
  | { kind: 'failed'; reason: string; detail: string; position: Position; storiesTotal: number }
  | { kind: 'stopped'; stop: StopReason; position: Position; storiesTotal: number; committed: number };

class StoryFailed extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(reason);
  }
}

/**
 * Plan, then for each story: generate → validate → fix (≤ maxFixAttempts) → commit → checkpoint.
 * Stories already on the branch with this job's trailer (an earlier, crashed run) are not redone.
 */
export async function runStoryPipeline(
  job: Job,
  control: JobControl,
  deps: PipelineDeps,
  previous: Checkpoint | undefined,
  listener?: PipelineListener,
): Promise<PipelineOutcome> {
  const run = new PipelineRun(job, control, deps, previous, listener);
  return run.execute();
}

class PipelineRun {
  private position: Position = null;
  private plan: PlannedStory[] = [];
  private stories: StoryRecord[] = [];
  private completed: Array<{ index: number; commit: string }> = [];
  private usage = emptyUsage();
  private lastValidation = '(no validation has run yet in this job)';
  private readonly started: number;

  constructor(
    private readonly job: Job,
    private readonly control: JobControl,
    private readonly deps: PipelineDeps,
    private readonly previous: Checkpoint | undefined,
    private readonly listener?: PipelineListener,
  ) {
    this.started = deps.clock.now().getTime();
  }

  async execute(): Promise<PipelineOutcome> {
    const outcome = await this.run();
    // A job that ended here (not one handed over or abandoned, which another run finishes).
    if (outcome.kind !== 'stopped' || outcome.stop.kind === 'interrupt') this.recordJobMetrics();
    return outcome;
  }

  private recordJobMetrics(): void {
    const { metrics } = this.deps;
    metrics.add(METRICS.storiesPerJob, this.completed.length);
    metrics.add(METRICS.tokensPerJob, totalTokens(this.usage));
    metrics.add(METRICS.costPerJob, this.usage.costUsd);
  }

  private async run(): Promise<PipelineOutcome> {
    try {
      const prompts = JobPrompts.create(this.deps.prompts, this.job.settings.promptOverrides);
      const workspace = await this.deps.workspaces.open(
        this.job.projectId,
        this.job.threadId,
        this.job.settings.repository,
      );
      await workspace.resetToHead();
      const tools = (this.deps.toolsFor ?? createWorkspaceTools)(workspace.dir);
      const instruction = redact(
        await loadInstruction(this.job, this.deps.blobs, this.deps.limits),
        this.deps.secrets,
      );
      const system = prompts.render('system', {});
      if (this.job.settings.validationCommands.length > 0)
        await this.deps.commands.ensureReady?.(sandboxPolicyOf(this.job.settings));
      this.control.throwIfStopped();
      await this.planStories(prompts, tools, system, instruction, workspace.dir);

      const onBranch = await workspace.committedStories(this.job.jobId);
      this.stories = this.plan.map((story, index) => {
        const commit = onBranch.get(index + 1);
        return commit
          ? {
              index,
              title: story.title,
              status: 'committed',
              attempts: 0,
              commit,
              resumed: true,
              validation: [],
              usage: emptyUsage(),
            }
          : {
              index,
              title: story.title,
              status: 'pending',
              attempts: 0,
              validation: [],
              usage: emptyUsage(),
            };
      });
      this.completed = this.stories.flatMap((s) => (s.commit ? [{ index: s.index, commit: s.commit }] : []));
      await this.save();
      const event = (): PipelineEvent => ({
        workspace,
        instruction,
        plan: this.plan,
        stories: this.stories,
        resumed: Boolean(this.previous?.plan.length),
      });
      await this.listener?.planned(event());

      let previousOutput = '(this is the first story of the job)';
      for (const record of this.stories) {
        if (record.status === 'committed') continue;
        this.position = { storyIndex: record.index, step: 'generate' };
        this.control.throwIfStopped();
        previousOutput = await this.runStory(record, {
          prompts,
          tools,
          system,
          instruction,
          workspace,
          previousOutput,
        });
        await this.listener?.storyCommitted(event());
      }
      this.position = null;
      await this.save();
      return { kind: 'completed', summary: this.summary(workspace.branch) };
    } catch (error) {
      const stop = this.control.stopReason;
      if (stop) {
        await this.save().catch((saveError: unknown) =>
          this.deps.log.warn('checkpoint on stop failed', { error: String(saveError) }),
        );
        return {
          kind: 'stopped',
          stop,
          position: this.position,
          storiesTotal: this.plan.length,
          committed: this.completed.length,
        };
      }
      if (
        error instanceof PromptError ||
        error instanceof StoryFailed ||
        error instanceof SandboxUnavailableError ||
        error instanceof BudgetExceeded ||
        error instanceof RepositoryError
      ) {
        await this.save().catch(() => undefined);
        const detail = error instanceof StoryFailed ? error.detail : '';
        return {
          kind: 'failed',
          reason: error.message,
          detail,
          position: this.position,
          storiesTotal: this.plan.length,
        };
      }
      throw error;
    }
  }

  private async planStories(
    prompts: JobPrompts,
    tools: WorkspaceTools,
    system: string,
    instruction: string,
    workspaceDir: string,
  ): Promise<void> {
    if (this.previous && this.previous.plan.length > 0) {
      this.plan = this.previous.plan;
      return;
    }
    this.position = { storyIndex: 0, step: 'plan' };
    const prompt = prompts.render('plan', {
      instruction,
      files: await this.listing(tools),
      repoMap: await buildRepoMap(workspaceDir),
    });
    const { model } = this.job.settings;
    const result = await this.deps.model.plan({
      model,
      system,
      prompt,
      instruction,
      signal: this.control.signal,
      onUsage: (usage) => this.charge(usage),
    });
    this.plan = result.stories;
  }

  private async runStory(
    record: StoryRecord,
    ctx: {
      prompts: JobPrompts;
      tools: WorkspaceTools;
      system: string;
      instruction: string;
      workspace: GitWorkspace;
      previousOutput: string;
    },
  ): Promise<string> {
    const { job, deps, control } = this;
    const story = this.plan[record.index] as PlannedStory;
    const storyText = `${story.title}\n\n${story.description}`;
    const begun = deps.clock.now().getTime();
    record.status = 'running';
    record.startedAt = new Date(begun).toISOString();
    this.position = { storyIndex: record.index, step: 'generate' };
    await this.save();

    const edit = async (
      purpose: 'generate' | 'fix',
      prompt: string,
      validationErrors?: string,
    ): Promise<string> => {
      record.attempts += 1;
      const result = await deps.model.edit({
        purpose,
        model: job.settings.model,
        system: ctx.system,
        prompt,
        story,
        storyIndex: record.index,
        validationErrors,
        tools: ctx.tools,
        signal: control.signal,
        ...(job.settings.validationCommands.length > 0
          ? { runChecks: async () => describeResults(await validate(), deps.limits.fixPromptErrorBytes) }
          : {}),
        onUsage: (usage) => {
          record.usage = addUsage(record.usage, usage);
          this.charge(usage);
        },
        onProgress: (progress) =>
          deps.log.debug('model streaming', { jobId: job.jobId, story: record.index + 1, ...progress }),
      });
      return redact(result.summary, deps.secrets);
    };
    const validate = async (): Promise<ValidationResult[]> => {
      this.position = { storyIndex: record.index, step: 'validate' };
      const results = await runValidation({
        commands: job.settings.validationCommands,
        runner: deps.commands,
        cwd: ctx.workspace.dir,
        signal: control.signal,
        secrets: deps.secrets,
        policy: sandboxPolicyOf(job.settings),
      });
      deps.metrics.add(validationPassed(results) ? METRICS.validationPassed : METRICS.validationFailed, 1);
      record.validation = forRecord(results, deps.limits.recordedOutputBytes);
      this.lastValidation = describeResults(results, deps.limits.contextValidationBytes);
      return results;
    };

    const files = await this.listing(ctx.tools);
    let output = await edit(
      'generate',
      ctx.prompts.render('generate', {
        instruction: ctx.instruction,
        story: storyText,
        files,
        previousOutput: ctx.previousOutput,
        commits: this.commitsSoFar(),
        lastValidation: this.lastValidation,
      }),
    );
    let results = await validate();
    let fixes = 0;
    while (!validationPassed(results) && fixes < job.settings.maxFixAttempts) {
      control.throwIfStopped();
      fixes += 1;
      this.position = { storyIndex: record.index, step: 'fix' };
      const validationErrors = describeFailures(results, deps.limits.fixPromptErrorBytes);
      const prompt = ctx.prompts.render('fix', {
        instruction: ctx.instruction,
        story: storyText,
        files: await this.listing(ctx.tools),
        validationErrors,
        previousOutput: output,
      });
      output = await edit('fix', prompt, validationErrors);
      results = await validate();
    }
    const passed = validationPassed(results);
    if (fixes > 0) deps.metrics.add(passed ? METRICS.autoFixSucceeded : METRICS.autoFixFailed, 1);
    if (!passed) {
      record.status = 'failed';
      record.durationMs = deps.clock.now().getTime() - begun;
      const n = record.index + 1;
      throw new StoryFailed(
        `Story ${n} of ${this.plan.length} ("${story.title}") still fails validation after ${fixes} fix attempt(s).`,
        describeFailures(results, deps.limits.failureDetailBytes),
      );
    }

    if (control.stopReason && control.stopReason.kind !== 'shutdown') control.throwIfStopped();
    this.position = { storyIndex: record.index, step: 'commit' };
    let commit = await ctx.workspace.commit({
      subject: `Story ${record.index + 1}/${this.plan.length}: ${story.title}`,
      body: truncateMiddle(redact(story.description, deps.secrets), 4096),
      trailers: [
        [JOB_TRAILER, job.jobId],
        [THREAD_TRAILER, job.threadId],
        [STORY_TRAILER, String(record.index + 1)],
      ],
    });
    // With a remote, the story counts only once its push succeeded (the remote is the checkpoint).
    if (ctx.workspace.publish) commit = await ctx.workspace.publish();
    record.status = 'committed';
    record.commit = commit;
    record.durationMs = deps.clock.now().getTime() - begun;
    this.completed.push({ index: record.index, commit });
    deps.metrics.add(METRICS.storiesCompleted, 1);
    deps.metrics.add(METRICS.storyDurationMs, record.durationMs);
    deps.log.info('story committed', {
      jobId: job.jobId,
      story: record.index + 1,
      of: this.plan.length,
      commit,
      attempts: record.attempts,
    });
    await this.save();
    return output;
  }

  /** Counts a model call against the job (and its budget, which may stop the job here). */
  private charge(usage: ModelUsage): void {
    this.usage = addUsage(this.usage, usage);
    checkBudget(this.job.settings.budget, this.usage);
  }

  private commitsSoFar(): string {
    if (this.completed.length === 0) return '(none yet: this is the first story of the job)';
    return [...this.completed]
      .sort((a, b) => a.index - b.index)
      .map(
        ({ index, commit }) => `${commit.slice(0, 12)} Story ${index + 1}: ${this.plan[index]?.title ?? ''}`,
      )
      .join('\n');
  }

  private async listing(tools: WorkspaceTools): Promise<string> {
    const files = await tools.listFiles();
    const shown = files.slice(0, this.deps.limits.maxListedFiles);
    const more = files.length > shown.length ? `\n… and ${files.length - shown.length} more` : '';
    return shown.length > 0 ? shown.join('\n') + more : '(the workspace is empty)';
  }

  private save(): Promise<void> {
    const checkpoint: Checkpoint = { plan: this.plan, completed: this.completed, position: this.position };
    return this.deps.records.saveProgress(this.job.projectId, this.job.jobId, {
      checkpoint,
      stories: this.stories,
      modelUsage: this.usage,
    });
  }

  private summary(branch: string): JobSummary {
    return {
      jobId: this.job.jobId,
      threadId: this.job.threadId,
      branch,
      stories: this.stories.map((story) => ({
        index: story.index,
        title: story.title.slice(0, 200),
        status: story.status === 'committed' ? 'committed' : story.status === 'failed' ? 'failed' : 'skipped',
        ...(story.commit ? { commit: story.commit } : {}),
        attempts: story.attempts,
        durationMs: story.durationMs ?? 0,
        costUsd: story.usage.costUsd,
      })),
      commits: this.completed.map((c) => c.commit),
      durationMs: this.deps.clock.now().getTime() - this.started,
      usage: this.usage,
    };
  }
}
