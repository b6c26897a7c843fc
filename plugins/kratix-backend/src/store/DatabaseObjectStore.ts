import { randomUUID } from 'node:crypto';
import {
  DatabaseService,
  isDatabaseConflictError,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  KubeObject,
  matchesLabelSelector,
} from '@kratix-backstage/plugin-kratix-common';
import { Knex } from 'knex';
import { AlreadyExistsError, ResourceVersionConflictError } from './errors';
import { ChangeFeed, recordChange } from './ChangeFeed';
import { getMigratedClient, isPostgres } from './migrations';
import { nextResourceVersion } from './resourceVersion';
import {
  describe,
  fromRow,
  keyOf,
  labelsOf,
  OBJECTS_TABLE,
  ObjectRow,
  RowKey,
  rowKey,
  toRow,
} from './rows';
import {
  created,
  deletionRequested,
  isFinalized,
  statusUpdated,
  unchanged,
  updated,
  withResourceVersion,
} from './transitions';
import { decodeContinue, encodeContinue, isAfter } from './continueToken';
import { toNumber } from './json';
import {
  deleteLabels,
  insertLabels,
  replaceLabels,
  selectObjects,
} from './labelIndex';
import {
  ListOptions,
  ListPage,
  ObjectChange,
  ObjectKey,
  ObjectStore,
  PageOptions,
  WatchOptions,
} from './types';

/** Rolls back a transaction whose write turned out to change nothing. */
const NOTHING_CHANGED = new Error('nothing changed');

interface WriteOutcome<T> {
  result: T;
  /** Absent when nothing was written. */
  change?: ObjectChange;
}

/** ObjectStore in the plugin's database (SQLite or PostgreSQL). */
export class DatabaseObjectStore implements ObjectStore {
  readonly #knex: Knex;
  readonly #feed: ChangeFeed;
  readonly #now: () => Date;

  static async create(options: {
    database: DatabaseService;
    logger?: LoggerService;
    skipMigrations?: boolean;
    /** How often the change feed looks for other replicas' writes. */
    feedPollMs?: number;
    /** The clock of creation and deletion timestamps; tests move it. */
    now?: () => Date;
  }): Promise<DatabaseObjectStore> {
    const knex = await getMigratedClient(
      options.database,
      options.skipMigrations,
      options.logger,
    );
    const feed = new ChangeFeed({
      knex,
      logger: options.logger,
      pollMs: options.feedPollMs,
    });
    await feed.start();
    return new DatabaseObjectStore(
      knex,
      feed,
      options.now ?? (() => new Date()),
    );
  }

  private constructor(knex: Knex, feed: ChangeFeed, now: () => Date) {
    this.#knex = knex;
    this.#feed = feed;
    this.#now = now;
  }

  /** The change feed this store writes to (compaction, shutdown). */
  get feed(): ChangeFeed {
    return this.#feed;
  }

  async get(key: ObjectKey): Promise<KubeObject | undefined> {
    const row = await this.#knex<ObjectRow>(OBJECTS_TABLE)
      .where(rowKey(key))
      .first('body');
    return row ? fromRow(row) : undefined;
  }

