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
import {
  AlreadyExistsError,
  ResourceVersionConflictError,
} from '../engine/errors';
import { ChangeNotifier } from './ChangeNotifier';
import { getMigratedClient } from './migrations';
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
import { ListOptions, ObjectChange, ObjectKey, ObjectStore } from './types';

interface WriteOutcome<T> {
  result: T;
  /** Absent when nothing was written. */
  change?: ObjectChange;
}

/** ObjectStore in the plugin's database (SQLite or PostgreSQL). */
export class DatabaseObjectStore implements ObjectStore {
  readonly #knex: Knex;
  readonly #notifier: ChangeNotifier;

  static async create(options: {
    database: DatabaseService;
    logger?: LoggerService;
    skipMigrations?: boolean;
  }): Promise<DatabaseObjectStore> {
    const knex = await getMigratedClient(
      options.database,
      options.skipMigrations,
    );
    return new DatabaseObjectStore(knex, new ChangeNotifier(options.logger));
  }

  private constructor(knex: Knex, notifier: ChangeNotifier) {
    this.#knex = knex;
    this.#notifier = notifier;
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
    const { namespace, labelSelector } = options;
    const query = this.#knex<ObjectRow>(OBJECTS_TABLE).where({
      group: type.group,
      kind: type.kind,
      ...(namespace !== undefined ? { namespace } : {}),
    });
    if (!labelSelector?.length) {
      const rows = await query.select('namespace', 'name', 'body');
      return rows.sort(byNamespaceAndName).map(fromRow);
    }
    // Bodies are most of the bytes read and parsed, so they are read only
    // for the objects whose labels match.
    const candidates = await query.select('id', 'labels');
    const ids = candidates
      .filter(row => matchesLabelSelector(labelSelector, labelsOf(row)))
      .map(row => row.id);
    const rows = await readBodies(this.#knex, ids);
    // Labels may have changed between the two reads; the result must match.
    return rows
      .sort(byNamespaceAndName)
      .map(fromRow)
      .filter(object =>
        matchesLabelSelector(labelSelector, object.metadata.labels),
      );
  }

  async create(object: KubeObject): Promise<KubeObject> {
    const key = keyOf(object);
    try {
      return await this.#write(async tx => {
        const next = created(object, {
          uid: randomUUID(),
          resourceVersion: await nextResourceVersion(tx),
          now: new Date(),
        });
        // The unique key index answers "does it exist" in the same statement.
        await tx(OBJECTS_TABLE).insert(toRow(key, next));
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
      const stored = await readForWrite(tx, key, object);
      const next = updated(stored, object);
      if (unchanged(stored, next)) {
        return { result: stored };
      }
      const written = withResourceVersion(next, resourceVersion);
      if (isFinalized(written)) {
        await tx(OBJECTS_TABLE).where(key).delete();
        return {
          result: written,
          change: { type: 'DELETED', object: written, previous: stored },
        };
      }
      await tx(OBJECTS_TABLE).where(key).update(toRow(key, written));
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
      const stored = await readForWrite(tx, key, object);
      const next = statusUpdated(stored, object);
      if (unchanged(stored, next)) {
        return { result: stored };
      }
      const written = withResourceVersion(next, resourceVersion);
      await tx(OBJECTS_TABLE).where(key).update(toRow(key, written));
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
      const stored = await readForWrite(tx, key);
      if (stored.metadata.finalizers?.length) {
        if (stored.metadata.deletionTimestamp) {
          return { result: stored };
        }
        const next = withResourceVersion(
          deletionRequested(stored, new Date()),
          resourceVersion,
        );
        await tx(OBJECTS_TABLE).where(key).update(toRow(key, next));
        return {
          result: next,
          change: { type: 'MODIFIED', object: next, previous: stored },
        };
      }
      await tx(OBJECTS_TABLE).where(key).delete();
      // Like a Kubernetes watch: the last state, at the deletion's version.
      const gone = withResourceVersion(stored, resourceVersion);
      return {
        result: undefined,
        change: { type: 'DELETED', object: gone, previous: stored },
      };
    });
  }

  onChange(listener: (change: ObjectChange) => void): () => void {
    return this.#notifier.subscribe(listener);
  }

  /** Runs a write transaction, then tells listeners what it committed. */
  async #write<T>(
    fn: (tx: Knex.Transaction) => Promise<WriteOutcome<T>>,
  ): Promise<T> {
    const { result, change } = await this.#knex.transaction(fn);
    if (change) {
      this.#notifier.notify(change);
    }
    return result;
  }
}

/** The stored object, checked against the input's resourceVersion if set. */
async function readForWrite(
  tx: Knex.Transaction,
  key: RowKey,
  input?: KubeObject,
): Promise<KubeObject> {
  const row = await tx<ObjectRow>(OBJECTS_TABLE).where(key).first('body');
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
  return stored;
}

// Far below the bound-parameter limits of SQLite (32766) and PostgreSQL.
const READ_CHUNK = 1000;

async function readBodies(knex: Knex, ids: number[]) {
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
