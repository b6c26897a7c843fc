import {
  DestinationCandidate,
  DestinationObject,
  KRATIX_API_VERSION,
  LABEL_DRY_RUN,
  LABEL_MISPLACED,
  LABEL_PIPELINE_NAME,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  LABEL_WORK,
  LABEL_WORKLOAD_GROUP_ID,
  Labels,
  WorkGroupStatus,
  WorkObject,
  WorkPlacementObject,
  decideSchedule,
  explainScheduling,
  selectorsBySource,
} from '@kratix-backstage/plugin-kratix-common';
import { EngineContext, ReconcileResult } from './context';
import { DESTINATION_KIND, WORK_KIND, WORK_PLACEMENT_KIND } from './kinds';
import { FINALIZER } from './admission';
import {
  isEqual,
  labelsEqual,
  removeFinalizer,
  setCondition,
  writeStatus,
  deleteIfExists,
} from './objects';
import { encodeKey } from './keys';

/** Kratix re-queues unscheduled Works every 60 s; so do we, as a safety net. */
export const UNSCHEDULED_RETRY_MS = 60_000;
export const LABEL_DESTINATION = 'kratix.io/destination-name';

export function toCandidate(d: DestinationObject): DestinationCandidate {
  return {
    name: d.metadata.name,
    labels: d.metadata.labels ?? {},
    strictMatchLabels: d.spec?.strictMatchLabels === true,
    dryRun: d.metadata.labels?.[LABEL_DRY_RUN] === 'true',
    deleting: Boolean(d.metadata.deletionTimestamp),
  };
}

export function placementName(
  work: string,
  destination: string,
  groupId: string,
) {
  return `${work}.${destination}-${groupId.slice(0, 5)}`;
}

export function groupRef(namespace: string, work: string, groupId: string) {
  return `${namespace}/${work}/${groupId}`;
}

/**
 * The scheduler: for every workload group of a Work, resolve its selectors,
 * decide (pure core) where it goes, and make the WorkPlacements match.
 * Every outcome ends up as a condition with a reason.
 */
