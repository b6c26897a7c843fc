import {
  Condition,
  DestinationObject,
  LABEL_DESTINATION,
  LABEL_MISPLACED,
  LABEL_PIPELINE_NAME,
  WorkPlacementObject,
  WorkPlacementStatus,
} from '@kratix-backstage/plugin-kratix-common';
import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import {
  aggregatedFile,
  parseStateFile,
  placementFiles,
  stateFilePath,
} from '../statestores/layout';
import { EngineContext, ReconcileResult } from './context';
import { Controller, specChanged } from './controller';
import {
  DESTINATION_KIND,
  WORK_PLACEMENT_KIND,
  sameKind,
} from '../admission/kinds';
import {
  labelsEqual,
  removeFinalizer,
  setCondition,
  writeStatus,
} from './objects';
import { MISPLACED_REASON } from './workController';
import { ResourceVersionConflictError } from '../store/errors';

function placementInput(p: WorkPlacementObject) {
  return {
    name: p.metadata.name,
    namespace: p.metadata.namespace!,
    promiseName: p.spec!.promiseName,
    resourceName: p.spec!.resourceName,
    pipelineName: p.metadata.labels?.[LABEL_PIPELINE_NAME],
    groupId: p.spec!.id,
    workloads: p.spec!.workloads,
  };
}

/**
 * Writes one destination's aggregated file from all its live placements:
 * in aggregatedYAML mode a placement owns part of a file, not files.
 */
async function writeAggregated(
  ctx: EngineContext,
  writer: StateStoreWriter,
  destination: DestinationObject,
  trigger: string,
) {
  const all = (await ctx.store.list(WORK_PLACEMENT_KIND, {
    labelSelector: labelsEqual({
      [LABEL_DESTINATION]: destination.metadata.name,
    }),
  })) as WorkPlacementObject[];
  const live = all.filter(p => !p.metadata.deletionTimestamp);
  const file = aggregatedFile({
    destinationPath: destination.spec?.path ?? destination.metadata.name,
    filename: destination.spec?.filepath?.filename,
    placements: live.map(placementInput),
  });
  // Kratix removes the file once no workload is left in it.
  if (file.content === '') {
    await writer.update({
      write: [],
      remove: [file.path],
      message: `Delete from: ${trigger}`,
    });
    return [];
  }
  await writer.update({
    write: [file],
    remove: [],
    message: `Update from: ${trigger}`,
  });
  return [file.path];
}

/**
 * The WorkPlacement controller: writes each placement's workloads to its
 * destination's state store, and removes exactly those files when the
 * placement goes.
 */
export function workPlacementController(
  ctx: EngineContext,
  concurrency: number,
): Controller {
  return {
    name: 'placement',
    concurrency,
    async resync() {
      return (await ctx.store.list(WORK_PLACEMENT_KIND)).map(p => ({
        type: 'placement',
        namespace: p.metadata.namespace!,
        name: p.metadata.name,
      }));
    },
    watches: [
      {
        kind: k => sameKind(k, WORK_PLACEMENT_KIND),
        keys: change => {
          const { namespace, name } = change.object.metadata;
          return specChanged(change)
            ? [{ type: 'placement', namespace: namespace!, name }]
            : [];
        },
      },
    ],
    reconcile: key =>
      key.type === 'placement'
        ? reconcilePlacement(ctx, key.namespace, key.name)
        : Promise.resolve(),
  };
}

/**
 * The placement writer: puts a WorkPlacement's workloads into its
 * destination's state store in the destination's layout, and on deletion
 * removes exactly the files it wrote.
 */
