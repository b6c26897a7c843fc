import fs from 'node:fs';
import path from 'node:path';
import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { DESTINATION_KIND, InMemoryKindRegistry } from './admission/kinds';
import { DatabaseObjectStore } from './store/DatabaseObjectStore';
import { DatabaseWorkQueue } from './store/DatabaseWorkQueue';
import {
  KratixTestBackend,
  eventually,
  listFiles,
  startKratixBackend,
  tempDir,
} from './__testUtils__/testBackend';
import { hasPostgres } from './__testUtils__/databases';
import { tutorialSteps } from './__testUtils__/tutorial';
import { describeWithBwrap } from './pipelines/__testUtils__/sandbox';
import { ControllerManager } from './controllers/ControllerManager';

jest.setTimeout(120_000);

const V1 = '/apis/platform.kratix.io/v1alpha1';

/** Dependencies that need environment=dev, and a kind of its own. */
const PROMISE = `
apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata: { name: shared }
spec:
  destinationSelectors: [{ matchLabels: { environment: dev } }]
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: { name: shareds.example.org }
    spec:
      group: example.org
      names: { kind: Shared, plural: shareds }
      scope: Namespaced
      versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema: { type: object }
  dependencies:
    - apiVersion: v1
      kind: ConfigMap
      metadata: { name: shared-dependency, namespace: default }
`;

/** Polls fast: these tests measure how soon something happens. */
async function msUntil(check: () => Promise<boolean> | boolean, what: string) {
  const started = Date.now();
  await eventually(async () => (await check()) || undefined, what, 30_000);
  return Date.now() - started;
}

/** One backend's API for every call, the two replicas taking turns. */
function alternating(a: KratixTestBackend, b: KratixTestBackend) {
  let calls = 0;
  const api = new Proxy({} as KratixTestBackend['api'], {
    get:
      (_target, method: keyof KratixTestBackend['api']) =>
      (...args: unknown[]) =>
        ((calls++ % 2 ? b : a).api[method] as Function)(...args),
  });
  return {
    api,
    baseUrl: a.baseUrl,
    get logs() {
      return [...a.logs, ...b.logs];
    },
    stateStoreRoot: a.stateStoreRoot,
    whenIdle: () => a.whenIdle(),
    stop: async () => {
      await Promise.all([a.stop(), b.stop()]);
    },
    calls: () => calls,
  };
}

// Several replicas need PostgreSQL (SQLite has one writer process).
const postgres = hasPostgres();
const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});
const describeOnPostgres = postgres ? describe : describe.skip;

describeOnPostgres('two replicas on one PostgreSQL', () => {
  async function twoReplicas() {
    const knex = await databases.init('POSTGRES_15');
    const stateStoreRoot = tempDir('kratix-replicas-');
    const a = await startKratixBackend({ knex, stateStoreRoot });
    const b = await startKratixBackend({ knex, stateStoreRoot });
    return { a, b, stateStoreRoot };
  }

  it('serves on B, within a second, the kind of a Promise applied on A', async () => {
    const { a, b } = await twoReplicas();
    try {
      await b.api
        .get('/apis/example.org/v1/namespaces/default/shareds')
        .expect(404);
      await a.api.apply(PROMISE).expect(200);
      const ms = await msUntil(
        async () =>
          (
            await b.api.get('/apis/example.org/v1/namespaces/default/shareds')
          ).status === 200,
        'B to serve the new kind',
      );
      expect(ms).toBeLessThan(1000);
      // And validates against its schema: a request created on B is stored.
      await b.api
        .post('/apis/example.org/v1/namespaces/default/shareds', {
          apiVersion: 'example.org/v1',
          kind: 'Shared',
          metadata: { name: 'one', namespace: 'default' },
        })
        .expect(201);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  const WORK = `${V1}/namespaces/kratix-platform-system/works/shared-static-deps`;
  const unscheduled = (r: KratixTestBackend) =>
    eventually(
      async () =>
        (await r.api.get(WORK)).body.status?.workloadGroups?.[0]
          ?.unscheduled === true,
      'the dependencies Work to be unscheduled',
    );

  it('places pending work within a second of a label change on B', async () => {
    const { a, b, stateStoreRoot } = await twoReplicas();
    try {
      await a.api.apply(PROMISE).expect(200);
      await unscheduled(a);
      const dependencies = () =>
        listFiles(stateStoreRoot).filter(f =>
          f.startsWith('worker-1/dependencies/shared/'),
        );
      expect(dependencies()).toEqual([]);
      await b.api
        .patch(`${V1}/destinations/worker-1`, {
          metadata: { labels: { environment: 'dev' } },
        })
        .expect(200);
      const ms = await msUntil(
        () => dependencies().length > 0,
        'the dependencies on worker-1',
      );
      expect(ms).toBeLessThan(1000);
      expect(
        fs.readFileSync(path.join(stateStoreRoot, dependencies()[0]), 'utf8'),
      ).toContain('shared-dependency');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('knows from the change feed the Works another replica scheduled', async () => {
    // B's controllers follow the feed but have no workers, so all it knows of
    // the Work is what A wrote; with A gone, only B's index can wake the
    // Work before its 60 s retry.
    const knex = await databases.init('POSTGRES_15');
    const a = await startKratixBackend({
      knex,
      stateStoreRoot: tempDir('kratix-replicas-'),
    });
    const database = { getClient: async () => knex };
    const store = await DatabaseObjectStore.create({ database });
    const b = new ControllerManager({
      store,
      queue: await DatabaseWorkQueue.create({ database }),
      kinds: new InMemoryKindRegistry(),
      logger: mockServices.logger.mock(),
      runners: [],
      inProcess: new Map(),
      stateStoreFactories: [],
      concurrency: {
        promise: 0,
        resource: 0,
        work: 0,
        placement: 0,
        destination: 0,
      },
    });
    await b.start();
    try {
      await a.api.apply(PROMISE).expect(200);
      await unscheduled(a);
      // The status is written before the reconcile re-queues the Work with
      // its delay: stopping A in between would release the claim, due now.
      await a.whenIdle();
      await a.stop();
      const key = 'work/kratix-platform-system/shared-static-deps';
      const dueInMs = async () => {
        const row = await knex('kratix_queue').where({ key }).first();
        return row ? Number(row.due_at) - Date.now() : undefined;
      };
      expect(await dueInMs()).toBeGreaterThan(30_000);
      const worker1 = (await store.get({
        ...DESTINATION_KIND,
        name: 'worker-1',
      }))!;
      await store.update({
        ...worker1,
        metadata: { ...worker1.metadata, labels: { environment: 'dev' } },
      });
      const ms = await msUntil(
        async () => ((await dueInMs()) ?? Infinity) <= 0,
        'B to enqueue the Work',
      );
      expect(ms).toBeLessThan(1000);
    } finally {
      await a.stop();
      await b.stop();
      store.feed.stop();
    }
  });

  describeWithBwrap('the tutorial', () => {
    it('shows every outcome with each call going to the other replica', async () => {
      expect.hasAssertions();
      const { a, b } = await twoReplicas();
      const both = alternating(a, b);
      try {
        for (const step of tutorialSteps) {
          await step.act(both);
          await step.outcome(both);
        }
        expect(both.calls()).toBeGreaterThan(20);
      } finally {
        await both.stop();
      }
    });
  });
});
