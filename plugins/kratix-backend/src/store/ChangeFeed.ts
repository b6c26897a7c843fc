import { parseApiVersion } from '@kratix-backstage/plugin-kratix-common';
import { LoggerService } from '@backstage/backend-plugin-api';
import { KratixExpiredError } from '@kratix-backstage/plugin-kratix-node';
import { Knex } from 'knex';
import { isPostgres } from './migrations';
import { deepFreeze, toNumber } from './json';
import { ObjectChange, WatchOptions } from './types';

export const CHANGES_TABLE = 'kratix_changes';
const COMPACTED_COUNTER = 'compacted_resource_version';
/** PostgreSQL NOTIFY channel: only a wake-up, the rows are the truth. */
export const CHANGES_CHANNEL = 'kratix_changes';

/** The asked-for version was compacted away: relist, then watch again. */
export class ResourceVersionExpiredError extends KratixExpiredError {}

interface ChangeRow {
  resource_version: number | string;
  type: string;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  body: string;
  previous: string | null;
  committed_at: number | string;
}

export interface FeedChange extends ObjectChange {
  resourceVersion: number;
}

/** Appends the change row inside the writer's transaction. */
export async function recordChange(
  tx: Knex.Transaction,
  change: ObjectChange,
  resourceVersion: number,
) {
  const { object, previous, type } = change;
  await tx<ChangeRow>(CHANGES_TABLE).insert({
    resource_version: resourceVersion,
    type,
    group: parseApiVersion(object.apiVersion).group,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    body: JSON.stringify(object),
    previous: previous ? JSON.stringify(previous) : null,
    committed_at: Date.now(),
  });
  if (isPostgres(tx)) {
    // Delivered at commit, so a listener that wakes finds the row. The
    // version lets the writer's own feed, which has it already, skip it.
    await tx.raw('select pg_notify(?, ?)', [
      CHANGES_CHANNEL,
      String(resourceVersion),
    ]);
  }
}

const BATCH = 500;

function toChange(row: ChangeRow): FeedChange {
  return {
    resourceVersion: toNumber(row.resource_version),
    type: row.type as FeedChange['type'],
    object: JSON.parse(row.body),
    ...(row.previous ? { previous: JSON.parse(row.previous) } : {}),
  };
}

function matchesKinds(change: FeedChange, kinds?: WatchOptions['kinds']) {
  if (!kinds) return true;
  const { group } = parseApiVersion(change.object.apiVersion);
  return kinds.some(k => k.kind === change.object.kind && k.group === group);
}

/**
 * Follows the changes table for this process: one reader, however many
 * listeners and watchers. It reads when woken (a write in this process, a
 * PostgreSQL notification from another replica) and on a slow poll, so no
 * wake-up lost on the way can lose a change, only delay it.
 */
export class ChangeFeed {
  readonly #knex: Knex;
  readonly #logger?: LoggerService;
  readonly #listeners = new Set<(change: FeedChange) => void>();
  /** Versions this process is committing (see expectOwn). */
  readonly #ownPending = new Set<number>();
  readonly #pollMs: number;
  /** Undefined until the table could be read (migrations may run later). */
  #position?: number;
  #started?: Promise<void>;
  #reading?: Promise<void>;
  #again = false;
  #timer?: NodeJS.Timeout;
  #stopListening?: () => void;
  #stopped = false;

  constructor(options: {
    knex: Knex;
    logger?: LoggerService;
    pollMs?: number;
  }) {
    this.#knex = options.knex;
    this.#logger = options.logger;
    this.#pollMs = options.pollMs ?? 1000;
  }

  /** The newest committed resourceVersion. */
  async currentVersion(): Promise<number> {
    const row = await this.#knex('kratix_counters')
      .where({ name: 'resource_version' })
      .first('value');
    return toNumber(row?.value ?? 0);
  }

  async compactedVersion(): Promise<number> {
    const row = await this.#knex('kratix_counters')
      .where({ name: COMPACTED_COUNTER })
      .first('value');
    return toNumber(row?.value ?? 0);
  }

