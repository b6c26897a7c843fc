import {
  Condition,
  KubeObject,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  PromiseObject,
  ResourceRequestObject,
  ResourceRequestStatus,
  WorkGroupStatus,
  WorkObject,
} from '@kratix-backstage/plugin-kratix-common';
import { EngineContext, ReconcileResult } from './context';
import { Controller, ownedWorkChanges, specChanged } from './controller';
import { resourceKey } from './keys';
import { PROMISE_KIND, WORK_KIND } from '../admission/kinds';
import {
  clearManualReconciliation,
  labelsEqual,
  removeFinalizer,
  setCondition,
  wantsManualReconciliation,
  writeStatus,
} from './objects';
import {
  deleteOwnedWorks,
  mergeStatus,
  runDeleteWorkflowOnce,
  runWorkflow,
  syncWorks,
} from './workflows';

type ResourceKey = {
  group: string;
  kind: string;
  namespace: string;
  name: string;
};

/**
 * The resource request controller, for every kind a Promise defines (Kratix
 * starts one dynamic controller per Promise; one here serves them all).
 */
export function resourceRequestController(
  ctx: EngineContext,
  concurrency: number,
): Controller {
  return {
    name: 'resource',
    concurrency,
    async resync() {
      const keys = [];
      for (const kind of ctx.kinds.list().filter(k => k.promiseName)) {
        for (const r of await ctx.store.list(kind)) {
          keys.push(resourceKey(kind, r.metadata.namespace!, r.metadata.name));
        }
      }
      return keys;
    },
    watches: [
      {
        kind: k => Boolean(k.promiseName),
        keys: change => {
          const kind = ctx.kinds.byKind(
            change.object.apiVersion,
            change.object.kind,
          );
          const { namespace, name } = change.object.metadata;
          return kind && specChanged(change)
            ? [resourceKey(kind, namespace!, name)]
            : [];
        },
      },
      ownedWorkChanges((labels, object) => {
        const resourceName = labels[LABEL_RESOURCE_NAME];
        const kind = resourceName
          ? ctx.kinds.forPromise(labels[LABEL_PROMISE_NAME] ?? '')
          : undefined;
        return kind
          ? [resourceKey(kind, object.metadata.namespace!, resourceName)]
          : [];
      }),
    ],
    reconcile: key =>
      key.type === 'resource' ? reconcileResource(ctx, key) : Promise.resolve(),
  };
}

/**
 * A resource request: validated at admission, configured by the Promise's
 * resource workflow (one Work per pipeline), and reported back with where
 * its workloads were scheduled, or why they were not.
 */
async function reconcileResource(
  ctx: EngineContext,
  key: ResourceKey,
): Promise<ReconcileResult | void> {
  const object = (await ctx.store.get(key)) as
    | ResourceRequestObject
    | undefined;
  if (!object) return undefined;
  const kind = ctx.kinds.byGroupKind(key.group, key.kind);
  const promise = kind ? ctx.kinds.promiseObject(kind.promiseName!) : undefined;
  const owner = {
    namespace: key.namespace,
    labels: {
      [LABEL_PROMISE_NAME]: kind?.promiseName ?? '',
      [LABEL_RESOURCE_NAME]: key.name,
    },
  };

  if (object.metadata.deletionTimestamp) {
    return deleteResource(ctx, object, promise, kind, owner);
  }
  if (!kind || !promise || promise.metadata.deletionTimestamp) {
    return undefined;
  }
  // Kratix runs no workflow of a request while its Promise is Unavailable
  // (requirements missing, its own workflow failed); becoming Available
  // enqueues its requests again. The registry follows the feed, so its
  // "Available" is the common answer without a read; but the replica that
  // made the Promise Available enqueued this request, and its change may
  // not have reached this replica yet, so "not Available" is the store's.
  const available = (p?: KubeObject) => p?.status?.status === 'Available';
  if (
    !available(promise) &&
    !available(
      await ctx.store.get({ ...PROMISE_KIND, name: kind.promiseName! }),
    )
  ) {
    await writeStatus(ctx.store, object, {
      ...(object.status ?? {}),
      message: 'Pending',
      conditions: setCondition(object.status?.conditions, {
        type: 'PromiseAvailable',
        status: 'False',
        reason: 'PromiseRequirementsNotInstalled',
        message: 'Promise Requirements are not installed',
      }),
    });
    return undefined;
  }

  const generation = object.metadata.generation ?? 1;
  const promiseGeneration = promise.metadata.generation ?? 1;
  let status: ResourceRequestStatus = { ...(object.status ?? {}) };
  status.conditions = setCondition(status.conditions, {
    type: 'PromiseAvailable',
    status: 'True',
    reason: 'PromiseAvailable',
    message: 'Promise Requirements are met',
  });
  let current = object;
  if (
    status.observedGeneration !== generation ||
    status.observedPromiseGeneration !== promiseGeneration ||
    wantsManualReconciliation(object)
  ) {
    status.conditions = setCondition(status.conditions, {
      type: 'ConfigureWorkflowCompleted',
      status: 'False',
      reason: 'PipelinesInProgress',
      message: 'Pipelines are still in progress',
    });
    // Kratix's default until a pipeline's status.yaml says otherwise.
    status.message = status.message ?? 'Pending';
    current = await writeStatus(ctx.store, current, status);
    const outcome = await runWorkflow(
      ctx,
      { type: 'resource', object: current, promise, kind },
      'configure',
    );
    status.observedGeneration = generation;
    status.observedPromiseGeneration = promiseGeneration;
    if (!outcome.ok) {
      status.conditions = setCondition(status.conditions, {
        type: 'ConfigureWorkflowCompleted',
        status: 'False',
        reason: outcome.reason,
        message: `pipeline "${outcome.pipeline}" failed: ${outcome.message}`,
      });
      status.schedulingMessage = `Configure workflow failed: ${outcome.message}`;
      await writeStatus(ctx.store, current, status);
      await clearManualReconciliation(ctx.store, current);
      return undefined;
    }
    await syncWorks(ctx, owner, outcome.works);
    status = mergeStatus(status, outcome.status);
    status.conditions = setCondition(status.conditions, {
      type: 'ConfigureWorkflowCompleted',
      status: 'True',
      reason: 'PipelinesExecutedSuccessfully',
      message: 'Pipelines completed',
    });
  }

  const works = (await ctx.store.list(WORK_KIND, {
    namespace: key.namespace,
    labelSelector: labelsEqual(owner.labels),
  })) as WorkObject[];
  const { worksCondition, ...scheduling } = schedulingStatus(works);
  delete status.misplaced;
  status = { ...status, ...scheduling };
  status.conditions = setCondition(status.conditions, worksCondition);
  await writeStatus(ctx.store, current, status);
  await clearManualReconciliation(ctx.store, current);
  return undefined;
}

