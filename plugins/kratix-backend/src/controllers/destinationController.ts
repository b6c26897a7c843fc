import {
  DestinationObject,
  DestinationStatus,
  LABEL_DESTINATION,
} from '@kratix-backstage/plugin-kratix-common';
import { canaryFiles } from '../statestores/layout';
import { EngineContext, ReconcileResult } from './context';
import { Controller, specChanged } from './controller';
import {
  DESTINATION_KIND,
  WORK_PLACEMENT_KIND,
  isStateStoreKind,
  sameKind,
} from '../admission/kinds';
import {
  labelsEqual,
  removeFinalizer,
  setCondition,
  writeStatus,
  deleteIfExists,
} from './objects';
import { StateStoreError } from './stateStores';

/** Destinations whose state store is unreachable are checked again this often. */
const NOT_READY_RETRY_MS = 30_000;

/**
 * The Destination controller: makes a Destination Ready once its state
 * store takes the canary files, and cleans up after a deleted one. It
 * watches state stores, since a store appearing, changing or going makes
 * its Destinations (un)ready.
 */
export function destinationController(
  ctx: EngineContext,
  concurrency: number,
): Controller {
  const destinations = async () =>
    (await ctx.store.list(DESTINATION_KIND)) as DestinationObject[];
  return {
    name: 'destination',
    concurrency,
    resync: async () =>
      (await destinations()).map(d => ({
        type: 'destination',
        name: d.metadata.name,
      })),
    watches: [
      {
        kind: k => sameKind(k, DESTINATION_KIND),
        keys: change =>
          specChanged(change)
            ? [{ type: 'destination', name: change.object.metadata.name }]
            : [],
      },
      {
        kind: isStateStoreKind,
        keys: async ({ object }) =>
          (await destinations())
            .filter(
              d =>
                d.spec?.stateStoreRef?.kind === object.kind &&
                d.spec?.stateStoreRef?.name === object.metadata.name,
            )
            .map(d => ({ type: 'destination', name: d.metadata.name })),
      },
    ],
    reconcile: key =>
      key.type === 'destination'
        ? reconcileDestination(ctx, key.name)
        : Promise.resolve(),
  };
}

/**
 * A Destination becomes Ready once its state store takes the canary files
 * (or at once with `initWorkloads.enabled: false`). Deleting one with
 * `cleanup: all` deletes its placements, their files and the canaries, so
 * resource groups can be scheduled elsewhere; with `none` all of it stays.
 */
async function reconcileDestination(
  ctx: EngineContext,
  name: string,
): Promise<ReconcileResult | void> {
  const destination = (await ctx.store.get({ ...DESTINATION_KIND, name })) as
    | DestinationObject
    | undefined;
  if (!destination) return undefined;
  const mode = destination.spec?.filepath?.mode ?? 'nestedByMetadata';
  const path = destination.spec?.path ?? name;
  const canaries = canaryFiles(
    mode,
    path,
    destination.spec?.filepath?.filename,
  );

  if (destination.metadata.deletionTimestamp) {
    if (destination.spec?.cleanup !== 'all') {
      // Kratix deletes placements only for `cleanup: all`; with `none` they
      // (and their files) outlive the Destination.
      await removeFinalizer(ctx.store, destination);
      return undefined;
    }
    const placements = await ctx.store.list(WORK_PLACEMENT_KIND, {
      labelSelector: labelsEqual({ [LABEL_DESTINATION]: name }),
    });
    for (const p of placements) {
      if (!p.metadata.deletionTimestamp) {
        await deleteIfExists(ctx.store, {
          ...WORK_PLACEMENT_KIND,
          namespace: p.metadata.namespace,
          name: p.metadata.name,
        });
      }
    }
    if (placements.length > 0) return { requeueAfterMs: 1000 };
    try {
      const writer = await ctx.stateStores.writerFor(destination);
      await ctx.withDestinationLock(name, () =>
        writer.update({
          write: [],
          remove: canaries.map(c => c.path),
          message: `Delete Destination: ${name}`,
        }),
      );
    } catch (e) {
      ctx.logger.warn(
        `Destination ${name}: could not remove canary files: ${
          (e as Error).message
        }`,
      );
    }
    await removeFinalizer(ctx.store, destination);
    return undefined;
  }

  const status: DestinationStatus = { ...(destination.status ?? {}) };
  const wasReady = status.conditions?.some(
    c => c.type === 'Ready' && c.status === 'True',
  );
  const initWorkloads = destination.spec?.initWorkloads?.enabled !== false;
  let stage = 'connect';
  try {
    const writer = await ctx.stateStores.writerFor(destination);
    stage = 'write';
    await ctx.withDestinationLock(name, () =>
      writer.update(
        initWorkloads
          ? {
              write: canaries,
              remove: [],
              message: `Update from: ${name} canary`,
            }
          : {
              write: [],
              remove: canaries.map(c => c.path),
              message: `Delete from: ${name} canary`,
            },
      ),
    );
    status.conditions = setCondition(
      status.conditions,
      initWorkloads
        ? {
            type: 'Ready',
            status: 'True',
            reason: 'TestDocumentsWritten',
            message: 'Test documents written to State Store',
          }
        : {
            type: 'Ready',
            status: 'True',
            reason: 'DestinationReady',
            message: 'Destination is ready',
          },
    );
    await writeStatus(ctx.store, destination, status);
    if (!wasReady) {
      await ctx.events.record(
        destination,
        'Normal',
        'DestinationReady',
        'Destination is Ready',
      );
      // Placements that failed while the store was missing or unreachable
      // sit in their retry backoff (up to a minute): write them now.
      const placements = await ctx.store.list(WORK_PLACEMENT_KIND, {
        labelSelector: labelsEqual({ [LABEL_DESTINATION]: name }),
      });
      for (const p of placements) {
        await ctx.enqueue({
          type: 'placement',
          namespace: p.metadata.namespace!,
          name: p.metadata.name,
        });
      }
    }
    return undefined;
  } catch (e) {
    const reason =
      e instanceof StateStoreError ? e.reason : 'StateStoreWriteFailed';
    status.conditions = setCondition(status.conditions, {
      type: 'Ready',
      status: 'False',
      reason,
      message:
        stage === 'write' && initWorkloads
          ? `Failed to write test documents to State Store: ${
              (e as Error).message
            }`
          : (e as Error).message,
    });
    const previous = destination.status?.conditions?.find(
      c => c.type === 'Ready',
    );
    await writeStatus(ctx.store, destination, status);
    const now = status.conditions.find(c => c.type === 'Ready')!;
    if (previous?.message !== now.message) {
      await ctx.events.record(
        destination,
        'Warning',
        'DestinationNotReady',
        now.message,
      );
    }
    return { requeueAfterMs: NOT_READY_RETRY_MS };
  }
}
