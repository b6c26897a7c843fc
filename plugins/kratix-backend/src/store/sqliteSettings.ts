import { Knex } from 'knex';

/*
 * The engine writes in many small transactions (every object write, every
 * queue claim and completion is one), so on SQLite's defaults (a rollback
 * journal, synchronous=FULL) each of them waits for several fsyncs, with
 * the event loop blocked, since better-sqlite3 is synchronous: most of a
 * request's time went there.
 *
 * WAL with synchronous=NORMAL, SQLite's recommended setting for WAL: a
 * commit appends to the log and syncs nothing; the log is synced at
 * checkpoints. Commits stay atomic and the file cannot be corrupted. A
 * crash of the backend loses nothing (the log is in the OS's cache); only
 * a power loss or OS crash can roll back the last transactions before a
 * checkpoint, to a consistent earlier state. The engine is level-triggered
 * and re-reconciles everything at start, so it recovers from such a state
 * as from any restart; deployments that cannot lose a committed write to a
 * power cut run on PostgreSQL (several replicas do anyway).
 */
const tuned = new WeakSet<Knex>();

/*
 * knex prepares every statement anew (better-sqlite3's `prepare`: parse and
 * plan), which was a third of the SQLite time per request, although the
 * engine issues the same few hundred statement texts again and again. A
 * prepared statement is reusable: knex runs it to completion with `all` or
 * `run` at once and never keeps one iterating, so one per text is enough.
 */
const STATEMENT_CACHE_SIZE = 500;

interface Preparing {
  prepare(sql: string): unknown;
}

const caching = new WeakSet<Preparing>();

/** Makes a connection's `prepare` answer the statement it prepared last for the text. */
export function cachePreparedStatements(connection: Preparing): void {
  if (caching.has(connection)) return;
  caching.add(connection);
  const prepare = connection.prepare.bind(connection);
  // A Map iterates in insertion order, so re-inserting a hit makes it an LRU.
  const statements = new Map<string, unknown>();
  connection.prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement) {
      statements.delete(sql);
    } else {
      statement = prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) {
        statements.delete(statements.keys().next().value!);
      }
    }
    statements.set(sql, statement);
    return statement;
  };
}

/** Whether the client is SQLite (either driver). */
export function isSqlite(knex: Knex): boolean {
  const client = knex.client.config.client;
  return client === 'better-sqlite3' || client === 'sqlite3';
}

/** Applies the settings above to a SQLite client, once; others are left as they are. */
export async function tuneSqlite(knex: Knex): Promise<void> {
  if (!isSqlite(knex) || tuned.has(knex)) return;
  tuned.add(knex);
  if (knex.client.config.client === 'better-sqlite3') {
    // Every connection passes here before its first query, including those
    // the pool makes later.
    knex.client.pool?.on(
      'acquireSuccess',
      (_id: number, connection: Preparing) =>
        cachePreparedStatements(connection),
    );
  }
  // A property of the database file, kept across connections and restarts;
  // an in-memory database stays "memory", which needs no syncing at all.
  await knex.raw('PRAGMA journal_mode = WAL');
  // Per connection: this sets the one knex keeps for SQLite by default;
  // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, so any
  // further connection to a WAL file starts at NORMAL too.
  await knex.raw('PRAGMA synchronous = NORMAL');
}
