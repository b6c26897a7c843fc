import { mockServices } from '@backstage/backend-test-utils';
import type { EntityProviderMutation } from '@backstage/plugin-catalog-node';
import { DEFAULT_ENTITY_OPTIONS } from './entities';
import { KratixEntityProvider } from './KratixEntityProvider';
import {
  recordingConnection,
  startKratix,
} from './__testUtils__/kratixBackend';

jest.setTimeout(60_000);

const DESTINATION = {
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Destination',
};

describe('KratixEntityProvider on the real engine', () => {
  let kratix: Awaited<ReturnType<typeof startKratix>>;
  let provider: KratixEntityProvider;
  const { connection, mutations } = recordingConnection();

  beforeAll(async () => {
    kratix = await startKratix();
    provider = new KratixEntityProvider({
      objects: kratix.objects,
      credentials: kratix.credentials,
      logger: mockServices.logger.mock(),
      entityOptions: DEFAULT_ENTITY_OPTIONS,
    });
    await provider.connect(connection);
  });

  afterAll(async () => {
    provider?.stop();
    await kratix?.stop();
  });

  /** The first mutation after `index` that `ok` accepts, with its delay. */
  async function nextMutation(
    index: number,
    since: number,
    ok: (m: EntityProviderMutation) => boolean,
  ) {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const at = mutations.findIndex((m, i) => i >= index && ok(m.mutation));
      if (at >= 0) {
        const found = mutations[at];
        return { mutation: found.mutation, ms: found.at - since, at };
      }
      await new Promise(r => setTimeout(r, 10));
    }
    throw new Error(
      `no such mutation; got ${JSON.stringify(mutations.slice(index))}`,
    );
  }

  const names = (m: EntityProviderMutation) =>
    m.type === 'delta'
      ? {
          added: m.added.map(a => a.entity.metadata.name),
          removed: m.removed.map(r => ('entityRef' in r ? r.entityRef : '')),
        }
      : { added: m.entities.map(e => e.entity.metadata.name), removed: [] };

  it('sends a full mutation first, then a delta within a second of each create, relabel and delete, and nothing when nothing changed', async () => {
    await nextMutation(0, 0, m => m.type === 'full');
    await nextMutation(0, 0, m => names(m).added.includes('worker-1'));
    const credentials = await kratix.credentials();

    let index = mutations.length;
    let start = Date.now();
    await kratix.objects.create(
      {
        ...DESTINATION,
        metadata: { name: 'worker-2', labels: { environment: 'dev' } },
        spec: {
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
        },
      },
      { credentials },
    );
    const created = await nextMutation(index, start, m =>
      names(m).added.includes('worker-2'),
    );
    expect(created.ms).toBeLessThan(1000);
    expect(names(created.mutation)).toEqual({
      added: ['worker-2'],
      removed: [],
    });

    // An annotation shows in no entity: the catalog hears nothing of it.
    const quiet = mutations.length;
    await kratix.objects.patch(
      { ...DESTINATION, name: 'worker-2' },
      { metadata: { annotations: { note: 'not in the catalog' } } },
      { credentials },
    );
    // Changes are handled in order, and batched: the delta for a later
    // change (another Destination) holds whatever the annotation and the
    // engine's status writes before it changed, which must be nothing.
    await kratix.objects.create(
      {
        ...DESTINATION,
        metadata: { name: 'worker-3' },
        spec: {
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
        },
      },
      { credentials },
    );
    const later = await nextMutation(quiet, 0, m =>
      names(m).added.includes('worker-3'),
    );
    expect(later.at).toBe(quiet);
    expect(names(later.mutation)).toEqual({ added: ['worker-3'], removed: [] });

    index = mutations.length;
    start = Date.now();
    await kratix.objects.patch(
      { ...DESTINATION, name: 'worker-2' },
      { metadata: { labels: { environment: 'prod' } } },
      { credentials },
    );
    const relabelled = await nextMutation(
      index,
      start,
      m =>
        m.type === 'delta' &&
        m.added.some(a => a.entity.metadata.labels?.environment === 'prod'),
    );
    expect(relabelled.ms).toBeLessThan(1000);
    expect(names(relabelled.mutation).added).toEqual(['worker-2']);

    index = mutations.length;
    start = Date.now();
    await kratix.objects.delete(
      { ...DESTINATION, name: 'worker-2' },
      {
        credentials,
      },
    );
    const deleted = await nextMutation(index, start, m =>
      names(m).removed.includes('resource:default/worker-2'),
    );
    expect(deleted.ms).toBeLessThan(1000);
    // eslint-disable-next-line no-console
    console.log(
      `provider delta after create ${created.ms} ms, relabel ${relabelled.ms} ms, delete ${deleted.ms} ms`,
    );
    expect(provider.emittedRefs()).toEqual([
      'resource:default/worker-1',
      'resource:default/worker-3',
    ]);
  });
});
