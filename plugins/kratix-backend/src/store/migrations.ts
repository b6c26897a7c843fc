import {
  DatabaseService,
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { tuneSqlite } from './sqliteSettings';

const migrationsDir = resolvePackagePath(
  '@kratix-backstage/plugin-kratix-backend',
  'migrations',
);

// The object store and the work queue migrate the same database, usually at
// the same time during startup; knex's migration lock would make the second
// caller fail instead of wait, so one run per client is shared.
const runs = new WeakMap<Knex, Promise<void>>();

function migrate(knex: Knex): Promise<void> {
  let run = runs.get(knex);
  if (!run) {
    run = knex.migrate
      .latest({ directory: migrationsDir })
      .then(() => undefined);
    runs.set(knex, run);
    // A failed run must not be remembered, so a later create() can retry.
    run.catch(() => runs.delete(knex));
  }
  return run;
}

/**
 * The plugin's client, migrated unless migrations are skipped; on SQLite
 * with the settings of sqliteSettings.ts.
 */
export async function getMigratedClient(
  database: DatabaseService,
  skipMigrations?: boolean,
  logger?: LoggerService,
): Promise<Knex> {
  const knex = await database.getClient();
  await tuneSqlite(knex, logger);
  if (!skipMigrations && !database.migrations?.skip) {
    await migrate(knex);
  }
  return knex;
}

/** Whether the client talks to PostgreSQL (row locks, SKIP LOCKED). */
export function isPostgres(knex: Knex): boolean {
  const client = knex.client.config.client;
  return client === 'pg' || client === 'postgres' || client === 'postgresql';
}
