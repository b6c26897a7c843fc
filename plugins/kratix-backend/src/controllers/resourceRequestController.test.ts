import { TestDatabases } from '@backstage/backend-test-utils';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { DatabaseWorkQueue } from '../store/DatabaseWorkQueue';
import { capturingLogger, engineIdle } from '../__testUtils__/testBackend';
import { InMemoryKindRegistry, PROMISE_KIND } from '../admission/kinds';
import { ControllerManager } from './ControllerManager';
import { encodeKey, resourceKey } from './keys';

jest.setTimeout(30_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const PROMISE: KubeObject = {
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Promise',
  metadata: { name: 'redis' },
  spec: {
    api: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'redis.example.org' },
      spec: {
        group: 'example.org',
        names: { kind: 'Redis', plural: 'redis' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    },
  },
};

const REQUEST: KubeObject = {
  apiVersion: 'example.org/v1',
  kind: 'Redis',
  metadata: { name: 'cache', namespace: 'default' },
  spec: {},
};

describe('resource request controller', () => {
  it("starts a request whose Promise another replica made Available before that change reached this one's feed", async () => {
    const knex = await databases.init('SQLITE_3');
    const database = { getClient: async () => knex };
    // The other replica: its writes reach this engine's store only when
    // that store reads its feed (it polls once a minute here).
    const other = await DatabaseObjectStore.create({ database });
    const store = await DatabaseObjectStore.create({
      database,
      feedPollMs: 60_000,
    });
    const queue = await DatabaseWorkQueue.create({ database });
    await other.create(PROMISE);
    await other.create(REQUEST);
    const kinds = new InMemoryKindRegistry();
    const engine = new ControllerManager({
      store,
      queue,
      kinds,
      logger: capturingLogger([]),
      runners: [],
      inProcess: new Map(),
      stateStoreFactories: [],
      // The Promise is the other replica's to reconcile: no worker here
      // takes its key, so the waits below leave it out.
      concurrency: { promise: 0 },
    });
    await engine.start();
    try {
      // Before the Promise is Available the request waits for it.
      await engineIdle(knex, 30_000, ['promise']);
      const promise = await other.get({ ...PROMISE_KIND, name: 'redis' });
      await other.updateStatus({
        ...promise!,
        status: { status: 'Available' },
      });
      // What the other replica's Promise controller does next.
      const kind = kinds.forPromise('redis')!;
      await queue.enqueue(encodeKey(resourceKey(kind, 'default', 'cache')));
      await engineIdle(knex, 30_000, ['promise']);

      const request = await other.get({
        group: 'example.org',
        kind: 'Redis',
        namespace: 'default',
        name: 'cache',
      });
      expect(request?.status?.conditions).toContainEqual(
        expect.objectContaining({ type: 'PromiseAvailable', status: 'True' }),
      );
    } finally {
      await engine.stop();
      other.feed.stop();
      store.feed.stop();
    }
  });
});
