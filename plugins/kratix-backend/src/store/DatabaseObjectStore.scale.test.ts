import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from './__testUtils__/databases';
import { DatabaseObjectStore } from './DatabaseObjectStore';
import { OBJECTS_TABLE, rowKey, toRow } from './rows';
import { LABELS_TABLE, labelRows } from './labelIndex';
import { created } from './transitions';

jest.setTimeout(120_000);

const databases = kratixTestDatabases();
const DESTINATION = { group: 'platform.kratix.io', kind: 'Destination' };
const COUNT = 10_000;

function destination(i: number): KubeObject {
  return created(
    {
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'Destination',
      metadata: {
        name: `destination-${String(COUNT - i).padStart(5, '0')}`,
        labels: { env: i % 100 === 0 ? 'prod' : 'dev', zone: `z${i % 7}` },
      },
      spec: {
        path: `d${i}`,
        stateStoreRef: { kind: 'BucketStateStore', name: 'default' },
      },
    },
    { uid: `uid-${i}`, resourceVersion: i + 1, now: new Date() },
  );
}

describe.each(databases.eachSupportedId())(
  'DatabaseObjectStore with 10k destinations on %s',
  id => {
    it('lists all of them and selects by label, in order and quickly', async () => {
      const database = await initDatabase(databases, id);
      const store = await DatabaseObjectStore.create({ database });
      // Seeded in bulk: 10k single creates would take most of a minute.
      const rows = Array.from({ length: COUNT }, (_, i) => {
        const object = destination(i);
        return toRow(
          rowKey({ ...DESTINATION, name: object.metadata.name }),
          object,
          new Date(),
        );
      });
      const knex = await database.getClient();
      await knex.batchInsert(OBJECTS_TABLE, rows, 500);
      const ids = await knex(OBJECTS_TABLE).select('id', 'labels');
      await knex.batchInsert(
        LABELS_TABLE,
        ids.flatMap(row =>
          labelRows(Number(row.id), DESTINATION, JSON.parse(row.labels)),
        ),
        500,
      );

      const started = Date.now();
      const all = await store.list(DESTINATION);
      const prod = await store.list(DESTINATION, {
        labelSelector: [
          { key: 'env', operator: 'Equals', values: ['prod'] },
          { key: 'zone', operator: 'Exists', values: [] },
        ],
      });
      const elapsed = Date.now() - started;

      expect(all).toHaveLength(COUNT);
      expect(all[0].metadata.name).toBe('destination-00001');
      expect(all[COUNT - 1].metadata.name).toBe('destination-10000');
      expect(prod).toHaveLength(COUNT / 100);
      expect(prod.every(d => d.metadata.labels?.env === 'prod')).toBe(true);
      const prodNames = prod.map(d => d.metadata.name);
      expect(prodNames).toEqual([...prodNames].sort());
      // Typically ~200 ms; the bound only catches a change of complexity.
      expect(elapsed).toBeLessThan(5000);
    });
  },
);
