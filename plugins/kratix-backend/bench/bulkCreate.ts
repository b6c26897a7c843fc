import { randomUUID } from 'node:crypto';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { Knex } from 'knex';
import { recordChange } from '../src/store/ChangeFeed';
import { insertLabels } from '../src/store/labelIndex';
import { nextResourceVersion } from '../src/store/resourceVersion';
import { keyOf, OBJECTS_TABLE, toRow } from '../src/store/rows';
import { created } from '../src/store/transitions';

/**
 * Creates many objects in one transaction, rows and change-feed entries
 * exactly as `DatabaseObjectStore.create` writes them, so a backend on the
 * same database sees them through its feed as another replica's writes.
 * One commit for all instead of one each: setup speed, not a store API.
 */
export async function bulkCreate(
  knex: Knex,
  objects: KubeObject[],
  /** Their creationTimestamp, and when they were written. */
  now: Date = new Date(),
): Promise<void> {
  await knex.transaction(async tx => {
    for (const object of objects) {
      const next = created(object, {
        uid: randomUUID(),
        resourceVersion: await nextResourceVersion(tx),
        now,
      });
      const key = keyOf(next);
      const [inserted] = await tx(OBJECTS_TABLE)
        .insert(toRow(key, next, now))
        .returning('id');
      await insertLabels(
        tx,
        Number(inserted?.id ?? inserted),
        key,
        next.metadata.labels,
      );
      await recordChange(
        tx,
        { type: 'ADDED', object: next },
        Number(next.metadata.resourceVersion),
      );
    }
  });
}
