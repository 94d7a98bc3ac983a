import type { BranchCheckpoint, ExecutionJournal, StateCheckpoint } from './checkpoint.ts';
import type { BranchSpec, CompositeStateSpec } from './definition.ts';
import type { ExecutionContext } from './execution-context.ts';
import type { HistoryWriter } from './history-writer.ts';
import { isJsonObject } from './json.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { QUERY_EVALUATION_ERROR, evaluateTemplate } from './jsonata-query.ts';
import { evaluateJsonPathTemplate } from './jsonpath-template.ts';
import { assignAfterJsonPathTask, finishJsonata, scopeOf } from './query-states.ts';
import { RetryDecidedError, TaskError, describeError } from './task-error.ts';

/** A nested interpreter run: one Parallel branch or Map iteration. */
export interface ScopeRun {
  /** The branch's output, or the error of the state that failed it. */
  result: Promise<JsonValue>;
  /** Every state event of the branch is in the history. */
  settled: Promise<void>;
  /** With `recordAborted` its states in progress get `<Type>StateAborted`. */
  stop(recordAborted: boolean): void;
}

export interface CompositeDeps {
  context: ExecutionContext;
  journal: ExecutionJournal;
  history: HistoryWriter;
  signal: AbortSignal;
  /** Whether `error` is a States.Timeout (which `States.TaskFailed` does not match). */
  isTimeout(error: unknown): boolean;
  /** Calls `listener` when the scope is stopped (StopExecution: `recordAborted`); returns the unsubscribe. */
  onStop(listener: (recordAborted: boolean) => void): () => void;
  /**
   * Whether this run of `stateName` continues the one checkpointed before a restart, or is its entry
   * again by RedriveExecution (which keeps the branches that succeeded); asked once.
   */
  resumes(stateName: string): 'restart' | 'redrive' | undefined;
  runBranch(
    branch: BranchSpec,
    input: JsonValue,
    scope: { context: ExecutionContext; journal: ExecutionJournal; resume?: StateCheckpoint },
  ): ScopeRun;
}

/** One branch or iteration to run: its index in the result array and its input. */
interface Job {
  index: number;
  branch: BranchSpec;
  input: JsonValue;
}

/**
 * Runs a Map or Parallel state as the handler of the interpreter's Task copy (which applies InputPath,
 * a Parallel's Parameters, ResultSelector, ResultPath, OutputPath, Retry and Catch of JSONPath states).
 * Each branch or iteration is a nested run with its own context (variables copied from this scope) and
 * its own checkpoint inside this state's (`branches`): after a restart, finished ones keep their output
 * and are not run again, running ones continue in the state they were in.
 */
export async function runCompositeState(
  spec: CompositeStateSpec,
  input: JsonValue,
  deps: CompositeDeps,
): Promise<JsonValue> {
  // The interpreter announced the state synchronously: its entry reaches the journal first.
  await new Promise((resolve) => setImmediate(resolve));
  const resumeKind = deps.resumes(spec.name);
  const resumed = resumeKind ? deps.journal.stateNamed(spec.name) : undefined;
  const { entry, notBefore } = deps.context.beginComposite(spec.name, resumed);
  if (notBefore !== undefined) await sleepUntil(notBefore, deps.signal);
  const saved = resumed?.retryPending === false ? resumed.branches : undefined;
  try {
    const output = await runBranches(spec, input, { saved, redrive: resumeKind === 'redrive' }, entry, deps);
    deps.context.attemptSucceeded(spec);
    return output;
  } catch (error) {
    if (deps.signal.aborted) throw error;
    const { name, message } = describeError(error);
    const delay = deps.context.attemptFailed(spec, name, deps.isTimeout(error));
    if (delay === undefined) throw error;
    const retrierAttempts = [...entry.retrierAttempts];
    deps.journal.update(spec.name, (checkpoint) => {
      checkpoint.retrierAttempts = retrierAttempts;
      checkpoint.retryPending = true;
      checkpoint.retryDueAt = Date.now() + delay;
      delete checkpoint.branches;
    });
    throw new RetryDecidedError(message);
  }
}

/**
 * One run of the state (its first, a retry, or its entry by a redrive): the branches, then Output and
 * Assign. `saved`: the branches checkpointed before a restart or kept by a redrive.
 */
