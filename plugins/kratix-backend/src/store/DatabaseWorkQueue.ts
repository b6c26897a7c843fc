import { randomUUID } from 'node:crypto';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { toNumber } from './json';
import { getMigratedClient, isPostgres } from './migrations';
import { ClaimedItem, WorkQueue } from './types';
import { ReplicaLiveness, isReplicaAlive } from './replicaLiveness';

const QUEUE_TABLE = 'kratix_queue';
const DEFAULT_LEASE_MS = 60_000;

/** First key of the queue's advisory locks, apart from other users' locks. */
const ADVISORY_LOCK_SPACE = 0x6b727478; // 'krtx'

const RELEASED = {
  claim_token: null,
  claimed_by: null,
  lease_until: null,
  requeue_at: null,
};

interface QueueRow {
  key: string;
  due_at: number | string;
  attempts: number;
  claim_token: string | null;
  lease_until: number | string | null;
  requeue_at: number | string | null;
}

/*
 * A row is claimable when `due_at <= now`. Claiming moves `due_at` to the
 * lease end, so a claimed row becomes claimable again exactly when its
 * lease expires, and one index range on `due_at` finds everything due.
 * Enqueues during a claim go to `requeue_at`, which complete() and retry()
 * turn back into `due_at`.
 */

/** WorkQueue in the plugin's database (SQLite or PostgreSQL). */
export class DatabaseWorkQueue implements WorkQueue {
  readonly #knex: Knex;
  readonly #now: () => number;
  /** The last exclusive section of each name in this process. */
  readonly #sections = new Map<string, Promise<unknown>>();
  /** This replica, in the claims it holds. */
  readonly #owner = randomUUID();
  #liveness?: ReplicaLiveness;

  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
    /** Epoch milliseconds; tests move time instead of waiting. */
    now?: () => number;
  }): Promise<DatabaseWorkQueue> {
    const knex = await getMigratedClient(
      options.database,
      options.skipMigrations,
    );
    return new DatabaseWorkQueue(knex, options.now ?? Date.now);
  }

  private constructor(knex: Knex, now: () => number) {
    this.#knex = knex;
    this.#now = () => Math.floor(now());
  }

  /**
   * Starts taking part: on PostgreSQL it holds this replica's liveness lock
   * (others release its claims once it is gone); on SQLite, the only
   * process, it releases what a previous process left claimed.
   */
  async start(onLivenessLost: (error: unknown) => void = () => {}) {
    if (isPostgres(this.#knex)) {
      this.#liveness = await ReplicaLiveness.hold(
        this.#knex,
        this.#owner,
        onLivenessLost,
      );
    } else {
      await this.#release(
        this.#knex(QUEUE_TABLE)
          .whereNotNull('claim_token')
          .where(q =>
            q.whereNull('claimed_by').orWhereNot('claimed_by', this.#owner),
          ),
      );
    }
  }

  async stop() {
    await this.#liveness?.release();
    this.#liveness = undefined;
  }

  async releaseDeadClaims(): Promise<number> {
    if (!isPostgres(this.#knex)) return 0;
    const owners: { claimed_by: string }[] = await this.#knex(QUEUE_TABLE)
      .distinct('claimed_by')
      .whereNotNull('claim_token')
      .whereNotNull('claimed_by')
      .whereNot('claimed_by', this.#owner);
    let released = 0;
    for (const { claimed_by: owner } of owners) {
      if (await isReplicaAlive(this.#knex, owner)) continue;
      released += await this.#release(
        this.#knex(QUEUE_TABLE)
          .whereNotNull('claim_token')
          .where('claimed_by', owner),
      );
    }
    return released;
  }

  /** Interrupted work goes first: it was due before anything waiting now. */
  async #release(rows: Knex.QueryBuilder): Promise<number> {
    return rows.update({ ...RELEASED, due_at: 0 });
  }

  async enqueue(key: string, options?: { delayMs?: number }): Promise<void> {
    const due = this.#now() + Math.max(0, Math.ceil(options?.delayMs ?? 0));
    const knex = this.#knex;
    const col = (name: string) => knex.ref(`${QUEUE_TABLE}.${name}`);
    await knex(QUEUE_TABLE)
      .insert({ key, queue: shareOf(key), due_at: due, attempts: 0 })
      .onConflict('key')
      .merge({
        due_at: knex.raw('CASE WHEN ? IS NULL AND ? > ? THEN ? ELSE ? END', [
          col('claim_token'),
          col('due_at'),
          due,
          due,
          col('due_at'),
        ]),
        requeue_at: knex.raw(
          'CASE WHEN ? IS NULL THEN NULL WHEN ? IS NULL OR ? > ? THEN ? ELSE ? END',
          [
            col('claim_token'),
            col('requeue_at'),
            col('requeue_at'),
            due,
            due,
            col('requeue_at'),
          ],
        ),
      });
  }

  async claim(options?: {
    leaseMs?: number;
    queue?: string;
  }): Promise<ClaimedItem | undefined> {
    const now = this.#now();
    // A lease must end in the future, or the claim would be free at once.
    const leaseUntil =
      now + Math.max(1, Math.ceil(options?.leaseMs ?? DEFAULT_LEASE_MS));
    const token = randomUUID();
    const share = options?.queue;
    const claimed = await this.#claimNext(now, leaseUntil, token, share);
    return claimed && { key: claimed.key, attempts: claimed.attempts, token };
  }

  async complete(item: ClaimedItem): Promise<void> {
    const deleted = await this.#knex(QUEUE_TABLE)
      .where({ key: item.key, claim_token: item.token })
      .whereNull('requeue_at')
      .delete();
    if (deleted === 0) {
      // Enqueued again during processing: a fresh run, not a retry.
      await this.#knex(QUEUE_TABLE)
        .where({ key: item.key, claim_token: item.token })
        .update({
          due_at: this.#knex.ref('requeue_at'),
          attempts: 0,
          ...RELEASED,
        });
    }
  }

  async renew(item: ClaimedItem, leaseMs: number): Promise<boolean> {
    const leaseUntil = this.#now() + Math.max(1, Math.ceil(leaseMs));
    const updated = await this.#knex(QUEUE_TABLE)
      .where({ key: item.key, claim_token: item.token })
      .update({ lease_until: leaseUntil, due_at: leaseUntil });
    return updated === 1;
  }

  async retry(item: ClaimedItem, delayMs: number): Promise<void> {
    const due = this.#now() + Math.max(0, Math.ceil(delayMs));
    const knex = this.#knex;
    await knex(QUEUE_TABLE)
      .where({ key: item.key, claim_token: item.token })
      .update({
        // An enqueue during the failed run may ask for an earlier run.
        due_at: knex.raw(
          'CASE WHEN ?? IS NOT NULL AND ?? < ? THEN ?? ELSE ? END',
          ['requeue_at', 'requeue_at', due, 'requeue_at', due],
        ),
        attempts: knex.raw('?? + 1', ['attempts']),
        ...RELEASED,
      });
  }

  async nextDueInMs(queue?: string): Promise<number | undefined> {
    const row = await inShare(this.#knex(QUEUE_TABLE), queue)
      .min({ next: 'due_at' })
      .first();
    if (row?.next === null || row?.next === undefined) {
      return undefined;
    }
    return Math.max(0, toNumber(row.next) - this.#now());
  }

  async size(): Promise<number> {
    const row = await this.#knex(QUEUE_TABLE).count({ count: '*' }).first();
    return toNumber(row?.count ?? 0);
  }

  async isClaimed(key: string): Promise<boolean> {
    const row = await this.#knex(QUEUE_TABLE)
      .where({ key })
      .whereNotNull('claim_token')
      .where('lease_until', '>', this.#now())
      .first();
    return row !== undefined;
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    // Waiters of this process queue here first, so waiting costs no
    // database connection.
    const previous = this.#sections.get(name) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.#exclusiveAcrossProcesses(name, fn));
    this.#sections.set(name, run);
    try {
      return await run;
    } finally {
      if (this.#sections.get(name) === run) this.#sections.delete(name);
    }
  }

  async #exclusiveAcrossProcesses<T>(name: string, fn: () => Promise<T>) {
    // SQLite has one writer process (several replicas need PostgreSQL).
    if (!isPostgres(this.#knex)) return fn();
    // A transaction-scoped advisory lock: the server drops it with the
    // connection, so a killed replica cannot leave it held.
    return this.#knex.transaction(async trx => {
      await trx.raw('SELECT pg_advisory_xact_lock(?, hashtext(?))', [
        ADVISORY_LOCK_SPACE,
        name,
      ]);
      return fn();
    });
  }

  /**
   * Picks the next due row and claims it in one statement. PostgreSQL:
   * concurrent claimers skip each other's rows instead of waiting. SQLite
   * runs one write statement at a time, so of two processes sharing the
   * file only one can claim a row.
   */
  async #claimNext(
    now: number,
    leaseUntil: number,
    token: string,
    share?: string,
  ) {
    const knex = this.#knex;
    let next = inShare(knex(QUEUE_TABLE), share)
      .select('key')
      .where('due_at', '<=', now)
      .orderBy([{ column: 'due_at' }, { column: 'key' }])
      .limit(1);
    if (isPostgres(knex)) next = next.forUpdate().skipLocked();
    const rows: Pick<QueueRow, 'key' | 'attempts'>[] = await knex(QUEUE_TABLE)
      .where('key', '=', next)
      .update(claimedBy(token, leaseUntil, this.#owner))
      .returning(['key', 'attempts']);
    return (
      rows[0] && { key: rows[0].key, attempts: toNumber(rows[0].attempts) }
    );
  }
}

/** A key's share of the queue: its controller, the key's first segment. */
function shareOf(key: string): string {
  return key.split('/', 1)[0];
}

function inShare(query: Knex.QueryBuilder, share: string | undefined) {
  return share === undefined ? query : query.where('queue', share);
}

function claimedBy(token: string, leaseUntil: number, owner: string) {
  // A re-claimed expired lease also covers enqueues made during it.
  return {
    claim_token: token,
    claimed_by: owner,
    lease_until: leaseUntil,
    due_at: leaseUntil,
    requeue_at: null,
  };
}
