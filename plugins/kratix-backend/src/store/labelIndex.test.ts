import { resolvePackagePath } from '@backstage/backend-plugin-api';
import {
  KubeObject,
  LabelRequirement,
  Labels,
} from '@kratix-backstage/plugin-kratix-common';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from './__testUtils__/databases';
import { DatabaseObjectStore } from './DatabaseObjectStore';
import { LABELS_TABLE } from './labelIndex';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();
const POD = { group: '', kind: 'Pod' };

function pod(name: string, labels: Labels, finalizers?: string[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels,
      ...(finalizers ? { finalizers } : {}),
    },
    spec: {},
  };
}

const equals = (key: string, value: string): LabelRequirement => ({
  key,
  operator: 'Equals',
  values: [value],
});

describe.each(databases.eachSupportedId())('the label index on %s', id => {
  async function setup() {
    const database = await initDatabase(databases, id);
    const store = await DatabaseObjectStore.create({ database });
    const knex = await database.getClient();
    const select = async (...labelSelector: LabelRequirement[]) =>
      (await store.list(POD, { namespace: 'default', labelSelector })).map(
        o => o.metadata.name,
      );
    const page = async (...labelSelector: LabelRequirement[]) =>
      (await store.listPage(POD, { labelSelector })).items.map(
        o => o.metadata.name,
      );
    return { store, knex, select, page };
  }

  it('follows creates, relabels and deletes', async () => {
    const { store, knex, select, page } = await setup();
    await store.create(pod('a', { app: 'x', tier: 'web' }));
    await store.create(pod('b', { app: 'x', tier: 'db' }, ['keep']));
    await store.create(pod('c', { app: 'y' }));

    expect(await select(equals('app', 'x'))).toEqual(['a', 'b']);
    expect(await page(equals('app', 'x'), equals('tier', 'db'))).toEqual(['b']);
    // Only some requirements need a label; the rest is matched on the object.
    expect(
      await select(equals('app', 'x'), {
        key: 'tier',
        operator: 'NotEquals',
        values: ['web'],
      }),
    ).toEqual(['b']);

    const a = (await store.get({ ...POD, namespace: 'default', name: 'a' }))!;
    await store.update({
      ...a,
      metadata: { ...a.metadata, labels: { app: 'y' } },
    });
    expect(await select(equals('app', 'x'))).toEqual(['b']);
    expect(await select(equals('app', 'y'))).toEqual(['a', 'c']);
    expect(
      await select({ key: 'tier', operator: 'Exists', values: [] }),
    ).toEqual(['b']);

    // A deletion waiting for its finalizer keeps the labels; the last
    // finalizer's removal deletes the object and its labels.
    await store.delete({ ...POD, namespace: 'default', name: 'b' });
    expect(await select(equals('tier', 'db'))).toEqual(['b']);
    const b = (await store.get({ ...POD, namespace: 'default', name: 'b' }))!;
    await store.update({ ...b, metadata: { ...b.metadata, finalizers: [] } });
    await store.delete({ ...POD, namespace: 'default', name: 'c' });
    expect(await select(equals('app', 'x'))).toEqual([]);
    expect(await select(equals('app', 'y'))).toEqual(['a']);
    const rows = await knex(LABELS_TABLE).select('key', 'value');
    expect(rows).toEqual([{ key: 'app', value: 'y' }]);
  });

  it('is filled from the objects already stored when it is created', async () => {
    const { store, knex, select } = await setup();
    await store.create(pod('old', { app: 'x' }));
    const directory = resolvePackagePath(
      '@kratix-backstage/plugin-kratix-backend',
      'migrations',
    );
    // Undo the index's migration alone (later ones stay), then migrate
    // again: the migration fills the index from the stored objects.
    await knex.migrate.down({
      directory,
      name: '20261202100000_object_labels.js',
    });
    expect(await knex.schema.hasTable(LABELS_TABLE)).toBe(false);
    await knex.migrate.latest({ directory });

    expect(await select(equals('app', 'x'))).toEqual(['old']);
  });

  it('drives a list from its rarest label, whatever the order asked', async () => {
    const { store, knex, select } = await setup();
    for (let i = 0; i < 70; i++) {
      await store.create(pod(`p${i}`, { promise: 'x', resource: `r${i}` }));
    }
    const joinedOn: unknown[] = [];
    knex.on('query', (q: { sql: string; bindings: unknown[] }) => {
      const m = / join .* where (.*)$/i.exec(q.sql);
      if (!m) return;
      // The join's key is the binding after those of o.group, o.kind,
      // o.namespace, l.group and l.kind.
      joinedOn.push(q.bindings[5]);
    });
    expect(
      await select(equals('promise', 'x'), equals('resource', 'r7')),
    ).toEqual(['p7']);
    expect(
      await select(equals('resource', 'r8'), equals('promise', 'x')),
    ).toEqual(['p8']);
    expect(joinedOn).toEqual(['resource', 'resource']);
  });
});