/**
 * Beyond Kratix: the request's status says where each workload group went,
 * or what it needs, so a developer sees the outcome without reading logs.
 */
function schedulingStatus(works: WorkObject[]) {
  const groups: (WorkGroupStatus & { work: string })[] = works.flatMap(w =>
    (w.status?.workloadGroups ?? []).map(g => ({
      ...g,
      work: w.metadata.name,
    })),
  );
  const destinations = [...new Set(groups.flatMap(g => g.destinations))].sort();
  const pending = groups.filter(g => g.unscheduled);
  const misplaced = groups.filter(g => g.misplaced.length > 0);
  // No Works (no resource workflow, or one with no output) is done, as in
  // Kratix, not pending forever.
  const scheduledAll =
    pending.length === 0 &&
    works.every(w => w.status?.observedGeneration === w.metadata.generation);
  const worksCondition: Omit<Condition, 'lastTransitionTime'> = scheduledAll
    ? {
        type: 'WorksSucceeded',
        status: 'True',
        reason: 'AllWorksSucceeded',
        message: 'All works associated with this resource are ready',
      }
    : {
        type: 'WorksSucceeded',
        status: 'False',
        reason: 'WorksPending',
        message: pending.length
          ? `No matching destination found for workloadGroups: [${pending
              .map(g => g.id)
              .join(' ')}]`
          : 'Some works associated with this resource are not ready',
      };
  let message = 'Pending';
  if (pending.length > 0) {
    message = `Pending: ${pending.map(g => g.summary).join('; ')}`;
  } else if (destinations.length > 0) {
    message = `Scheduled on ${destinations.join(', ')}`;
  } else if (works.length === 0) {
    message = 'Resource requested';
  }
  return {
    destinations,
    scheduling: groups,
    schedulingMessage: message,
    ...(misplaced.length
      ? {
          misplaced: misplaced.map(g => ({
            work: g.work,
            id: g.id,
            destinations: g.misplaced,
          })),
        }
      : {}),
    worksCondition,
  };
}

async function deleteResource(
  ctx: EngineContext,
  object: ResourceRequestObject,
  promise: PromiseObject | undefined,
  kind: ReturnType<EngineContext['kinds']['byGroupKind']>,
  owner: { namespace: string; labels: Record<string, string> },
): Promise<ReconcileResult | void> {
  let deleted = object;
  if (promise && kind) {
    const hasDeleteWorkflow =
      (promise.spec?.workflows?.resource?.delete ?? []).length > 0;
    if (hasDeleteWorkflow && !object.status?.deleteWorkflowCompleted) {
      deleted = await writeStatus(ctx.store, object, {
        ...(object.status ?? {}),
        message: 'Deleting: delete workflow running',
      });
    }
    try {
      deleted = await runDeleteWorkflowOnce(ctx, {
        type: 'resource',
        object: deleted,
        promise,
        kind,
      });
    } catch (e) {
      const fresh = await ctx.store.get({
        group: kind.group,
        kind: kind.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
      });
      if (fresh) {
        await writeStatus(ctx.store, fresh, {
          ...(fresh.status ?? {}),
          message: `Deleting: delete workflow failed: ${(e as Error).message}`,
        });
      }
      throw e;
    }
  }
  if (!(await deleteOwnedWorks(ctx, owner))) {
    await writeStatus(ctx.store, deleted, {
      ...(deleted.status ?? {}),
      message: deleted.status?.deleteWorkflowCompleted
        ? 'Deleting: delete workflow completed; removing its Works'
        : 'Deleting: removing its Works',
    });
    return { requeueAfterMs: 1000 };
  }
  await ctx.runs.deleteFor({
    type: 'resource',
    object,
    promiseName: owner.labels[LABEL_PROMISE_NAME],
  });
  await removeFinalizer(ctx.store, deleted);
  return undefined;
}
