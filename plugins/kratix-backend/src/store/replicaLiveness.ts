import { Knex } from 'knex';

/** First key of the replicas' liveness locks, apart from the queue's locks. */
const LIVENESS_LOCK_SPACE = 0x6b726c76; // 'krlv'

/**
 * A replica's sign of life on PostgreSQL: a session advisory lock held on a
 * connection of its own. PostgreSQL drops it the moment the process dies
 * (SIGKILL included) and its connection goes, so another replica can tell
 * a dead owner's claims from a slow one's without waiting for a lease.
 */
export class ReplicaLiveness {
  #client: any;
  #stopped = false;

  private constructor(
    private readonly knex: Knex,
    private readonly id: string,
    private readonly onLost: (error: unknown) => void,
  ) {}

  static async hold(
    knex: Knex,
    id: string,
    onLost: (error: unknown) => void,
  ): Promise<ReplicaLiveness> {
    const liveness = new ReplicaLiveness(knex, id, onLost);
    await liveness.#connect();
    return liveness;
  }

  async #connect() {
    if (this.#stopped) return;
    // Not from the knex pool: a held pool connection would keep the pool
    // from ever being destroyed.
    const { driver, connectionSettings } = this.knex.client as any;
    const client = new driver.Client(connectionSettings);
    client.on('error', (error: unknown) => {
      // Others may now take this replica's claims for a dead one's; the
      // work is idempotent, and the lock is taken again.
      this.onLost(error);
      client.end().catch(() => undefined);
      if (this.#client === client) this.#client = undefined;
      setTimeout(() => this.#connect().catch(this.onLost), 1000).unref?.();
    });
    await client.connect();
    client.connection?.stream?.unref?.();
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [
      LIVENESS_LOCK_SPACE,
      this.id,
    ]);
    this.#client = client;
  }

  async release() {
    this.#stopped = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/**
 * Whether the replica with this id still holds its liveness lock. Taking
 * and giving back the lock in one statement keeps it on one connection.
 */
export async function isReplicaAlive(knex: Knex, id: string): Promise<boolean> {
  const result = await knex.raw(
    `SELECT CASE WHEN pg_try_advisory_lock(?, hashtext(?))
       THEN NOT pg_advisory_unlock(?, hashtext(?)) ELSE true END AS alive`,
    [LIVENESS_LOCK_SPACE, id, LIVENESS_LOCK_SPACE, id],
  );
  return Boolean(result.rows[0].alive);
}