async function runBranches(
  spec: CompositeStateSpec,
  input: JsonValue,
  { saved, redrive }: { saved: Readonly<Record<string, BranchCheckpoint>> | undefined; redrive: boolean },
  entry: { retryCount: number },
  deps: CompositeDeps,
): Promise<JsonValue> {
  if (spec.language === 'JSONata') deps.context.rememberInput(spec.name, input);
  const jobs =
    spec.type === 'Parallel' ? await parallelJobs(spec, input, deps) : await mapJobs(spec, input, deps);
  const maxConcurrency = spec.type === 'Map' ? await maxConcurrencyOf(spec, input, deps.context) : 0;
  if (saved === undefined) {
    // A new entry, or a retry of the state: every branch runs (again).
    deps.journal.update(spec.name, (checkpoint) => {
      checkpoint.branches = {};
      checkpoint.retryCount = entry.retryCount;
      checkpoint.retryPending = false;
      delete checkpoint.retryDueAt;
    });
  }
  if (saved === undefined || redrive) {
    if (spec.type === 'Map') deps.history.append('MapStateStarted', { length: jobs.length });
    else deps.history.append('ParallelStateStarted');
  }
  const result = await runJobs(spec, jobs, maxConcurrency, saved ?? {}, deps);
  if (spec.language === 'JSONPath') return assignAfterJsonPathTask(spec, result, deps.context);
  return finishJsonata(spec, spec.state, { input, result }, result, deps.context);
}

function sleepUntil(instant: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, instant - Date.now()));
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

async function parallelJobs(spec: CompositeStateSpec, input: JsonValue, deps: CompositeDeps): Promise<Job[]> {
  const { state } = spec;
  const branchInput =
    spec.language === 'JSONata' && 'Arguments' in state
      ? await evaluateTemplate(
          state['Arguments'] as JsonValue,
          scopeOf(spec, { input }, deps.context),
          'Arguments',
        )
      : input;
  return spec.branches.map((branch, index) => ({ index, branch, input: branchInput }));
}

async function mapJobs(spec: CompositeStateSpec, input: JsonValue, deps: CompositeDeps): Promise<Job[]> {
  const [processor] = spec.branches;
  if (!processor) return [];
  const items = await itemsOf(spec, input, deps.context);
  const jobs: Job[] = [];
  for (const [index, value] of items.entries()) {
    jobs.push({ index, branch: processor, input: await selectItem(spec, input, index, value, deps.context) });
  }
  return jobs;
}

/** JSONata `Items` (default: the input), JSONPath `ItemsPath` (default `$`): an array. */
async function itemsOf(
  spec: CompositeStateSpec,
  input: JsonValue,
  context: ExecutionContext,
): Promise<JsonValue[]> {
  const { state } = spec;
  if (spec.language === 'JSONata') {
    const items =
      'Items' in state
        ? await evaluateTemplate(state['Items'] as JsonValue, scopeOf(spec, { input }, context), 'Items')
        : input;
    if (Array.isArray(items)) return items;
    throw new TaskError(
      QUERY_EVALUATION_ERROR,
      `The Items of Map state '${spec.name}' must evaluate to an array, not ${JSON.stringify(items)}`,
    );
  }
  const path = state['ItemsPath'];
  const items =
    typeof path === 'string'
      ? await jsonPathValue(
          path,
          input,
          context.evaluationContext(spec.name),
          `ItemsPath of state '${spec.name}'`,
        )
      : input;
  if (Array.isArray(items)) return items;
  throw new TaskError(
    'States.Runtime',
    `An error occurred while executing the state '${spec.name}': the ItemsPath ${JSON.stringify(path ?? '$')} does not select an array`,
  );
}

/** An iteration's input: the item, or the ItemSelector (legacy `Parameters`) evaluated with `Map.Item`. */
async function selectItem(
  spec: CompositeStateSpec,
  input: JsonValue,
  index: number,
  value: JsonValue,
  context: ExecutionContext,
): Promise<JsonValue> {
  const { state } = spec;
  const item = { Item: { Index: index, Value: value } };
  if (spec.language === 'JSONata') {
    if (!('ItemSelector' in state)) return value;
    const scope = scopeOf(spec, { input }, context);
    const states = { ...scope.states, context: { ...(scope.states['context'] as JsonObject), Map: item } };
    return evaluateTemplate(state['ItemSelector'] as JsonValue, { ...scope, states }, 'ItemSelector');
  }
  const selector = state['ItemSelector'] ?? state['Parameters'];
  if (!isJsonObject(selector)) return value;
  return evaluateJsonPathTemplate(
    selector,
    input,
    { ...context.evaluationContext(spec.name), Map: item },
    `ItemSelector of state '${spec.name}'`,
  );
}