  /** Starts following from now; idempotent. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#position = await this.#maxRecorded().catch(() => undefined);
      this.#schedulePoll();
      if (isPostgres(this.#knex)) await this.#listen();
    })();
    return this.#started;
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#stopListening?.();
  }

  /**
   * Every change committed after the feed started, in resourceVersion
   * order, once each. Listeners share one frozen copy of each change: a
   * copy each cost a parse per listener per change, so a hundred watchers
   * made every write a hundred parses.
   */
  subscribe(listener: (change: FeedChange) => void): () => void {
    const entry = (change: FeedChange) => listener(change);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /**
   * A change this process has just committed. When it is the very next
   * one, it goes to the listeners as it is, without reading it back;
   * otherwise (another writer's change came between, or a read is under
   * way) the feed reads, which keeps every listener in version order.
   */
  committed(change: FeedChange): Promise<void> {
    if (
      this.#reading === undefined &&
      this.#position === change.resourceVersion - 1
    ) {
      this.#position = change.resourceVersion;
      this.#dispatch(change, { copy: true });
      return Promise.resolve();
    }
    return this.wake();
  }

  /**
   * A version this process is about to commit. Its NOTIFY can arrive
   * before the commit's own answer; it is no news, since committed() hands
   * the change on. The returned function forgets it, after committed().
   */
  expectOwn(version: number): () => void {
    this.#ownPending.add(version);
    return () => this.#ownPending.delete(version);
  }

  /** Reads what was committed since the last read; coalesces calls. */
  wake(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      try {
        do {
          this.#again = false;
          await this.#readNew();
        } while (this.#again && !this.#stopped);
      } catch (error) {
        this.#logger?.warn(`Kratix change feed read failed: ${error}`);
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  /**
   * Changes after `since`, then live ones, until the signal aborts. Throws
   * ResourceVersionExpiredError when `since` was compacted.
   */
  async *watch(
    options: WatchOptions & { signal?: AbortSignal },
  ): AsyncGenerator<FeedChange> {
    await this.start();
    const { signal, kinds } = options;
    let last = options.since;
    // Live changes are buffered from before the history is read, so none
    // falls between the two.
    const buffer: FeedChange[] = [];
    const waiting: { notify?: () => void } = {};
    const wakeUp = () => {
      const notify = waiting.notify;
      waiting.notify = undefined;
      notify?.();
    };
    const arrived = () =>
      new Promise<void>(resolve => {
        waiting.notify = resolve;
      });
    const unsubscribe = this.subscribe(change => {
      buffer.push(change);
      wakeUp();
    });
    const onAbort = wakeUp;
    signal?.addEventListener('abort', onAbort);
    try {
      if (last < (await this.compactedVersion())) {
        throw new ResourceVersionExpiredError(
          `too old resource version: ${last} (${await this.compactedVersion()})`,
        );
      }
      for (;;) {
        const rows = await this.#read(last, BATCH);
        for (const change of rows) {
          last = change.resourceVersion;
          if (matchesKinds(change, kinds)) yield change;
        }
        if (rows.length < BATCH) break;
      }
      while (!signal?.aborted && !this.#stopped) {
        const change = buffer.shift();
        if (!change) {
          await arrived();
          continue;
        }
        if (change.resourceVersion <= last) continue;
        last = change.resourceVersion;
        if (matchesKinds(change, kinds)) yield change;
      }
    } finally {
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Deletes rows committed before `olderThanMs` ago; any replica may run it. */
  async compact(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    return this.#knex.transaction(async tx => {
      const row = await tx<ChangeRow>(CHANGES_TABLE)
        .where('committed_at', '<', cutoff)
        .max({ rv: 'resource_version' })
        .first();
      const through = toNumber(row?.rv ?? 0);
      if (!through) return 0;
      // Raise the mark first: a watcher must never find a silent gap.
      await tx('kratix_counters')
        .where({ name: COMPACTED_COUNTER })
        .where('value', '<', through)
        .update({ value: through });
      const deleted = await tx(CHANGES_TABLE)
        .where('resource_version', '<=', through)
        .delete();
      return Number(deleted ?? 0);
    });
  }

  async #maxRecorded(): Promise<number> {
    const row = await this.#knex<ChangeRow>(CHANGES_TABLE)
      .max({ rv: 'resource_version' })
      .first();
    return Math.max(
      toNumber(row?.rv ?? 0),
      await this.currentVersion().catch(() => 0),
    );
  }

  async #read(after: number, limit: number): Promise<FeedChange[]> {
    const rows = await this.#knex<ChangeRow>(CHANGES_TABLE)
      .where('resource_version', '>', after)
      .orderBy('resource_version')
      .limit(limit);
    return rows.map(toChange);
  }

  async #readNew() {
    // Listeners follow from the first successful read, not from history.
    this.#position ??= await this.#maxRecorded();
    for (;;) {
      const changes = await this.#read(this.#position!, BATCH);
      for (const change of changes) {
        this.#position = change.resourceVersion;
        this.#dispatch(change);
      }
      if (changes.length < BATCH) return;
    }
  }

  /** `copy` a change whose objects its writer keeps (and may change). */
  #dispatch(change: FeedChange, { copy = false } = {}) {
    if (this.#listeners.size === 0) return;
    const shared = deepFreeze(
      copy ? JSON.parse(JSON.stringify(change)) : change,
    );
    for (const listener of [...this.#listeners]) {
      try {
        listener(shared);
      } catch (error) {
        this.#logger?.error(
          'Kratix object change listener failed',
          error as Error,
        );
      }
    }
  }

  #schedulePoll() {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      // knex drops its pool when destroyed: the feed and its LISTEN
      // connection go with it, or the database could not be dropped.
      if (!(this.#knex.client as { pool?: unknown }).pool) {
        this.stop();
        return;
      }
      this.wake().finally(() => this.#schedulePoll());
    }, this.#pollMs);
    this.#timer.unref?.();
  }

  /**
   * A connection of its own that waits for NOTIFY, re-made if it drops.
   * Not from the knex pool: a held pool connection would keep the pool
   * from ever being destroyed.
   */
  async #listen() {
    let client: any;
    const close = () => {
      const c = client;
      client = undefined;
      c?.removeAllListeners?.();
      c?.end?.().catch?.(() => undefined);
    };
    const connect = async () => {
      if (this.#stopped) return;
      try {
        const { driver, connectionSettings } = this.#knex.client as any;
        client = new driver.Client(connectionSettings);
        client.on('notification', (message: { payload?: string }) => {
          const version = message.payload ? Number(message.payload) : NaN;
          // Not a version (an older replica's empty payload): read anyway.
          if (
            !(version <= (this.#position ?? -1)) &&
            !this.#ownPending.has(version)
          ) {
            this.wake();
          }
        });
        client.on('error', () => {
          close();
          setTimeout(connect, this.#pollMs).unref?.();
        });
        await client.connect();
        // It only wakes readers: it must not keep the process alive.
        client.connection?.stream?.unref?.();
        await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      } catch (error) {
        this.#logger?.warn(
          `Kratix change feed could not LISTEN, polling only: ${error}`,
        );
        close();
        setTimeout(connect, this.#pollMs * 5).unref?.();
      }
    };
    this.#stopListening = close;
    await connect();
  }
}
