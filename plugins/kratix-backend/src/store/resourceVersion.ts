import { Knex } from 'knex';
import { toNumber } from './json';

/**
 * Takes the next global resourceVersion inside the caller's transaction.
 *
 * On PostgreSQL the counter row stays locked until the transaction ends, so
 * writers run one at a time: a writer reads the object only after the
 * previous writer committed (no lost updates), and versions are committed in
 * increasing order. Call it before reading what the write depends on. A
 * rolled-back transaction gives its version back (the store rolls back
 * writes that change nothing); gaps would be harmless (Kubernetes has them),
 * but without them this process's own writes reach its listeners without
 * being read back (ChangeFeed.committed).
 */
export async function nextResourceVersion(
  tx: Knex.Transaction,
): Promise<number> {
  const [row] = await tx('kratix_counters')
    .where({ name: 'resource_version' })
    .increment('value', 1)
    .returning('value');
  return toNumber(row.value);
}