export async function reconcileWork(
  ctx: EngineContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult | void> {
  const work = (await ctx.store.get({ ...WORK_KIND, namespace, name })) as
    | WorkObject
    | undefined;
  const workKey = encodeKey({ type: 'work', namespace, name });
  const placements = (await ctx.store.list(WORK_PLACEMENT_KIND, {
    namespace,
    labelSelector: labelsEqual({ [LABEL_WORK]: name }),
  })) as WorkPlacementObject[];

  if (!work || work.metadata.deletionTimestamp) {
    ctx.recordScheduling(workKey, []);
    for (const p of placements) {
      if (!p.metadata.deletionTimestamp) {
        await deleteIfExists(ctx.store, {
          ...WORK_PLACEMENT_KIND,
          namespace,
          name: p.metadata.name,
        });
      }
    }
    if (!work) return undefined;
    if (placements.length > 0) return { requeueAfterMs: 1000 };
    await removeFinalizer(ctx.store, work);
    return undefined;
  }

  const destinations = (await ctx.store.list(
    DESTINATION_KIND,
  )) as DestinationObject[];
  const candidates = destinations.map(toCandidate);
  const existingNames = new Set(destinations.map(d => d.metadata.name));
  const groups = work.spec?.workloadGroups ?? [];
  const isDependency = !work.spec?.resourceName;
  const groupStatuses: WorkGroupStatus[] = [];
  const keep = new Set<string>();

  for (const group of groups) {
    const selectors = group.destinationSelectors ?? [];
    const mine = placements.filter(
      p =>
        p.metadata.labels?.[LABEL_WORKLOAD_GROUP_ID] === group.id &&
        !p.metadata.deletionTimestamp &&
        existingNames.has(p.spec!.targetDestinationName),
    );
    const decision = decideSchedule({
      selectors,
      destinations: candidates,
      placedOn: mine.map(p => p.spec!.targetDestinationName),
      isDependency,
      random: ctx.random,
    });
    const misplaced = new Set(decision.misplaced);
    for (const destination of [
      ...decision.kept,
      ...decision.misplaced,
      ...decision.place,
    ]) {
      const placement = buildPlacement(
        work,
        group.id,
        destination,
        misplaced.has(destination),
      );
      keep.add(placement.metadata.name);
      const current = mine.find(
        p => p.spec!.targetDestinationName === destination,
      );
      if (!current) {
        await ctx.store.create(placement);
      } else if (
        !isEqual(current.spec, placement.spec) ||
        !isEqual(current.metadata.labels, placement.metadata.labels)
      ) {
        await ctx.store.update({
          ...current,
          spec: placement.spec,
          metadata: { ...current.metadata, labels: placement.metadata.labels },
        });
      }
    }
    const placedOn = [
      ...decision.kept,
      ...decision.misplaced,
      ...decision.place,
    ].sort();
    const explanation = explainScheduling(selectors, candidates);
    if (decision.unscheduled) {
      ctx.logger.warn('no Destinations can be selected for scheduling', {
        destinationSelectors: selectorsBySource(selectors),
        resolvedSelectors: decision.resolved,
        workloadGroupId: group.id,
        directory: group.directory,
        work: `${namespace}/${name}`,
      });
    }
    groupStatuses.push({
      id: group.id,
      directory: group.directory,
      resolvedSelectors: decision.resolved,
      destinations: placedOn,
      misplaced: [...misplaced].sort(),
      unscheduled: decision.unscheduled,
      summary: explanation.summary,
    });
  }

  // Placements of groups the Work no longer has, or on destinations gone.
  for (const p of placements) {
    if (!keep.has(p.metadata.name) && !p.metadata.deletionTimestamp) {
      await deleteIfExists(ctx.store, {
        ...WORK_PLACEMENT_KIND,
        namespace,
        name: p.metadata.name,
      });
    }
  }

  ctx.recordScheduling(
    workKey,
    groups.map((g, i) => ({
      ref: groupRef(namespace, name, g.id),
      resolved: groupStatuses[i].resolvedSelectors,
      isDependency,
      placedOn: groupStatuses[i].destinations,
    })),
  );

  await writeStatus(ctx.store, work, workStatus(work, groupStatuses));
  return groupStatuses.some(g => g.unscheduled)
    ? { requeueAfterMs: UNSCHEDULED_RETRY_MS }
    : undefined;
}

function workStatus(work: WorkObject, groups: WorkGroupStatus[]) {
  const unscheduled = groups.filter(g => g.unscheduled).map(g => g.id);
  const misplaced = groups.filter(g => g.misplaced.length > 0).map(g => g.id);
  let condition: { status: 'True' | 'False'; reason: string; message: string };
  if (unscheduled.length > 0) {
    condition = {
      status: 'False',
      reason: 'UnscheduledWorkloads',
      message: `No matching destination found for workloadGroups: [${unscheduled.join(
        ' ',
      )}]`,
    };
  } else if (misplaced.length > 0) {
    condition = {
      status: 'False',
      reason: 'Misplaced',
      message: `Target destination no longer matches destinationSelectors for workloadGroups: [${misplaced.join(
        ' ',
      )}]`,
    };
  } else {
    condition = {
      status: 'True',
      reason: 'AllWorkplacementsScheduled',
      message: 'All workplacements scheduled successfully',
    };
  }
  let conditions = setCondition(work.status?.conditions, {
    type: 'ScheduleSucceeded',
    ...condition,
  });
  conditions = setCondition(conditions, { type: 'Ready', ...condition });
  return {
    ...(work.status ?? {}),
    observedGeneration: work.metadata.generation,
    workPlacements: groups.reduce((n, g) => n + g.destinations.length, 0),
    workPlacementsCreated: groups.reduce(
      (n, g) => n + g.destinations.length,
      0,
    ),
    conditions,
    workloadGroups: groups,
  };
}

function buildPlacement(
  work: WorkObject,
  groupId: string,
  destination: string,
  misplaced: boolean,
): WorkPlacementObject {
  const group = work.spec!.workloadGroups.find(g => g.id === groupId)!;
  const labels: Labels = {
    [LABEL_WORK]: work.metadata.name,
    [LABEL_WORKLOAD_GROUP_ID]: groupId,
    [LABEL_DESTINATION]: destination,
    [LABEL_PROMISE_NAME]: work.spec!.promiseName,
  };
  const pipeline = work.metadata.labels?.[LABEL_PIPELINE_NAME];
  if (pipeline) labels[LABEL_PIPELINE_NAME] = pipeline;
  if (work.spec!.resourceName)
    labels[LABEL_RESOURCE_NAME] = work.spec!.resourceName;
  if (misplaced) labels[LABEL_MISPLACED] = 'true';
  return {
    apiVersion: KRATIX_API_VERSION,
    kind: 'WorkPlacement',
    metadata: {
      name: placementName(work.metadata.name, destination, groupId),
      namespace: work.metadata.namespace,
      labels,
      finalizers: [FINALIZER],
    },
    spec: {
      targetDestinationName: destination,
      workloads: group.workloads,
      promiseName: work.spec!.promiseName,
      ...(work.spec!.resourceName
        ? { resourceName: work.spec!.resourceName }
        : {}),
      id: groupId,
    },
  };
}
