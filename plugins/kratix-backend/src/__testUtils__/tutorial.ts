/* eslint-disable jest/no-standalone-expect */
// The steps run inside the tests of tutorial.test.ts; expect() is theirs.
import fs from 'node:fs';
import path from 'node:path';
import {
  EXAMPLES,
  KratixTestBackend,
  eventually,
  listFiles,
} from './testBackend';
import { condition } from './kratixObjects';

/**
 * The Kratix tutorial "Scheduling Promises", step by step, as the README
 * walks through it with curl. Each step acts and then waits for the outcome
 * the tutorial shows; the tests run them in one backend, or restart the
 * backend between steps.
 */
export interface TutorialStep {
  name: string;
  act(backend: KratixTestBackend): Promise<void>;
  /** Waits for and checks the outcome; must hold after a restart too. */
  outcome(backend: KratixTestBackend): Promise<void>;
}

const V1 = '/apis/platform.kratix.io/v1alpha1';
const SYSTEM =
  '/apis/platform.kratix.io/v1alpha1/namespaces/kratix-platform-system';
const REQUEST =
  '/apis/marketplace.kratix.io/v1alpha1/namespaces/default/elastic-clouds/example';
const STATIC_DEPS =
  'worker-1/dependencies/elastic-cloud/5058f/static/elastic-cloud-dependencies.yaml';
const RESOURCE_DIR =
  'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f';

/** The store worker-1 writes to; the tutorial's outcomes are the same on every kind. */
export interface TutorialStateStore {
  /** Its kind's plural in the API. */
  plural: string;
  /** Every file in the store, path to content. */
  files(b: KratixTestBackend): Promise<Record<string, string>>;
}

export const filesystemTutorialStore: TutorialStateStore = {
  plural: 'filesystemstatestores',
  async files(b) {
    return Object.fromEntries(
      listFiles(b.stateStoreRoot).map(f => [
        f,
        fs.readFileSync(path.join(b.stateStoreRoot, f), 'utf8'),
      ]),
    );
  },
};

const noSchedulingLog = (b: KratixTestBackend) =>
  b.logs.filter(
    l => l.message === 'no Destinations can be selected for scheduling',
  );

