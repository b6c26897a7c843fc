import { TestDatabases } from '@backstage/backend-test-utils';
import {
  eventually,
  listFiles,
  startKratixBackend,
  tempDir,
} from '../__testUtils__/testBackend';
import {
  ECHO_PROMISE,
  echoPipelineModule,
} from '../__testUtils__/echoPipeline';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const BURST = 2_000;

function destinations(count: number) {
  return Array.from(
    { length: count },
    (_, i) => `apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata: { name: burst-${i} }
spec:
  stateStoreRef: { kind: FilesystemStateStore, name: default }
`,
  ).join('---\n');
}

describe('each controller has its own share of the queue', () => {
  it(`places a request while ${BURST} new Destinations still wait for their canary writes`, async () => {
    const knex = await databases.init('SQLITE_3');
    const stateStoreRoot = tempDir('kratix-shares-');
    const backend = await startKratixBackend({
      knex,
      stateStoreRoot,
      features: [echoPipelineModule],
      // One Destination worker, so the burst outlasts the request.
      config: { engine: { concurrency: { destination: 1 } } },
    });
    try {
      await backend.api.apply(ECHO_PROMISE).expect(200);
      await backend.whenIdle();
      const waiting = async () =>
        Number(
          (
            await knex('kratix_queue')
              .where({ queue: 'destination' })
              .count({ n: '*' })
              .first()
          )?.n ?? 0,
        );

      await backend.api.apply(destinations(BURST)).expect(200);
      const backlog = await waiting();
      // Without a backlog the test below would prove nothing.
      expect(backlog).toBeGreaterThan(BURST / 4);

      const started = Date.now();
      await backend.api
        .post('/apis/example.org/v1/namespaces/default/echoes', {
          apiVersion: 'example.org/v1',
          kind: 'Echo',
          metadata: { name: 'while-busy', namespace: 'default' },
        })
        .expect(201);
      const file = await eventually(
        async () =>
          listFiles(stateStoreRoot).find(f => f.endsWith('/echo.yaml')),
        'the request placed',
        60_000,
      );
      const left = await waiting();
      // eslint-disable-next-line no-console
      console.log(
        `request placed in ${
          Date.now() - started
        } ms (${file}); Destinations waiting: ${backlog} when it was made, ${left} when it was placed`,
      );
      // One queue for all would have run it after every Destination.
      expect(left).toBeGreaterThan(0);
    } finally {
      await backend.stop();
    }
  });
});
