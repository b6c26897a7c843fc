import {
  KRATIX_API_VERSION,
  KRATIX_SYSTEM_NAMESPACE,
  KubeObject,
  LABEL_PIPELINE_NAME,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  PipelineObject,
  PromiseObject,
  TaggedSelector,
  WorkObject,
  WorkloadGroup,
} from '@kratix-backstage/plugin-kratix-common';
import { runPipeline } from '../pipelines/runPipeline';
import { kratixEnv } from '../pipelines/kratixEnv';
import { EngineContext } from './context';
import { KindInfo } from './types';
import { labelsEqual, isEqual, deleteIfExists } from './objects';
import { WORK_KIND } from './kinds';

export const LABEL_WORK_TYPE = 'kratix.io/work-type';

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
  for (const pipeline of pipelines) {
    const logger = ctx.logger.child({
      pipeline: pipeline.metadata.name,
      object: `${target.kind.kind}/${target.object.metadata.name}`,
    });
    const result = await runPipeline({
      pipeline,
      object: target.object,
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
      // Shutting down is not the pipeline's failure: leave no verdict, so the
      // next start runs it again.
      throw new Error(`pipeline ${pipeline.metadata.name} interrupted by shutdown`);
    }
    if (!result.ok) {
      logger.warn(`pipeline failed: ${result.message}`);
      return {
        ok: false,
        pipeline: pipeline.metadata.name,
        reason: result.reason,
        message: result.message,
      };
    }
    logger.info(`pipeline completed${result.logs ? `: ${result.logs.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    status = { ...status, ...(result.status ?? {}) };
    if (action === 'configure' && result.workloadGroups.length > 0) {
      works.push(
        buildWork(target, pipeline.metadata.name, withPromiseSelectors(result.workloadGroups, target.promise)),
      );
    }
  }
  return { ok: true, works, status };
}

export function buildWork(
  target: WorkflowTarget,
  pipelineName: string | undefined,
  groups: WorkloadGroup[],
  name = workName(target, pipelineName ?? ''),
): WorkObject {
  const labels: Record<string, string> = {
    [LABEL_PROMISE_NAME]: target.promise.metadata.name,
    [LABEL_WORK_TYPE]: pipelineName
      ? target.type
      : 'static-dependencies',
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
      await ctx.store.create({ ...work, metadata: { ...work.metadata, finalizers: ['kratix.io/cleanup'] } });
    } else if (
      !isEqual(current.spec, work.spec) ||
      !isEqual(current.metadata.labels, work.metadata.labels)
    ) {
      await ctx.store.update({
        ...current,
        spec: work.spec,
        metadata: { ...current.metadata, labels: work.metadata.labels },
      });
    }
  }
  for (const work of existing) {
    if (!desired.some(d => d.metadata.name === work.metadata.name) && !keep(work)) {
      await deleteIfExists(ctx.store, { ...WORK_KIND, namespace: owner.namespace, name: work.metadata.name });
    }
  }
}