/** MaxConcurrency (a number, or a JSONata expression), or MaxConcurrencyPath; 0 means no limit. */
async function maxConcurrencyOf(
  spec: CompositeStateSpec,
  input: JsonValue,
  context: ExecutionContext,
): Promise<number> {
  const { state } = spec;
  let value: JsonValue | undefined = state['MaxConcurrency'];
  if (spec.language === 'JSONata' && typeof value === 'string') {
    value = await evaluateTemplate(value, scopeOf(spec, { input }, context), 'MaxConcurrency');
  } else if (typeof state['MaxConcurrencyPath'] === 'string') {
    value = await jsonPathValue(
      state['MaxConcurrencyPath'],
      input,
      context.evaluationContext(spec.name),
      `MaxConcurrencyPath of state '${spec.name}'`,
    );
  }
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new TaskError(
    spec.language === 'JSONata' ? QUERY_EVALUATION_ERROR : 'States.Runtime',
    `The MaxConcurrency of state '${spec.name}' must be a non-negative integer, not ${JSON.stringify(value)}`,
  );
}

async function jsonPathValue(
  path: string,
  input: JsonValue,
  context: Record<string, unknown>,
  what: string,
): Promise<JsonValue> {
  const selected = await evaluateJsonPathTemplate({ 'value.$': path }, input, context, what);
  return isJsonObject(selected) ? (selected['value'] ?? null) : null;
}

/**
 * Runs the branches/iterations, at most `maxConcurrency` at a time (0: all), skipping those that
 * finished before a restart. The first failure stops the others (their states are recorded as aborted)
 * and is the state's error, as on AWS.
 */
async function runJobs(
  spec: CompositeStateSpec,
  jobs: Job[],
  maxConcurrency: number,
  saved: Readonly<Record<string, BranchCheckpoint>>,
  deps: CompositeDeps,
): Promise<JsonValue[]> {
  // A branch failed just before a restart: the state fails with its error, as it was about to.
  for (const branch of Object.values(saved)) {
    if (branch.status === 'FAILED') throw new TaskError(branch.error, branch.cause);
  }
  const results: JsonValue[] = jobs.map(() => null);
  const running = new Map<number, { run: ScopeRun; journal: ExecutionJournal }>();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const iterationEvent = (type: 'Started' | 'Succeeded' | 'Failed' | 'Aborted', index: number): void => {
    if (spec.type === 'Map') deps.history.append(`MapIteration${type}`, { name: spec.name, index });
  };
  const over = (): boolean => failure !== undefined || deps.signal.aborted;

  const runJob = async (job: Job): Promise<void> => {
    const before = saved[job.index];
    if (before?.status === 'SUCCEEDED') {
      results[job.index] = before.output;
      return;
    }
    // A branch the redrive runs again starts anew, in the state it stopped in (entered again).
    const resume = before?.status === 'RUNNING' || before?.status === 'REDRIVEN' ? before.state : undefined;
    if (!before || before.status === 'REDRIVEN') {
      deps.journal.setBranch(spec.name, job.index, { status: 'RUNNING', ...(resume && { state: resume }) });
      iterationEvent('Started', job.index);
    }
    const journal = deps.journal.branch(spec.name, job.index);
    const run = deps.runBranch(job.branch, resume ? resume.input : job.input, {
      context: deps.context.branch(resume),
      journal,
      resume,
    });
    running.set(job.index, { run, journal });
    try {
      const output = await run.result;
      await run.settled;
      if (over()) return;
      journal.close();
      deps.journal.setBranch(spec.name, job.index, { status: 'SUCCEEDED', output });
      iterationEvent('Succeeded', job.index);
      results[job.index] = output;
    } catch (error) {
      await run.settled;
      if (over()) return;
      journal.close();
      const { name, message } = describeError(error);
      const { state } = journal;
      deps.journal.setBranch(spec.name, job.index, {
        status: 'FAILED',
        error: name,
        cause: message,
        ...(state && { state: structuredClone(state) }),
      });
      iterationEvent('Failed', job.index);
      failure = { error };
      for (const [index, other] of running) {
        if (index === job.index) continue;
        // Nothing it still reports may land in this state's checkpoint (a retry starts it afresh).
        other.journal.close();
        other.run.stop(true);
        iterationEvent('Aborted', index);
      }
    } finally {
      running.delete(job.index);
    }
  };

  const unsubscribe = deps.onStop((recordAborted) => {
    if (recordAborted) for (const index of running.keys()) iterationEvent('Aborted', index);
  });
  const workers = Math.min(maxConcurrency > 0 ? maxConcurrency : jobs.length, jobs.length);
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!over()) {
        const job = jobs[next];
        if (!job) return;
        next += 1;
        await runJob(job);
      }
    }),
  ).finally(unsubscribe);
  if (deps.signal.aborted) throw new TaskError('States.Runtime', 'Execution is no longer running');
  if (failure) throw failure.error;
  return results;
}
