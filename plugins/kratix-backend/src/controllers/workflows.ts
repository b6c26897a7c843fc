import {
  KRATIX_API_VERSION,
  KRATIX_SYSTEM_NAMESPACE,
  KubeObject,
  LABEL_PIPELINE_NAME,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  LABEL_WORK_TYPE,
  PipelineObject,
  PromiseObject,
  TaggedSelector,
  WORK_FINALIZER,
  WorkObject,
  WorkflowObjectStatus,
  WorkloadGroup,
} from '@kratix-backstage/plugin-kratix-common';
import { runPipeline } from '../pipelines/runPipeline';
import { kratixEnv } from '../pipelines/kratixEnv';
import { EngineContext } from './context';
import { KindInfo } from '../admission/types';
import {
  labelsEqual,
  deleteIfExists,
  setCondition,
  writeStatus,
} from './objects';
import { jsonEqual } from '../store/json';
import { WORK_KIND } from '../admission/kinds';

export type WorkflowOutcome =
  | { ok: true; works: WorkObject[]; status: Record<string, unknown> }
  | { ok: false; pipeline: string; reason: string; message: string };

interface WorkflowTarget {
  type: 'promise' | 'resource';
  object: KubeObject;
  promise: PromiseObject;
  /** The kind of the object: Promise, or the Promise's API kind. */
  kind: KindInfo;
}

/** The Promise's own selectors, tagged as the highest-precedence source. */
export function promiseSelectors(promise: PromiseObject): TaggedSelector[] {
  return (promise.spec?.destinationSelectors ?? []).map(s => ({
    matchLabels: { ...s.matchLabels },
    source: 'promise' as const,
  }));
}

export function workNamespace(target: WorkflowTarget): string {
  return target.type === 'resource'
    ? target.object.metadata.namespace ?? 'default'
    : KRATIX_SYSTEM_NAMESPACE;
}

export function workName(target: WorkflowTarget, pipeline: string): string {
  const promise = target.promise.metadata.name;
  return target.type === 'resource'
    ? `${promise}-${target.object.metadata.name}-${pipeline}`
    : `${promise}-${pipeline}`;
}

/**
 * The Promise's selectors bind the root group only: a directory group is
 * scheduled by its own entry alone (Kratix's behaviour).
 */
function withPromiseSelectors(groups: WorkloadGroup[], promise: PromiseObject) {
  return groups.map(g =>
    g.directory === '.'
      ? {
          ...g,
          destinationSelectors: [
            ...promiseSelectors(promise),
            ...(g.destinationSelectors ?? []),
          ],
        }
      : g,
  );
}

/**
 * Runs a workflow's pipelines in order. Each pipeline's output becomes one
 * Work; `status.yaml` files are merged into one status patch.
 */