  async list(
    type: { group: string; kind: string },
    options: ListOptions = {},
  ): Promise<KubeObject[]> {
    const { labelSelector } = options;
    const { query, narrowed } = await selectObjects(this.#knex, type, options);
    if (!labelSelector?.length) {
      const rows = await query.select('o.namespace', 'o.name', 'o.body');
      return rows.sort(byNamespaceAndName).map(fromRow);
    }
    const matches = (object: KubeObject) =>
      matchesLabelSelector(labelSelector, object.metadata.labels);
    if (narrowed) {
      // The label index leaves (nearly) only matching objects to read.
      const rows = await query.select('o.namespace', 'o.name', 'o.body');
      return rows.sort(byNamespaceAndName).map(fromRow).filter(matches);
    }
    // Bodies are most of the bytes read and parsed, so they are read only
    // for the objects whose labels match.
    const candidates: Pick<ObjectRow, 'id' | 'labels'>[] = await query.select(
      'o.id',
      'o.labels',
    );
    const ids = candidates
      .filter(row => matchesLabelSelector(labelSelector, labelsOf(row)))
      .map(row => row.id);
    const rows = await readBodies(this.#knex, ids);
    // Labels may have changed between the two reads; the result must match.
    return rows.sort(byNamespaceAndName).map(fromRow).filter(matches);
  }

  async listPage(
    type: { group: string; kind: string },
    options: PageOptions = {},
  ): Promise<ListPage> {
    const { labelSelector, limit } = options;
    const after = options.continue
      ? decodeContinue(options.continue)
      : undefined;
    // One snapshot: the version answered is the one the items were read at.
    return this.#knex.transaction(
      async tx => {
        const counter = await tx('kratix_counters')
          .where({ name: 'resource_version' })
          .first('value');
        const resourceVersion = String(toNumber(counter?.value ?? 0));
        const { query } = await selectObjects(tx, type, options);
        const candidates: Pick<
          ObjectRow,
          'id' | 'namespace' | 'name' | 'labels'
        >[] = await query.select('o.id', 'o.namespace', 'o.name', 'o.labels');
        const matching = candidates
          .filter(
            row =>
              !labelSelector?.length ||
              matchesLabelSelector(labelSelector, labelsOf(row)),
          )
          .sort(byNamespaceAndName)
          .filter(row => !after || isAfter(row, after));
        const page = limit && limit > 0 ? matching.slice(0, limit) : matching;
        const rows = await readBodies(
          tx,
          page.map(row => row.id),
        );
        const items = rows.sort(byNamespaceAndName).map(fromRow);
        const last = page[page.length - 1];
        const remaining = matching.length - page.length;
        return {
          items,
          resourceVersion,
          ...(remaining > 0 && last
            ? {
                continue: encodeContinue({
                  namespace: last.namespace,
                  name: last.name,
                }),
                remainingItemCount: remaining,
              }
            : {}),
        };
      },
      isPostgres(this.#knex) ? { isolationLevel: 'repeatable read' } : {},
    );
  }

  watch(
    options: WatchOptions & { signal?: AbortSignal },
  ): AsyncIterable<ObjectChange> {
    return this.#feed.watch(options);
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const key = keyOf(object);
    try {
      return await this.#write(async tx => {
        const now = this.#now();
        const next = created(object, {
          uid: randomUUID(),
          resourceVersion: await nextResourceVersion(tx),
          now,
        });
        // The unique key index answers "does it exist" in the same statement.
        const [inserted] = await tx(OBJECTS_TABLE)
          .insert(toRow(key, next, now))
          .returning('id');
        await insertLabels(tx, idOf(inserted), key, next.metadata.labels);
        return { result: next, change: { type: 'ADDED', object: next } };
      });
    } catch (error) {
      if (isDatabaseConflictError(error)) {
        throw new AlreadyExistsError(`${describe(key)} already exists`);
      }
      throw error;
    }
  }

  update(object: KubeObject): Promise<KubeObject> {
    const key = keyOf(object);
    return this.#write(async tx => {
      const resourceVersion = await nextResourceVersion(tx);
      const { id, stored } = await readForWrite(tx, key, object);
      const next = updated(stored, object);
      if (unchanged(stored, next)) {
        return { result: stored };
      }
      const written = withResourceVersion(next, resourceVersion);
      if (isFinalized(written)) {
        await tx(OBJECTS_TABLE).where(key).delete();
        await deleteLabels(tx, id);
        return {
          result: written,
          change: { type: 'DELETED', object: written, previous: stored },
        };
      }
      await tx(OBJECTS_TABLE)
        .where(key)
        .update(toRow(key, written, this.#now()));
      await replaceLabels(
        tx,
        id,
        key,
        stored.metadata.labels,
        written.metadata.labels,
      );
      return {
        result: written,
        change: { type: 'MODIFIED', object: written, previous: stored },
      };
    });
  }

  updateStatus(object: KubeObject): Promise<KubeObject> {
    const key = keyOf(object);
    return this.#write(async tx => {
      const resourceVersion = await nextResourceVersion(tx);
      const { stored } = await readForWrite(tx, key, object);
      const next = statusUpdated(stored, object);
      if (unchanged(stored, next)) {
        return { result: stored };
      }
      const written = withResourceVersion(next, resourceVersion);
      await tx(OBJECTS_TABLE)
        .where(key)
        .update(toRow(key, written, this.#now()));
      return {
        result: written,
        change: { type: 'MODIFIED', object: written, previous: stored },
      };
    });
  }

