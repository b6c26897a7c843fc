import { DatabaseService } from '@backstage/backend-plugin-api';
import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';

/** A fresh, empty database as the plugin's DatabaseService. */
export async function initDatabase(
  databases: TestDatabases,
  id: TestDatabaseId,
): Promise<DatabaseService> {
  const knex = await databases.init(id);
  return { getClient: async () => knex };
}
