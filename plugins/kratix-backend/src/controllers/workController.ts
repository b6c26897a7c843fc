import {
  Condition,
  DestinationCatalog,
  DestinationObject,
  KRATIX_API_VERSION,
  LABEL_DESTINATION,
  LABEL_MISPLACED,
  LABEL_PIPELINE_NAME,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  LABEL_WORK,
  LABEL_WORKLOAD_GROUP_ID,
  Labels,
  PLACEMENT_DOT_FILES_FINALIZER,
  PLACEMENT_FINALIZER,
  WorkGroupStatus,
  WorkObject,
  WorkPlacementObject,
  WorkStatus,
  decideSchedule,
  selectorsBySource,
  summarizeScheduling,
  toCandidate,
} from '@kratix-backstage/plugin-kratix-common';
import { EngineContext, ReconcileResult } from './context';
import {
  DESTINATION_KIND,
  WORK_KIND,
  WORK_PLACEMENT_KIND,
  sameKind,
} from '../admission/kinds';
import { ObjectChange } from '../store/types';
import { Controller, specChanged } from './controller';
import { IndexedGroup, SchedulingIndex } from './schedulingIndex';
import {
  labelsEqual,
  removeFinalizer,
  setCondition,
  writeStatus,
  deleteIfExists,
} from './objects';
import { jsonEqual } from '../store/json';
import { ReconcileKey, encodeKey } from './keys';

/** Kratix re-queues unscheduled Works every 60 s; so do we, as a safety net. */
export const UNSCHEDULED_RETRY_MS = 60_000;

/** Kratix's reason for a placement whose destination no longer matches. */
export const MISPLACED_REASON = 'DestinationSelectorMismatch';

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

/** Where every Work's groups are and what they need, in the index. */
class WorkSchedule {
  readonly index = new SchedulingIndex();
  private readonly groupsByWork = new Map<string, string[]>();
  /**
   * Every Destination, as the feed has delivered them: scheduling a Work
   * asks the catalog's label index instead of listing (and parsing) them
   * all from the store, or matching every one, each time. Kept in step by
   * the same watch that feeds the index.
   */
  readonly catalog = new DestinationCatalog();
  private readonly destinations = new Map<string, DestinationObject>();

  destination(name: string): DestinationObject | undefined {
    return this.destinations.get(name);
  }

  record(workKey: string, groups: IndexedGroup[]) {
    for (const ref of this.groupsByWork.get(workKey) ?? []) {
      if (!groups.some(g => g.ref === ref)) this.index.removeGroup(ref);
    }
    for (const g of groups) this.index.upsertGroup(g);
    if (groups.length) {
      this.groupsByWork.set(
        workKey,
        groups.map(g => g.ref),
      );
    } else this.groupsByWork.delete(workKey);
  }

  /**
   * Another replica may have reconciled this Work: its status says where
   * its groups are and what they need.
   */
  recordWork({ type, object }: ObjectChange) {
    const { namespace = '', name } = object.metadata;
    const work = object as WorkObject;
    const groups =
      type === 'DELETED' || object.metadata.deletionTimestamp
        ? []
        : (work.status?.workloadGroups ?? []).map(g => ({
            ref: groupRef(namespace, name, g.id),
            resolved: g.resolvedSelectors ?? {},
            isDependency: !work.spec?.resourceName,
            placedOn: g.destinations ?? [],
          }));
    this.record(encodeKey({ type: 'work', namespace, name }), groups);
  }

  /** The groups the change concerns, and whether the destination changed at all. */
  destinationChanged({ type, object }: ObjectChange) {
    const after =
      type === 'DELETED' ? undefined : toCandidate(object as DestinationObject);
    if (after) {
      this.destinations.set(after.name, object as DestinationObject);
      this.catalog.upsert(after);
    } else {
      this.destinations.delete(object.metadata.name);
      this.catalog.remove(object.metadata.name);
    }
    const before = after
      ? this.index.upsertDestination(after)
      : this.index.removeDestination(object.metadata.name);
    const { refs } = this.index.affectedByDestinationChange(before, after);
    return { refs, changed: !jsonEqual(before, after) };
  }
}

/**
 * The Work controller: schedules each Work's workload groups onto
 * Destinations. It watches Destinations as Kratix's does
 * (`Watches(&Destination{}, …)`), but where Kratix re-reconciles every Work
 * on any Destination event, its scheduling index names the few Works whose
 * decision a change can alter. The index is built from stored Works'
 * status and kept current by the change feed, so every replica agrees.
 */
