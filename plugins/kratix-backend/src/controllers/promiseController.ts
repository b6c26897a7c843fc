import { stringify } from 'yaml';
import {
  KRATIX_SYSTEM_NAMESPACE,
  LABEL_PROMISE_NAME,
  LABEL_PROMISE_VERSION,
  LABEL_RESOURCE_NAME,
  LABEL_WORK_TYPE,
  PromiseObject,
  PromiseStatus,
  RequiredPromiseStatus,
} from '@kratix-backstage/plugin-kratix-common';
import { workloadGroupId } from '../pipelines/workloadGroups';
import { EngineContext, ReconcileResult } from './context';
import { Controller, ownedWorkChanges, specChanged } from './controller';
import { PROMISE_KIND, sameKind } from '../admission/kinds';
import {
  clearManualReconciliation,
  deleteIfExists,
  removeFinalizer,
  setCondition,
  wantsManualReconciliation,
  writeStatus,
} from './objects';
import { jsonEqual } from '../store/json';
import {
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

/** Kratix's Promise `Available` condition. */
const AVAILABLE = {
  type: 'Available',
  status: 'True' as const,
  reason: 'PromiseAvailable',
  message: 'Ready to fulfil resource requests',
};
const UNAVAILABLE = {
  type: 'Available',
  status: 'False' as const,
  reason: 'PromiseUnavailable',
  message: 'Cannot fulfil resource requests',
};

/** A safety net: a required Promise becoming Available enqueues us too. */
const REQUIREMENTS_RETRY_MS = 30_000;
const REQUIREMENT_INSTALLED = 'Requirement installed';

/**
 * Kratix's `spec.requiredPromises`: each must exist, at the version asked
 * for (its `kratix.io/promise-version` label), and be Available.
 */
async function evaluateRequirements(
  ctx: EngineContext,
  promise: PromiseObject,
) {
  const statuses: RequiredPromiseStatus[] = [];
  let reason = '';
  for (const req of promise.spec?.requiredPromises ?? []) {
    const required = (await ctx.store.get({
      ...PROMISE_KIND,
      name: req.name,
    })) as PromiseObject | undefined;
    let state = REQUIREMENT_INSTALLED;
    if (!required) {
      state = 'Requirement not installed';
      reason = reason || 'RequirementsNotInstalled';
    } else if (
      req.version &&
      required.metadata.labels?.[LABEL_PROMISE_VERSION] !== req.version
    ) {
      state = 'Requirement not installed at the specified version';
      reason = reason || 'RequirementsNotInstalled';
    } else if (required.status?.status !== 'Available') {
      state = 'Requirement not available';
      reason = reason || 'RequirementsNotAvailable';
    }
    statuses.push({
      name: req.name,
      ...(req.version ? { version: req.version } : {}),
      state,
    });
  }
  const condition = reason
    ? {
        type: 'RequirementsFulfilled',
        status: 'False' as const,
        reason,
        message: 'Requirements not fulfilled',
      }
    : {
        type: 'RequirementsFulfilled',
        status: 'True' as const,
        reason: 'RequirementsInstalled',
        message: 'Requirements fulfilled',
      };
  return { condition, statuses };
}

/**
 * The Promise controller. Besides its own Promises it watches the Promises
 * they require (one becoming Available or not changes whether a Promise
 * is) and the Works it owns.
 */
export function promiseController(
  ctx: EngineContext,
  concurrency: number,
): Controller {
  const promises = async () =>
    (await ctx.store.list(PROMISE_KIND)) as PromiseObject[];
  const key = (name: string) => ({ type: 'promise' as const, name });
  return {
    name: 'promise',
    concurrency,
    resync: async () => (await promises()).map(p => key(p.metadata.name)),
    watches: [
      {
        kind: k => sameKind(k, PROMISE_KIND),
        keys: change =>
          specChanged(change) ? [key(change.object.metadata.name)] : [],
      },
      {
        kind: k => sameKind(k, PROMISE_KIND),
        keys: async change => {
          const { object, previous } = change;
          if (
            !specChanged(change) &&
            previous?.status?.status === object.status?.status
          ) {
            return [];
          }
          return (await promises())
            .filter(p =>
              p.spec?.requiredPromises?.some(
                r => r.name === object.metadata.name,
              ),
            )
            .map(p => key(p.metadata.name));
        },
      },
      ownedWorkChanges(labels =>
        labels[LABEL_PROMISE_NAME] && !labels[LABEL_RESOURCE_NAME]
          ? [key(labels[LABEL_PROMISE_NAME])]
          : [],
      ),
    ],
    reconcile: k =>
      k.type === 'promise' ? reconcilePromise(ctx, k.name) : Promise.resolve(),
  };
}

/**
 * Installs a Promise: its API (the kind becomes requestable as soon as the
 * Promise is stored), its static dependencies Work and its promise workflows.
 * Deleting it removes its resource requests first, then its own Works.
 */
async function reconcilePromise(
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
  let status: PromiseStatus = { ...(promise.status ?? {}) };
  const wasAvailable = status.status === 'Available';
  const kind = ctx.kinds.forPromise(name);
  if (kind) {
    status.apiVersion = `${kind.group}/${kind.version}`;
    status.kind = kind.kind;
  }

  const requirements = await evaluateRequirements(ctx, promise);
  status.conditions = setCondition(status.conditions, requirements.condition);
  if (requirements.statuses.length) {
    status.requiredPromises = requirements.statuses;
  } else {
    delete status.requiredPromises;
  }
  if (requirements.condition.status !== 'True') {
    // Kratix: nothing is installed, and requests wait, until they are.
    status.status = 'Unavailable';
    status.conditions = setCondition(status.conditions, UNAVAILABLE);
    if (!jsonEqual(promise.status?.requiredPromises, requirements.statuses)) {
      for (const r of requirements.statuses.filter(
        x => x.state !== REQUIREMENT_INSTALLED,
      )) {
        await ctx.events.record(
          promise,
          'Normal',
          requirements.condition.reason,
          `Waiting for required Promise ${r.name}: ${r.state}`,
        );
      }
    }
    await writeStatus(ctx.store, promise, status);
    return { requeueAfterMs: REQUIREMENTS_RETRY_MS };
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

  let rerunRequests = false;
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
      status.conditions = setCondition(status.conditions, UNAVAILABLE);
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
    rerunRequests = true;
  }
  status.status = 'Available';
  status.conditions = setCondition(status.conditions, AVAILABLE);
  await writeStatus(ctx.store, promise, status);
  if (!wasAvailable) {
    await ctx.events.record(
      promise,
      'Normal',
      'Available',
      'Promise is available',
    );
  }
  // Requests re-run their workflows against a new Promise, and start once
  // it becomes Available; their controller checks that, so only after the
  // status is written.
  if (kind && (rerunRequests || !wasAvailable)) {
    for (const r of await ctx.store.list(kind)) {
      await ctx.enqueue(
        resourceKey(kind, r.metadata.namespace!, r.metadata.name),
      );
    }
  }
  await clearManualReconciliation(ctx.store, promise);
  return undefined;
}

/** How many requests each deleting Promise last said it waits for. */
const waitingOn = new Map<string, number>();

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
      if (waitingOn.get(name) !== requests.length) {
        waitingOn.set(name, requests.length);
        ctx.logger.info(
          `Promise ${name}: waiting for ${requests.length} resource request(s) to be deleted`,
        );
      }
      return { requeueAfterMs: 2000 };
    }
    waitingOn.delete(name);
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
