import { Knex } from 'knex';

/**
 * Counts the queue claims that succeed, per controller share (a key's first
 * segment), by watching the SQL a knex client runs: one claim is one
 * reconcile. A check on the engine's own metric that needs nothing of the
 * engine; tied to DatabaseWorkQueue's claim statement (UPDATE … RETURNING).
 */
export class QueueClaims {
  readonly #counts = new Map<string, number>();

  constructor(knex: Knex) {
    knex.on('query-response', (response: unknown, query: QueryData) => {
      if (!isClaim(query)) return;
      // The claim returns the row it claimed, or none.
      const key = Array.isArray(response)
        ? (response[0] as { key?: unknown } | undefined)?.key
        : undefined;
      if (typeof key !== 'string') return;
      const share = key.split('/', 1)[0];
      this.#counts.set(share, (this.#counts.get(share) ?? 0) + 1);
    });
  }

  count(share: string): number {
    return this.#counts.get(share) ?? 0;
  }
}

interface QueryData {
  sql?: string;
  bindings?: unknown[];
}

/** `claimedBy`: the update that sets a claim token on a row. */
function isClaim(query: QueryData): boolean {
  return (
    query.sql?.startsWith('update `kratix_queue` set `claim_token` = ?') ===
      true && typeof query.bindings?.[0] === 'string'
  );
}
