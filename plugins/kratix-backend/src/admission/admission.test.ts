import { DestinationObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from '../store/__testUtils__/databases';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { EngineAdmission } from './admission';
import { InvalidObjectError } from './errors';
import { DESTINATION_KIND, InMemoryKindRegistry } from './kinds';

const databases = kratixTestDatabases();

function destination(
  name: string,
  spec: { path: string; store?: string },
  labels: Record<string, string> = {},
): DestinationObject {
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Destination',
    metadata: { name, labels },
    spec: {
      path: spec.path,
      stateStoreRef: {
        kind: 'FilesystemStateStore',
        name: spec.store ?? 'default',
      },
    },
  } as DestinationObject;
}

describe("Destination admission: one state store path per Destination (Kratix's webhook)", () => {
  async function setup() {
    const database = await initDatabase(databases, 'SQLITE_3');
    const store = await DatabaseObjectStore.create({ database });
    const admission = new EngineAdmission(new InMemoryKindRegistry(), store);
    const stored = async (d: DestinationObject) =>
      (await store.create(
        await admission.admit(d, undefined, DESTINATION_KIND),
      )) as DestinationObject;
    const a = await stored(destination('a', { path: 'shared' }));
    const b = await stored(destination('b', { path: 'own' }));
    const lists = jest.spyOn(store, 'list');
    return { admission, store, a, b, lists };
  }

  it('refuses a move onto a path another Destination has on the same store', async () => {
    const { admission, b } = await setup();
    const moved = destination('b', { path: 'shared' });
    await expect(admission.admit(moved, b, DESTINATION_KIND)).rejects.toThrow(
      InvalidObjectError,
    );
    await expect(admission.admit(moved, b, DESTINATION_KIND)).rejects.toThrow(
      "destination path 'shared' already exists for state store 'default'",
    );
    // The same path on another store is another place.
    await expect(
      admission.admit(
        destination('b', { path: 'shared', store: 'other' }),
        b,
        DESTINATION_KIND,
      ),
    ).resolves.toMatchObject({ spec: { path: 'shared' } });
  });

  it('reads no other Destination when an update keeps the store and path', async () => {
    const { admission, a, lists } = await setup();
    const relabelled = destination(
      'a',
      { path: 'shared' },
      { environment: 'dev' },
    );
    await expect(
      admission.admit(relabelled, a, DESTINATION_KIND),
    ).resolves.toMatchObject({ metadata: { labels: { environment: 'dev' } } });
    expect(lists).not.toHaveBeenCalled();
  });

  it('takes a missing path for the name it defaults to, so stored objects without one are not read for either', async () => {
    const { admission, store, lists } = await setup();
    const { path: _, ...noPath } = destination('c', { path: 'c' }).spec!;
    const stored = (await store.create({
      ...destination('c', { path: 'c' }),
      spec: noPath,
    })) as DestinationObject;
    lists.mockClear();

    await admission.admit(
      { ...stored, metadata: { name: 'c', labels: { environment: 'dev' } } },
      stored,
      DESTINATION_KIND,
    );
    expect(lists).not.toHaveBeenCalled();
  });
});