async function reconcilePlacement(
  ctx: EngineContext,
  namespace: string,
  name: string,
): Promise<ReconcileResult | void> {
  const placement = (await ctx.store.get({
    ...WORK_PLACEMENT_KIND,
    namespace,
    name,
  })) as WorkPlacementObject | undefined;
  if (!placement) return undefined;
  const destinationName = placement.spec!.targetDestinationName;
  const destination = (await ctx.store.get({
    ...DESTINATION_KIND,
    name: destinationName,
  })) as DestinationObject | undefined;
  const written = placement.status?.writtenFiles ?? [];
  const mode = destination?.spec?.filepath?.mode ?? 'nestedByMetadata';

  if (placement.metadata.deletionTimestamp) {
    const keepFiles =
      !destination ||
      (destination.metadata.deletionTimestamp &&
        destination.spec?.cleanup !== 'all');
    if (!keepFiles) {
      await ctx.withDestinationLock(destinationName, async () => {
        const writer = await ctx.stateStores.writerFor(destination!);
        if (mode === 'aggregatedYAML') {
          await writeAggregated(ctx, writer, destination!, name);
          return;
        }
        // A nestedByMetadata directory is the placement's own, so what its
        // spec asks for is removed too, in case a write was never recorded.
        const remove = new Set(written);
        if (mode === 'nestedByMetadata') {
          for (const f of placementFiles({
            mode,
            destinationPath:
              destination!.spec?.path ?? destination!.metadata.name,
            placement: placementInput(placement),
          })) {
            remove.add(f.path);
          }
        }
        if (mode === 'none') {
          // The state file is the record of a flat layout, even when the
          // placement's own record of the write was lost.
          const stateFile = stateFilePath(
            destination!.spec?.path ?? destination!.metadata.name,
            placementInput(placement),
          );
          const recorded = await writer.read(stateFile);
          if (recorded !== undefined) {
            parseStateFile(recorded).forEach(f => remove.add(f));
            remove.add(stateFile);
          }
        }
        if (remove.size > 0) {
          await writer.update({
            write: [],
            remove: [...remove],
            message: `Delete from: ${name}`,
          });
        }
      });
    }
    await removeFinalizer(ctx.store, placement);
    return undefined;
  }

  const status: WorkPlacementStatus = { ...(placement.status ?? {}) };
  const misplaced = placement.metadata.labels?.[LABEL_MISPLACED] === 'true';
  status.conditions = setCondition(
    status.conditions,
    misplaced
      ? {
          type: 'ScheduleSucceeded',
          status: 'False',
          reason: MISPLACED_REASON,
          message: 'Target destination no longer matches destinationSelectors',
        }
      : {
          type: 'ScheduleSucceeded',
          status: 'True',
          reason: 'ScheduledToDestination',
          message: `Scheduled to correct Destination`,
        },
  );

  if (!destination) {
    // Kratix: a placement left behind by a Destination deleted without
    // `cleanup: all` is not written, nor reported as failing; its files
    // stay where they were.
    await writeStatus(ctx.store, placement, {
      ...status,
      conditions: readyFrom(status.conditions),
    });
    return undefined;
  }

  try {
    const files = await ctx.withDestinationLock(destinationName, async () => {
      const writer = await ctx.stateStores.writerFor(destination);
      if (mode === 'aggregatedYAML') {
        return writeAggregated(ctx, writer, destination, name);
      }
      const desired = placementFiles({
        mode,
        destinationPath: destination.spec?.path ?? destination.metadata.name,
        placement: placementInput(placement),
      });
      const paths = desired.map(f => f.path);
      const owned = new Set(written);
      if (mode === 'none') {
        // Kratix's record of a flat layout is the state file in the store,
        // which stays right when our own record and the store diverged.
        const recorded = await writer.read(
          stateFilePath(
            destination.spec?.path ?? destination.metadata.name,
            placementInput(placement),
          ),
        );
        if (recorded !== undefined) {
          parseStateFile(recorded).forEach(f => owned.add(f));
        }
      }
      const stale = [...owned].filter(p => !paths.includes(p));
      await writer.update({
        write: desired,
        remove: stale,
        message: `Update from: ${name}`,
      });
      return paths;
    });
    status.writtenFiles = files;
    status.conditions = setCondition(status.conditions, {
      type: 'WriteSucceeded',
      status: 'True',
      reason: 'WorkloadsWrittenToStateStore',
      message: 'Workloads written to State Store',
    });
  } catch (e) {
    await ctx.events.record(
      placement,
      'Warning',
      'FailedWriteToDestination',
      `error writing to destination; check kubectl get destination for more info: ${
        (e as Error).message
      }`,
    );
    status.conditions = setCondition(status.conditions, {
      type: 'WriteSucceeded',
      status: 'False',
      reason: 'WorkloadsFailedWrite',
      message: (e as Error).message,
    });
    await writeStatus(ctx.store, placement, {
      ...status,
      conditions: readyFrom(status.conditions),
    });
    throw e;
  }
  const wasWritten = placement.status?.conditions?.some(
    c => c.type === 'WriteSucceeded' && c.status === 'True',
  );
  const wasMisplaced = placement.status?.conditions?.some(
    c => c.type === 'ScheduleSucceeded' && c.reason === MISPLACED_REASON,
  );
  await recordWrite(ctx, placement, {
    ...status,
    conditions: readyFrom(status.conditions),
  });
  if (!wasWritten) {
    await ctx.events.record(
      placement,
      'Normal',
      'WorkloadsWrittenToStateStore',
      `successfully written to Destination: ${destinationName}`,
    );
  }
  if (misplaced && !wasMisplaced) {
    await ctx.events.record(
      placement,
      'Warning',
      MISPLACED_REASON,
      `labels for destination: ${destinationName} no longer match the expected labels, marking this workplacement as misplaced`,
    );
  }
  return undefined;
}

/**
 * The files written are now in the store: losing `writtenFiles` would leave
 * them behind when the placement is deleted. The placement may have changed
 * meanwhile (relabelled, deleted), so a stale copy is refreshed and the
 * record written again; the change's own reconcile follows this one.
 */
async function recordWrite(
  ctx: EngineContext,
  placement: WorkPlacementObject,
  status: WorkPlacementStatus,
) {
  try {
    await writeStatus(ctx.store, placement, status);
  } catch (e) {
    if (!(e instanceof ResourceVersionConflictError)) throw e;
    const fresh = await ctx.store.get({
      ...WORK_PLACEMENT_KIND,
      namespace: placement.metadata.namespace,
      name: placement.metadata.name,
    });
    if (!fresh) return;
    await writeStatus(ctx.store, fresh as WorkPlacementObject, status);
  }
}

/** Kratix's Ready: one word, from the write and the schedule. */
function readyFrom(conditions: Condition[]) {
  const write = conditions.find(c => c.type === 'WriteSucceeded');
  const schedule = conditions.find(c => c.type === 'ScheduleSucceeded');
  let ready: { status: 'True' | 'False'; reason: string; message: string };
  if (write?.status === 'False') {
    ready = {
      status: 'False',
      reason: 'WorkloadsFailedWrite',
      message: 'Failing',
    };
  } else if (schedule?.status === 'False') {
    ready = { status: 'False', reason: 'Misplaced', message: 'Misplaced' };
  } else if (write?.status === 'True') {
    ready = {
      status: 'True',
      reason: 'WorkloadsWrittenToTargetDestination',
      message: 'Ready',
    };
  } else {
    ready = {
      status: 'False',
      reason: 'ScheduledToDestination',
      message: 'Pending',
    };
  }
  return setCondition(conditions, { type: 'Ready', ...ready });
}