export function workController(
  ctx: EngineContext,
  concurrency: number,
): Controller {
  const schedule = new WorkSchedule();
  /** Works being reconciled now: their view of the destinations may be stale. */
  const inFlight = new Set<string>();
  const workKey = (namespace: string, name: string): ReconcileKey => ({
    type: 'work',
    namespace,
    name,
  });
  return {
    name: 'work',
    concurrency,
    async start() {
      for (const d of await ctx.store.list(DESTINATION_KIND)) {
        schedule.destinationChanged({ type: 'ADDED', object: d });
      }
      for (const w of await ctx.store.list(WORK_KIND)) {
        schedule.recordWork({ type: 'ADDED', object: w });
      }
    },
    async resync() {
      return (await ctx.store.list(WORK_KIND)).map(w =>
        workKey(w.metadata.namespace!, w.metadata.name),
      );
    },
    watches: [
      {
        kind: k => sameKind(k, WORK_KIND),
        keys: change => {
          schedule.recordWork(change);
          const { namespace, name } = change.object.metadata;
          return specChanged(change) ? [workKey(namespace!, name)] : [];
        },
      },
      {
        // A label change is handled here: the index says which Works it
        // concerns, and only those are scheduled again.
        kind: k => sameKind(k, DESTINATION_KIND),
        keys: change => {
          const { refs, changed } = schedule.destinationChanged(change);
          const keys = new Set(refs.map(ref => ref.split('/', 2).join('/')));
          // A Work being reconciled may have read the destinations before
          // this change and records its groups after the index was asked,
          // so the index could not answer for it: run it again after.
          if (changed) inFlight.forEach(w => keys.add(w));
          return [...keys].map(w => {
            const [namespace, name] = w.split('/');
            return workKey(namespace, name);
          });
        },
      },
      {
        // Kratix's `Owns(&WorkPlacement{})`: the Work reports placements
        // that fail to write (WorkplacementsFailing), their recovery and
        // their deletion; a first successful write changes nothing it says.
        kind: k => sameKind(k, WORK_PLACEMENT_KIND),
        keys: change => {
          const { object, previous, type } = change;
          const work = object.metadata.labels?.[LABEL_WORK];
          const written = (o?: typeof object) =>
            (o?.status?.conditions ?? []).find(
              (c: { type: string }) => c.type === 'WriteSucceeded',
            )?.status;
          const concerns =
            type === 'DELETED' ||
            previous?.metadata.deletionTimestamp !==
              object.metadata.deletionTimestamp ||
            (written(previous) !== written(object) &&
              [written(previous), written(object)].includes('False'));
          return work && concerns
            ? [workKey(object.metadata.namespace!, work)]
            : [];
        },
      },
    ],
    async reconcile(key) {
      if (key.type !== 'work') return undefined;
      const text = `${key.namespace}/${key.name}`;
      inFlight.add(text);
      try {
        return await reconcileWork(ctx, schedule, key.namespace, key.name);
      } finally {
        inFlight.delete(text);
      }
    },
  };
}

/**
 * The scheduler: for every workload group of a Work, resolve its selectors,
 * decide (pure core) where it goes, and make the WorkPlacements match.
 * Every outcome ends up as a condition with a reason.
 */
