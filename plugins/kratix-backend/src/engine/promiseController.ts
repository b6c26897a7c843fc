import { stringify } from 'yaml';
import {
  KRATIX_SYSTEM_NAMESPACE,
  LABEL_PROMISE_NAME,
  PromiseObject,
} from '@kratix-backstage/plugin-kratix-common';
import { workloadGroupId } from '../pipelines/workloadGroups';
import { EngineContext, ReconcileResult } from './context';
import { PROMISE_KIND } from './kinds';
import {
  clearManualReconciliation,
  deleteIfExists,
  removeFinalizer,
  setCondition,
  wantsManualReconciliation,
  writeStatus,
} from './objects';
import {
  LABEL_WORK_TYPE,
  buildWork,
  mergeStatus,
  promiseSelectors,
  runWorkflow,
  syncWorks,
  deleteOwnedWorks,
  runDeleteWorkflowOnce,
} from './workflows';
import { resourceKey } from './keys';

function staticDependenciesWork(promise: PromiseObject) {
  const deps = promise.spec?.dependencies ?? [];
  if (deps.length === 0) return [];
  const name = promise.metadata.name;
  const content = deps.map(d => stringify(d)).join('---\n');
  return [
    buildWork(
      { type: 'promise', object: promise, promise, kind: PROMISE_KIND },
      undefined,
      [
        {
          id: workloadGroupId('.'),
          directory: '.',
          workloads: [
            { filepath: `static/${name}-dependencies.yaml`, content },
          ],
          destinationSelectors: promiseSelectors(promise),
        },
      ],
      `${name}-static-deps`,
    ),
  ];
}

/**
 * Installs a Promise: its API (the kind becomes requestable as soon as the
 * Promise is stored), its static dependencies Work and its promise workflows.
 * Deleting it removes its resource requests first, then its own Works.
 */
export async function reconcilePromise(
  ctx: EngineContext,
  name: string,
): Promise<ReconcileResult | void> {
  const promise = (await ctx.store.get({ ...PROMISE_KIND, name })) as
    | PromiseObject
    | undefined;
  if (!promise) return undefined;
  if (promise.metadata.deletionTimestamp) {
    return deletePromise(ctx, promise);
  }
  const generation = promise.metadata.generation ?? 1;
  let status: Record<string, any> = { ...(promise.status ?? {}) };
  const kind = ctx.kinds.forPromise(name);
  if (kind) {
    status.apiVersion = `${kind.group}/${kind.version}`;
    status.kind = kind.kind;
  }

  await syncWorks(
    ctx,
    {
      namespace: KRATIX_SYSTEM_NAMESPACE,
      labels: {
        [LABEL_PROMISE_NAME]: name,
        [LABEL_WORK_TYPE]: 'static-dependencies',
      },
    },
    staticDependenciesWork(promise),
  );

  if (
    status.observedGeneration !== generation ||
    wantsManualReconciliation(promise)
  ) {
    const outcome = await runWorkflow(
      ctx,
      { type: 'promise', object: promise, promise, kind: PROMISE_KIND },
      'configure',
    );
    if (!outcome.ok) {
      status.conditions = setCondition(status.conditions, {
        type: 'ConfigureWorkflowCompleted',
        status: 'False',
        reason: outcome.reason,
        message: `pipeline "${outcome.pipeline}" failed: ${outcome.message}`,
      });
      status.status = 'Unavailable';
      status.observedGeneration = generation;
      await writeStatus(ctx.store, promise, status);
      await clearManualReconciliation(ctx.store, promise);
      return undefined;
    }
    await syncWorks(
      ctx,
      {
        namespace: KRATIX_SYSTEM_NAMESPACE,
        labels: { [LABEL_PROMISE_NAME]: name, [LABEL_WORK_TYPE]: 'promise' },
      },
      outcome.works,
    );
    status = mergeStatus(status, outcome.status);
    if (kind) {
      status.apiVersion = `${kind.group}/${kind.version}`;
      status.kind = kind.kind;
    }
    status.conditions = setCondition(status.conditions, {
      type: 'ConfigureWorkflowCompleted',
      status: 'True',
      reason: 'PipelinesExecutedSuccessfully',
      message: 'Pipelines completed',
    });
    status.observedGeneration = generation;
    // Resource requests re-run their workflows against the new Promise.
    if (kind) {
      for (const r of await ctx.store.list(kind)) {
        await ctx.enqueue(
          resourceKey(kind, r.metadata.namespace!, r.metadata.name),
        );
      }
    }
  }
  status.status = 'Available';
  await writeStatus(ctx.store, promise, status);
  await clearManualReconciliation(ctx.store, promise);
  return undefined;
}

async function deletePromise(
  ctx: EngineContext,
  promise: PromiseObject,
): Promise<ReconcileResult | void> {
  const name = promise.metadata.name;
  const kind = ctx.kinds.forPromise(name);
  if (kind) {
    const requests = await ctx.store.list(kind);
    for (const r of requests) {
      if (!r.metadata.deletionTimestamp) {
        await deleteIfExists(ctx.store, {
          ...kind,
          namespace: r.metadata.namespace,
          name: r.metadata.name,
        });
      }
    }
    if (requests.length > 0) {
      ctx.logger.info(
        `Promise ${name}: waiting for ${requests.length} resource request(s) to be deleted`,
      );
      return { requeueAfterMs: 2000 };
    }
  }
  const deleted = await runDeleteWorkflowOnce(ctx, {
    type: 'promise',
    object: promise,
    promise,
    kind: PROMISE_KIND,
  });
  const gone = await deleteOwnedWorks(ctx, {
    namespace: KRATIX_SYSTEM_NAMESPACE,
    labels: { [LABEL_PROMISE_NAME]: name },
  });
  if (!gone) return { requeueAfterMs: 1000 };
  await ctx.runs.deleteFor({
    type: 'promise',
    object: promise,
    promiseName: name,
  });
  await removeFinalizer(ctx.store, deleted);
  return undefined;
}
