import { TestDatabases } from '@backstage/backend-test-utils';

const PG_VARIABLE = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';

/**
 * SQLite always; PostgreSQL when scripts/with-postgres.sh (or CI) provides a
 * server. There is no Docker here, so without one the PostgreSQL cases are
 * skipped, and the run says so.
 */
export function kratixTestDatabases(): TestDatabases {
  if (!process.env[PG_VARIABLE]) {
    // eslint-disable-next-line no-console
    console.warn(
      `PostgreSQL tests skipped: they need ${PG_VARIABLE} (run through scripts/test.sh or scripts/with-postgres.sh)`,
    );
  }
  return TestDatabases.create({
    ids: ['SQLITE_3', 'POSTGRES_15'],
    disableDocker: true,
  });
}
