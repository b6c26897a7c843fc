/*
 * yarn bench:catalog — 10,000 Destinations synced into the catalog: the
 * provider's full mutation on connect, then one relabel's delta. Prints the
 * times. The engine and its object service are real; the catalog's side of
 * the connection records.
 */
import { mockServices } from '@backstage/backend-test-utils';
import { DEFAULT_ENTITY_OPTIONS } from '../src/entities';
import { KratixEntityProvider } from '../src/KratixEntityProvider';
import {
  recordingConnection,
  startKratix,
} from '../src/__testUtils__/kratixBackend';

const COUNT = Number(process.env.KRATIX_BENCH_DESTINATIONS ?? 10_000);
const DESTINATION = {
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Destination',
};

jest.setTimeout(30 * 60_000);

it(`syncs ${COUNT} destinations into the catalog`, async () => {
  const kratix = await startKratix();
  try {
    const credentials = await kratix.credentials();
    const t0 = Date.now();
    const names = Array.from(
      { length: COUNT },
      (_, i) => `bench-${String(i).padStart(5, '0')}`,
    );
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map(name =>
          kratix.objects.create(
            {
              ...DESTINATION,
              metadata: { name, labels: { environment: 'dev' } },
              spec: {
                stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
                initWorkloads: { enabled: false },
              },
            },
            { credentials },
          ),
        ),
      );
    }
    const created = Date.now() - t0;

    const { connection, mutations } = recordingConnection();
    const provider = new KratixEntityProvider({
      objects: kratix.objects,
      credentials: kratix.credentials,
      logger: mockServices.logger.mock(),
      entityOptions: DEFAULT_ENTITY_OPTIONS,
    });
    const t1 = Date.now();
    await provider.connect(connection);
    while (!mutations.some(m => m.mutation.type === 'full')) {
      await new Promise(r => setTimeout(r, 5));
    }
    const full = mutations.find(m => m.mutation.type === 'full')!;
    const fullMs = full.at - t1;
    const fullCount =
      full.mutation.type === 'full' ? full.mutation.entities.length : 0;
    expect(fullCount).toBeGreaterThanOrEqual(COUNT);

    // The engine's status writes settle, then one relabel.
    await new Promise(r => setTimeout(r, 2000));
    const before = mutations.length;
    const t2 = Date.now();
    await kratix.objects.patch(
      { ...DESTINATION, name: names[COUNT - 1] },
      { metadata: { labels: { environment: 'prod' } } },
      { credentials },
    );
    let delta;
    while (!delta) {
      delta = mutations
        .slice(before)
        .find(
          m =>
            m.mutation.type === 'delta' &&
            m.mutation.added.some(
              a => a.entity.metadata.labels?.environment === 'prod',
            ),
        );
      await new Promise(r => setTimeout(r, 5));
    }
    const deltaMs = delta.at - t2;
    const deltaSize =
      delta.mutation.type === 'delta' ? delta.mutation.added.length : 0;
    provider.stop();
    // eslint-disable-next-line no-console
    console.log(
      `catalog bench: ${COUNT} destinations created in ${created} ms; full mutation of ${fullCount} entities ${fullMs} ms after connect; one relabel reached the catalog as a delta of ${deltaSize} entity in ${deltaMs} ms`,
    );
    expect(deltaSize).toBe(1);
  } finally {
    await kratix.stop();
  }
});