  delete(objectKey: ObjectKey): Promise<KubeObject | undefined> {
    const key = rowKey(objectKey);
    return this.#write<KubeObject | undefined>(async tx => {
      const resourceVersion = await nextResourceVersion(tx);
      const { id, stored } = await readForWrite(tx, key);
      if (stored.metadata.finalizers?.length) {
        if (stored.metadata.deletionTimestamp) {
          return { result: stored };
        }
        const now = this.#now();
        const next = withResourceVersion(
          deletionRequested(stored, now),
          resourceVersion,
        );
        await tx(OBJECTS_TABLE).where(key).update(toRow(key, next, now));
        return {
          result: next,
          change: { type: 'MODIFIED', object: next, previous: stored },
        };
      }
      await tx(OBJECTS_TABLE).where(key).delete();
      await deleteLabels(tx, id);
      // Like a Kubernetes watch: the last state, at the deletion's version.
      const gone = withResourceVersion(stored, resourceVersion);
      return {
        result: undefined,
        change: { type: 'DELETED', object: gone, previous: stored },
      };
    });
  }

  onChange(listener: (change: ObjectChange) => void): () => void {
    return this.#feed.subscribe(listener);
  }

  /**
   * Runs a write transaction that records its change in the feed, then
   * hands the change to the feed, so this process's listeners have seen it
   * by the time the write returns. A write that changes nothing is rolled
   * back: it gives its resourceVersion back and writes nothing to disk.
   */
  async #write<T>(
    fn: (tx: Knex.Transaction) => Promise<WriteOutcome<T>>,
  ): Promise<T> {
    let outcome: WriteOutcome<T> | undefined;
    let forget: (() => void) | undefined;
    try {
      try {
        await this.#knex.transaction(async tx => {
          outcome = await fn(tx);
          if (!outcome.change) throw NOTHING_CHANGED;
          const version = Number(
            outcome.change.object.metadata.resourceVersion,
          );
          forget = this.#feed.expectOwn(version);
          await recordChange(tx, outcome.change, version);
        });
      } catch (error) {
        if (error !== NOTHING_CHANGED) throw error;
      }
      const { result, change } = outcome!;
      if (change) {
        await this.#feed.committed({
          ...change,
          resourceVersion: Number(change.object.metadata.resourceVersion),
        });
      }
      return result;
    } finally {
      forget?.();
    }
  }
}

/** The stored object, checked against the input's resourceVersion if set. */
async function readForWrite(
  tx: Knex.Transaction,
  key: RowKey,
  input?: KubeObject,
): Promise<{ id: number; stored: KubeObject }> {
  const row = await tx<ObjectRow>(OBJECTS_TABLE).where(key).first('id', 'body');
  if (!row) {
    throw new NotFoundError(`${describe(key)} not found`);
  }
  const stored = fromRow(row);
  const expected = input?.metadata.resourceVersion;
  if (expected && expected !== stored.metadata.resourceVersion) {
    throw new ResourceVersionConflictError(
      `Operation cannot be fulfilled on ${describe(
        key,
      )}: the object has been ` +
        'modified; please apply your changes to the latest version and try again',
    );
  }
  return { id: toNumber(row.id), stored };
}

/** What `insert ... returning id` answers: `{ id }` from pg, the id from SQLite. */
function idOf(inserted: unknown): number {
  return toNumber(
    typeof inserted === 'object' && inserted !== null
      ? (inserted as { id: unknown }).id
      : inserted,
  );
}

// Far below the bound-parameter limits of SQLite (32766) and PostgreSQL.
const READ_CHUNK = 1000;

async function readBodies(knex: Knex | Knex.Transaction, ids: number[]) {
  const rows: Pick<ObjectRow, 'namespace' | 'name' | 'body'>[] = [];
  for (let i = 0; i < ids.length; i += READ_CHUNK) {
    rows.push(
      ...(await knex<ObjectRow>(OBJECTS_TABLE)
        .whereIn('id', ids.slice(i, i + READ_CHUNK))
        .select('namespace', 'name', 'body')),
    );
  }
  return rows;
}

/**
 * In JavaScript, not SQL: PostgreSQL's collation may order names unlike
 * SQLite, and the order must not depend on the database.
 */
function byNamespaceAndName(
  a: Pick<ObjectRow, 'namespace' | 'name'>,
  b: Pick<ObjectRow, 'namespace' | 'name'>,
): number {
  if (a.namespace !== b.namespace) {
    return a.namespace < b.namespace ? -1 : 1;
  }
  if (a.name !== b.name) {
    return a.name < b.name ? -1 : 1;
  }
  return 0;
}
