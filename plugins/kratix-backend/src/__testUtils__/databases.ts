import { TestDatabases } from '@backstage/backend-test-utils';

const PG_VARIABLE = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/** Whether scripts/with-postgres.sh (or CI) provides a PostgreSQL server. */
export function hasPostgres(): boolean {
  if (process.env[PG_VARIABLE]) return true;
  const why = `PostgreSQL tests need ${PG_VARIABLE} (run through scripts/test.sh or scripts/with-postgres.sh)`;
  // In CI a missing server must fail the run: skipped cases would pass it.
  if (process.env.CI === 'true') throw new Error(`CI=true: ${why}`);
  // eslint-disable-next-line no-console
  console.warn(`PostgreSQL tests skipped: ${why}`);
  return false;
}

/**
 * SQLite always; PostgreSQL when a server is provided. There is no Docker
 * here, so without one the PostgreSQL cases are skipped locally, and the
 * run says so; with CI=true the suite fails instead.
 */
export function kratixTestDatabases(): TestDatabases {
  hasPostgres();
  return TestDatabases.create({
    ids: ['SQLITE_3', 'POSTGRES_15'],
    disableDocker: true,
  });
}
