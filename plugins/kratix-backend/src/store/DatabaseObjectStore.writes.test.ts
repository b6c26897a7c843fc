import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from './__testUtils__/databases';
import { CHANGES_TABLE } from './ChangeFeed';
import { DatabaseObjectStore } from './DatabaseObjectStore';
import { ObjectChange } from './types';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();

function destination(name: string, labels: Record<string, string>): KubeObject {
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Destination',
    metadata: { name, labels },
    spec: { stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' } },
  };
}

describe.each(databases.eachSupportedId())('writes on %s', id => {
  async function setup() {
    const database = await initDatabase(databases, id);
    const store = await DatabaseObjectStore.create({ database });
    const knex = await database.getClient();
    const changes: ObjectChange[] = [];
    store.onChange(change => changes.push(change));
    const statements: string[] = [];
    knex.on('query', (q: { sql: string }) => statements.push(q.sql));
    return { store, changes, statements };
  }

  it('a write that changes nothing takes no resourceVersion and writes nothing', async () => {
    const { store, changes, statements } = await setup();
    const first = await store.create(destination('a', { env: 'dev' }));
    statements.length = 0;
    const same = await store.update(first);
    expect(same.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(statements.some(sql => /^commit/i.test(sql.trim()))).toBe(false);

    const next = await store.update({
      ...first,
      metadata: { ...first.metadata, labels: { env: 'prod' } },
    });
    // No gap: the no-op's version was given back.
    expect(Number(next.metadata.resourceVersion)).toBe(
      Number(first.metadata.resourceVersion) + 1,
    );
    expect(changes.map(c => c.type)).toEqual(['ADDED', 'MODIFIED']);
  });

  it("hands this process's own writes to listeners without reading them back", async () => {
    const { store, changes, statements } = await setup();
    await store.create(destination('a', { env: 'dev' }));
    statements.length = 0;
    const written = await store.create(destination('b', { env: 'dev' }));

    expect(changes.map(c => [c.type, c.object.metadata.name])).toEqual([
      ['ADDED', 'a'],
      ['ADDED', 'b'],
    ]);
    expect(changes[1].object).toEqual(written);
    const reads = statements.filter(sql =>
      new RegExp(`^select .*from ["\`]${CHANGES_TABLE}["\`]`, 'i').test(sql),
    );
    expect(reads).toEqual([]);
  });

  it('reads the feed when another writer came between, keeping version order', async () => {
    const database = await initDatabase(databases, id);
    // Slow polls: only this store's own writes make it read.
    const mine = await DatabaseObjectStore.create({
      database,
      feedPollMs: 60_000,
    });
    const theirs = await DatabaseObjectStore.create({
      database,
      feedPollMs: 60_000,
    });
    const seen: string[] = [];
    mine.onChange(change => seen.push(change.object.metadata.name));
    await mine.create(destination('a', { env: 'dev' }));
    await theirs.create(destination('b', { env: 'dev' }));
    await mine.create(destination('c', { env: 'dev' }));
    expect(seen).toEqual(['a', 'b', 'c']);
    mine.feed.stop();
    theirs.feed.stop();
  });
});