export async function runWorkflow(
  ctx: EngineContext,
  target: WorkflowTarget,
  action: 'configure' | 'delete',
): Promise<WorkflowOutcome> {
  const pipelines: PipelineObject[] =
    (target.promise.spec?.workflows as any)?.[target.type]?.[action] ?? [];
  const works: WorkObject[] = [];
  let status: Record<string, unknown> = {};
  // Kratix updates the object between pipelines: each one reads the status
  // the ones before it wrote.
  let input = target.object;
  for (const pipeline of pipelines) {
    const logger = ctx.logger.child({
      pipeline: pipeline.metadata.name,
      object: `${target.kind.kind}/${target.object.metadata.name}`,
    });
    const runTarget = {
      type: target.type,
      object: target.object,
      promiseName: target.promise.metadata.name,
    };
    const pod = await ctx.runs.start(runTarget, pipeline, action);
    await ctx.events.record(
      target.object,
      'Normal',
      'PipelineStarted',
      `${action === 'configure' ? 'Configure' : 'Delete'} Pipeline started: ${
        pipeline.metadata.name
      }`,
    );
    const result = await runPipeline({
      pipeline,
      object: input,
      env: kratixEnv({
        action,
        workflowType: target.type,
        promise: target.promise,
        pipelineName: pipeline.metadata.name,
        object: target.object,
      }),
      runners: ctx.pipelines.runners,
      inProcess: ctx.pipelines.inProcess,
      logger,
      signal: ctx.signal,
      limits: ctx.pipelines.limits,
      selectorSource:
        target.type === 'resource' ? 'resource-workflow' : 'promise-workflow',
    });
    if (!result.ok && ctx.signal.aborted) {
      await ctx.runs
        .finish(pod, { aborted: 'the backend shut down during the run' })
        .catch(() => undefined);
      // Shutting down is not the pipeline's failure: leave no verdict, so the
      // next start runs it again.
      throw new Error(
        `pipeline ${pipeline.metadata.name} interrupted by shutdown`,
      );
    }
    await ctx.runs.finish(pod, result);
    if (!result.ok) {
      await ctx.events.record(
        target.object,
        'Warning',
        action === 'configure' ? 'ConfigureWorkflowFailed' : 'Failed Pipeline',
        action === 'configure'
          ? `A ${target.type}/configure Pipeline has failed: ${pipeline.metadata.name}`
          : 'The Delete Pipeline has failed',
      );
      logger.warn(`pipeline failed: ${result.message}`);
      return {
        ok: false,
        pipeline: pipeline.metadata.name,
        reason: result.reason,
        message: result.message,
      };
    }
    logger.info(
      `pipeline completed${
        result.logs
          ? `: ${result.logs.trim().split('\n').slice(-3).join(' | ')}`
          : ''
      }`,
    );
    const written = withoutEngineFields(result.status ?? {}, logger);
    status = mergeStatus(status, written);
    input = { ...input, status: mergeStatus(input.status ?? {}, written) };
    if (action === 'configure' && result.workloadGroups.length > 0) {
      works.push(
        buildWork(
          target,
          pipeline.metadata.name,
          withPromiseSelectors(result.workloadGroups, target.promise),
        ),
      );
    }
  }
  if (pipelines.length > 0) {
    await ctx.events.record(
      target.object,
      'Normal',
      action === 'configure'
        ? 'ConfigureWorkflowCompleted'
        : 'DeleteWorkflowCompleted',
      'All workflows completed',
    );
  }
  return { ok: true, works, status };
}

/**
 * Status fields the engine keeps its own books with. A pipeline's
 * status.yaml setting one would make the engine skip an update or re-run a
 * finished workflow, so they are dropped from it.
 */
export const ENGINE_STATUS_FIELDS = [
  'observedGeneration',
  'observedPromiseGeneration',
  'deleteWorkflowCompleted',
];

function withoutEngineFields(
  status: Record<string, unknown>,
  logger: EngineContext['logger'],
): Record<string, unknown> {
  const ignored = ENGINE_STATUS_FIELDS.filter(f => f in status);
  if (ignored.length === 0) return status;
  logger.warn(
    `ignoring ${ignored.join(
      ', ',
    )} in /kratix/metadata/status.yaml: the engine sets ${
      ignored.length > 1 ? 'these fields' : 'this field'
    }`,
  );
  const rest = { ...status };
  for (const f of ignored) delete rest[f];
  return rest;
}

/**
 * Kratix's merge of a pipeline's status.yaml into a status: keys of the
 * incoming status replace existing ones, except `conditions`, which are
 * merged by type (runPipeline has checked their shape).
 */
export function mergeStatus<S extends Record<string, unknown>>(
  existing: S,
  incoming: Record<string, unknown>,
): S {
  const result: Record<string, any> = { ...existing };
  for (const [key, value] of Object.entries(incoming)) {
    if (key !== 'conditions') {
      result[key] = value;
    } else if (Array.isArray(value)) {
      const merged: any[] = Array.isArray(result.conditions)
        ? [...result.conditions]
        : [];
      for (const condition of value) {
        const i = merged.findIndex(c => c?.type === condition.type);
        if (i >= 0) merged[i] = condition;
        else merged.push(condition);
      }
      result.conditions = merged;
    }
  }
  return result as S;
}