async function reconcileWork(
  ctx: EngineContext,
  schedule: WorkSchedule,
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
    schedule.record(workKey, []);
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

  const groups = work.spec?.workloadGroups ?? [];
  const isDependency = !work.spec?.resourceName;
  const groupStatuses: WorkGroupStatus[] = [];
  const keep = new Set<string>();

  for (const group of groups) {
    const selectors = group.destinationSelectors ?? [];
    const mine = placements.filter(
      p =>
        p.metadata.labels?.[LABEL_WORKLOAD_GROUP_ID] === group.id &&
        !p.metadata.deletionTimestamp,
    );
    // Kratix keeps a placement whose Destination was deleted without
    // `cleanup: all` (its files stay too): misplaced, and for a resource
    // it still counts as where the group is, so it is not placed twice.
    const gone = mine
      .map(p => p.spec!.targetDestinationName)
      .filter(d => !schedule.destination(d));
    const decision = decideSchedule({
      selectors,
      destinations: schedule.catalog,
      placedOn: mine.map(p => p.spec!.targetDestinationName),
      isDependency,
      random: ctx.random,
    });
    const misplaced = new Set([...decision.misplaced, ...gone]);
    const unscheduled = decision.unscheduled && gone.length === 0;
    for (const destination of [
      ...decision.kept,
      ...decision.misplaced,
      ...gone,
      ...decision.place,
    ]) {
      const placement = buildPlacement(
        work,
        group.id,
        destination,
        misplaced.has(destination),
        schedule.destination(destination),
      );
      keep.add(placement.metadata.name);
      const current = mine.find(
        p => p.spec!.targetDestinationName === destination,
      );
      if (!current) {
        await ctx.store.create(placement);
      } else if (
        !jsonEqual(current.spec, placement.spec) ||
        !jsonEqual(current.metadata.labels, placement.metadata.labels)
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
      ...gone,
      ...decision.place,
    ].sort();
    const summary = summarizeScheduling(
      decision.resolved,
      schedule.catalog,
      decision.candidates,
    );
    if (unscheduled) {
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
      unscheduled,
      summary: gone.length
        ? `${summary}; stays on deleted destination ${gone.join(', ')}`
        : summary,
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

  schedule.record(
    workKey,
    groups.map((g, i) => ({
      ref: groupRef(namespace, name, g.id),
      resolved: groupStatuses[i].resolvedSelectors,
      isDependency,
      placedOn: groupStatuses[i].destinations,
    })),
  );

  const failedPlacements = placements
    .filter(
      p =>
        keep.has(p.metadata.name) &&
        p.status?.conditions?.some(
          c => c.type === 'WriteSucceeded' && c.status === 'False',
        ),
    )
    .map(p => p.metadata.name)
    .sort();
  const status = workStatus(work, groupStatuses, failedPlacements);
  await writeStatus(ctx.store, work, status);
  await recordWorkEvents(ctx, work, status.conditions, groupStatuses);
  return groupStatuses.some(g => g.unscheduled)
    ? { requeueAfterMs: UNSCHEDULED_RETRY_MS }
    : undefined;
}

/**
 * Kratix's Events for a Work, when its schedule changes (Kratix records
 * them on every reconcile; once per change says the same, with far fewer
 * writes).
 */
async function recordWorkEvents(
  ctx: EngineContext,
  work: WorkObject,
  conditions: { type: string; reason: string; message: string }[],
  groups: WorkGroupStatus[],
) {
  const schedule = (list?: { type: string }[]) =>
    list?.find(c => c.type === 'ScheduleSucceeded') as
      | { reason: string; message: string }
      | undefined;
  const before = schedule(work.status?.conditions);
  const after = schedule(conditions)!;
  if (before?.reason === after.reason && before?.message === after.message) {
    return;
  }
  switch (after.reason) {
    case 'UnscheduledWorkloads':
      for (const g of groups.filter(x => x.unscheduled)) {
        await ctx.events.record(
          work,
          'Normal',
          'NoMatchingDestination',
          `waiting for a destination with labels for workloadGroup: ${g.id}`,
        );
      }
      return;
    case 'AllWorkplacementsScheduled':
      await ctx.events.record(
        work,
        'Normal',
        'AllWorkplacementsScheduled',
        'All workplacements scheduled successfully',
      );
      return;
    default:
      await ctx.events.record(work, 'Warning', after.reason, after.message);
  }
}

/**
 * Kratix's Work conditions, word for word: ScheduleSucceeded carries the
 * group ids, Ready a one-word state. Failed writes outrank the rest once
 * everything is scheduled (Kratix's work controller checks them last).
 */
function workStatus(
  work: WorkObject,
  groups: WorkGroupStatus[],
  failedPlacements: string[],
): WorkStatus & { conditions: Condition[] } {
  const unscheduled = groups.filter(g => g.unscheduled).map(g => g.id);
  const misplaced = groups.filter(g => g.misplaced.length > 0).map(g => g.id);
  type Cond = { status: 'True' | 'False'; reason: string; message: string };
  let schedule: Cond;
  let ready: Cond;
  if (unscheduled.length > 0) {
    schedule = {
      status: 'False',
      reason: 'UnscheduledWorkloads',
      message: `No matching destination found for workloadGroups: [${unscheduled.join(
        ',',
      )}]`,
    };
    ready = {
      status: 'False',
      reason: 'UnscheduledWorkloads',
      message: 'Pending',
    };
  } else if (failedPlacements.length > 0) {
    schedule = {
      status: 'False',
      reason: 'WorkplacementsFailing',
      message: `Workplacements failed to write: [${failedPlacements.join(
        ',',
      )}]`,
    };
    ready = {
      status: 'False',
      reason: 'WorkplacementsFailing',
      message: 'Failing',
    };
  } else if (misplaced.length > 0) {
    schedule = {
      status: 'False',
      reason: MISPLACED_REASON,
      message: `Target destination no longer matches destinationSelectors for workloadGroups: [${misplaced.join(
        ',',
      )}]`,
    };
    ready = { status: 'False', reason: 'Misplaced', message: 'Misplaced' };
  } else {
    schedule = {
      status: 'True',
      reason: 'AllWorkplacementsScheduled',
      message: 'All workplacements scheduled successfully',
    };
    ready = {
      status: 'True',
      reason: 'AllWorkplacementsScheduled',
      message: 'Ready',
    };
  }
  let conditions = setCondition(work.status?.conditions, {
    type: 'ScheduleSucceeded',
    ...schedule,
  });
  conditions = setCondition(conditions, { type: 'Ready', ...ready });
  return {
    ...(work.status ?? {}),
    observedGeneration: work.metadata.generation,
    // Kratix counts workload groups, and those that have somewhere to go.
    workPlacements: groups.length,
    workPlacementsCreated: groups.length - unscheduled.length,
    conditions,
    workloadGroups: groups,
  };
}

function buildPlacement(
  work: WorkObject,
  groupId: string,
  destination: string,
  misplaced: boolean,
  target: DestinationObject | undefined,
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
      finalizers:
        target?.spec?.filepath?.mode === 'none'
          ? [PLACEMENT_FINALIZER, PLACEMENT_DOT_FILES_FINALIZER]
          : [PLACEMENT_FINALIZER],
    },
    spec: {
      targetDestinationName: destination,
      workloads: group.workloads,
      promiseName: work.spec!.promiseName,
      ...(work.spec!.resourceName
        ? { resourceName: work.spec!.resourceName }
        : {}),
      id: groupId,
      generation: work.metadata.generation,
    },
  };
}