export function tutorialStepsOn(store: TutorialStateStore): TutorialStep[] {
  const stateFiles = async (b: KratixTestBackend) =>
    Object.keys(await store.files(b))
      .filter(f => !path.basename(f).startsWith('kratix-canary'))
      .sort();
  return [
    {
      name: 'starting state: worker-1 without labels, one state store, no Promises',
      async act() {},
      async outcome(b) {
        const destinations = await b.api.get(`${V1}/destinations`).expect(200);
        expect(
          destinations.body.items.map((d: any) => [
            d.metadata.name,
            d.metadata.labels ?? {},
          ]),
        ).toEqual([['worker-1', {}]]);
        const stores = await b.api.get(`${V1}/${store.plural}`).expect(200);
        expect(stores.body.items).toHaveLength(1);
        expect(
          (await b.api.get(`${V1}/promises`).expect(200)).body.items,
        ).toEqual([]);
        await eventually(async () => {
          const d = (await b.api.get(`${V1}/destinations/worker-1`)).body;
          return condition(d, 'Ready')?.status === 'True';
        }, 'worker-1 to be Ready (canary files written)');
        expect(
          Object.keys(await store.files(b)).some(
            f => f.startsWith('worker-1/') && f.includes('kratix-canary'),
          ),
        ).toBe(true);
      },
    },
    {
      name: 'apply the elastic-cloud Promise: nothing is scheduled, the reason is logged',
      async act(b) {
        const res = await b.api.apply(
          fs.readFileSync(
            path.join(EXAMPLES, 'elastic-cloud/promise.yaml'),
            'utf8',
          ),
        );
        expect(res.status).toBe(200);
      },
      async outcome(b) {
        const work = await eventually(async () => {
          const w = (
            await b.api.get(`${SYSTEM}/works/elastic-cloud-static-deps`)
          ).body;
          return condition(w, 'ScheduleSucceeded') && w;
        }, 'the static dependencies Work to be scheduled or not');
        expect(condition(work, 'ScheduleSucceeded')).toMatchObject({
          status: 'False',
          reason: 'UnscheduledWorkloads',
          message: expect.stringContaining(
            'No matching destination found for workloadGroups: [5058f',
          ),
        });
        expect(await stateFiles(b)).toEqual([]);
        const promise = await eventually(async () => {
          const p = (await b.api.get(`${V1}/promises/elastic-cloud`)).body;
          return p.status?.status === 'Available' && p;
        }, 'the Promise to be Available');
        expect(promise.status.kind).toBe('elastic-cloud');
        const line = await eventually(
          async () => noSchedulingLog(b)[0],
          'the scheduling warning',
        );
        expect(line.level).toBe('warn');
        expect(line.meta.destinationSelectors).toEqual({
          promise: [{ target: { matchLabels: { environment: 'dev' } } }],
        });
        expect(line.meta.resolvedSelectors).toEqual({ environment: 'dev' });
      },
    },
    {
      name: 'label worker-1 environment=dev: the dependencies land on it',
      async act(b) {
        await b.api
          .patch(`${V1}/destinations/worker-1`, {
            metadata: { labels: { environment: 'dev' } },
          })
          .expect(200);
      },
      async outcome(b) {
        await eventually(
          async () => (await stateFiles(b)).includes(STATIC_DEPS),
          `${STATIC_DEPS} to be written`,
        );
        const content = (await store.files(b))[STATIC_DEPS];
        expect(content).toContain('name: elastic-system');
        const work = await eventually(async () => {
          const w = (
            await b.api.get(`${SYSTEM}/works/elastic-cloud-static-deps`)
          ).body;
          return condition(w, 'ScheduleSucceeded')?.status === 'True' && w;
        }, 'the static dependencies Work to be scheduled');
        expect(condition(work, 'ScheduleSucceeded').reason).toBe(
          'AllWorkplacementsScheduled',
        );
        const placements = (
          await b.api.get(`${SYSTEM}/workplacements`).expect(200)
        ).body.items;
        expect(placements.map((p: any) => p.metadata.name)).toEqual([
          'elastic-cloud-static-deps.worker-1-5058f',
        ]);
      },
    },
    {
      name: 'request an elastic-cloud with enableDataCollection: the pipeline asks for pvCapacity=large, nothing matches',
      async act(b) {
        const res = await b.api.apply(
          fs.readFileSync(path.join(EXAMPLES, 'resource-request.yaml'), 'utf8'),
        );
        expect(res.status).toBe(200);
      },
      async outcome(b) {
        const request = await eventually(async () => {
          const r = (await b.api.get(REQUEST)).body;
          return (
            condition(r, 'ConfigureWorkflowCompleted')?.status === 'True' &&
            r.status?.scheduling?.length > 0 &&
            r
          );
        }, 'the request to be configured');
        expect(request.status.scheduling[0]).toMatchObject({
          unscheduled: true,
          resolvedSelectors: { environment: 'dev', pvCapacity: 'large' },
          summary: expect.stringContaining('pvCapacity=large'),
        });
        expect(request.status.schedulingMessage).toContain('Pending');
        expect(
          (await stateFiles(b)).filter(f => f.startsWith('worker-1/resources')),
        ).toEqual([]);
        const line = await eventually(
          async () =>
            noSchedulingLog(b).find(
              l => (l.meta.destinationSelectors as any)?.['resource-workflow'],
            ),
          'the scheduling warning for the request',
        );
        expect(line.meta.destinationSelectors).toEqual({
          promise: [{ target: { matchLabels: { environment: 'dev' } } }],
          'resource-workflow': [
            { target: { matchLabels: { pvCapacity: 'large' } } },
          ],
        });
        expect(
          b.logs.some(l =>
            l.message.includes(
              'Setting additional cluster selectors: pvCapacity=large',
            ),
          ),
        ).toBe(true);
      },
    },
    {
      name: 'label worker-1 pvCapacity=large: the request lands on it',
      async act(b) {
        await b.api
          .patch(`${V1}/destinations/worker-1`, {
            metadata: { labels: { pvCapacity: 'large' } },
          })
          .expect(200);
        const d = (await b.api.get(`${V1}/destinations/worker-1`).expect(200))
          .body;
        expect(d.metadata.labels).toEqual({
          environment: 'dev',
          pvCapacity: 'large',
        });
      },
      async outcome(b) {
        await eventually(
          async () =>
            (
              await stateFiles(b)
            ).includes(`${RESOURCE_DIR}/elasticsearch.yaml`),
          'the request workloads to be written',
        );
        expect(
          (await stateFiles(b)).filter(f => f.startsWith('worker-1/resources')),
        ).toEqual([
          `${RESOURCE_DIR}/beats.yaml`,
          `${RESOURCE_DIR}/elasticsearch.yaml`,
          `${RESOURCE_DIR}/kibana.yaml`,
        ]);
        const request = await eventually(async () => {
          const r = (await b.api.get(REQUEST)).body;
          return r.status?.destinations?.length > 0 && r;
        }, 'the request status to show its destination');
        expect(request.status.destinations).toEqual(['worker-1']);
        expect(request.status.schedulingMessage).toBe('Scheduled on worker-1');
      },
    },
    {
      name: 'delete all Promises: nothing is left',
      async act(b) {
        await b.api.del(`${V1}/promises`).expect(200);
      },
      async outcome(b) {
        await eventually(
          async () =>
            (await b.api.get(`${V1}/promises`)).body.items?.length === 0,
          'the Promise to be gone',
        );
        expect((await b.api.get(REQUEST)).status).toBe(404);
        expect(
          (await b.api.get('/apis/platform.kratix.io/v1alpha1/works')).body
            .items,
        ).toEqual([]);
        expect(
          (await b.api.get('/apis/platform.kratix.io/v1alpha1/workplacements'))
            .body.items,
        ).toEqual([]);
        expect(await stateFiles(b)).toEqual([]);
      },
    },
  ];
}

export const tutorialSteps = tutorialStepsOn(filesystemTutorialStore);