export function buildWork(
  target: WorkflowTarget,
  pipelineName: string | undefined,
  groups: WorkloadGroup[],
  name = workName(target, pipelineName ?? ''),
): WorkObject {
  const labels: Record<string, string> = {
    [LABEL_PROMISE_NAME]: target.promise.metadata.name,
    [LABEL_WORK_TYPE]: pipelineName ? target.type : 'static-dependencies',
  };
  if (pipelineName) labels[LABEL_PIPELINE_NAME] = pipelineName;
  if (target.type === 'resource') {
    labels[LABEL_RESOURCE_NAME] = target.object.metadata.name;
  }
  return {
    apiVersion: KRATIX_API_VERSION,
    kind: 'Work',
    metadata: { name, namespace: workNamespace(target), labels },
    spec: {
      promiseName: target.promise.metadata.name,
      ...(target.type === 'resource'
        ? { resourceName: target.object.metadata.name }
        : {}),
      workloadGroups: groups,
    },
  };
}

/**
 * Makes the Works of one owner exactly `desired`: creates and updates those,
 * deletes the owner's other Works (of pipelines that no longer exist).
 */
export async function syncWorks(
  ctx: EngineContext,
  owner: { namespace: string; labels: Record<string, string> },
  desired: WorkObject[],
  keep: (work: WorkObject) => boolean = () => false,
) {
  const existing = await ctx.store.list(WORK_KIND, {
    namespace: owner.namespace,
    labelSelector: labelsEqual(owner.labels),
  });
  for (const work of desired) {
    const current = existing.find(w => w.metadata.name === work.metadata.name);
    if (!current) {
      await ctx.store.create({
        ...work,
        metadata: { ...work.metadata, finalizers: [WORK_FINALIZER] },
      });
    } else if (
      !jsonEqual(current.spec, work.spec) ||
      !jsonEqual(current.metadata.labels, work.metadata.labels)
    ) {
      await ctx.store.update({
        ...current,
        spec: work.spec,
        metadata: { ...current.metadata, labels: work.metadata.labels },
      });
    }
  }
  for (const work of existing) {
    if (
      !desired.some(d => d.metadata.name === work.metadata.name) &&
      !keep(work)
    ) {
      await deleteIfExists(ctx.store, {
        ...WORK_KIND,
        namespace: owner.namespace,
        name: work.metadata.name,
      });
    }
  }
}

/**
 * Runs an object's delete workflow once: success is recorded in its status,
 * so a deletion retried later (waiting on Works, say) does not run it again.
 * A failure is a condition on the object, and blocks the deletion.
 */
export async function runDeleteWorkflowOnce(
  ctx: EngineContext,
  target: WorkflowTarget,
): Promise<KubeObject> {
  const status: WorkflowObjectStatus = { ...(target.object.status ?? {}) };
  const pipelines =
    (target.promise.spec?.workflows as any)?.[target.type]?.delete ?? [];
  if (status.deleteWorkflowCompleted || pipelines.length === 0)
    return target.object;
  const outcome = await runWorkflow(ctx, target, 'delete');
  if (!outcome.ok) {
    status.conditions = setCondition(status.conditions, {
      type: 'DeleteWorkflowCompleted',
      status: 'False',
      reason: outcome.reason,
      message: `pipeline "${outcome.pipeline}" failed: ${outcome.message}`,
    });
    await writeStatus(ctx.store, target.object, status);
    throw new Error(
      `delete workflow of ${target.object.kind} ${target.object.metadata.name} failed: ${outcome.message}`,
    );
  }
  status.deleteWorkflowCompleted = true;
  return writeStatus(ctx.store, target.object, status);
}

/** Deletes an owner's Works; true once they are all gone. */
export async function deleteOwnedWorks(
  ctx: EngineContext,
  owner: { namespace: string; labels: Record<string, string> },
): Promise<boolean> {
  await syncWorks(ctx, owner, []);
  const remaining = await ctx.store.list(WORK_KIND, {
    namespace: owner.namespace,
    labelSelector: labelsEqual(owner.labels),
  });
  return remaining.length === 0;
}
