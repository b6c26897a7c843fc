/*
 * Behaviours pinned by Kratix's own controller and system tests
 * (scheduler_test.go, destination_controller_test.go,
 * workplacement_controller_test.go, work_controller_test.go, the
 * destination webhook tests, test/core), re-expressed against our API: a
 * real backend on a real database, real pipelines (bash scripts in
 * __fixtures__/parity) and a filesystem state store checked file by file.
 * Each test is named after the Kratix behaviour it pins.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  KratixTestBackend,
  eventually,
  listFiles,
  startFixtureBackend,
  stopAndRemove,
} from './__testUtils__/testBackend';
import { kratixTestDatabases } from './__testUtils__/databases';
import {
  condition,
  fixtureImages,
  pipelineObject,
  promiseApi,
} from './__testUtils__/kratixObjects';
import { describeWithBwrap } from './pipelines/__testUtils__/sandbox';

jest.setTimeout(60_000);

const FIXTURES = path.join(__dirname, '__fixtures__/parity');
const { image, images: IMAGES } = fixtureImages(FIXTURES, 'parity.test', [
  'stage-one',
  'stage-two',
  'configure',
]);
const V1 = '/apis/platform.kratix.io/v1alpha1';
const SYSTEM = 'kratix-platform-system';
const GROUP = 'parity.test.kratix.io';

const databases = kratixTestDatabases();

describeWithBwrap('Kratix parity through the HTTP API', () => {
  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let b: KratixTestBackend;

    beforeEach(async () => {
      b = await startFixtureBackend({
        knex: await databases.init(databaseId),
        fixtures: FIXTURES,
        images: IMAGES,
      });
    });

    afterEach(() => stopAndRemove(b));

    const applyOk = async (object: unknown) => {
      const res = await b.api.apply(JSON.stringify(object));
      expect(res.status).toBe(200);
    };

    const destination = (
      name: string,
      labels: Record<string, string>,
      spec: Record<string, unknown> = {},
    ) =>
      applyOk({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Destination',
        metadata: { name, labels },
        spec: {
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
          ...spec,
        },
      });

    const pipeline = (name: string, script: string) =>
      pipelineObject(name, image(script));

    /** A Promise whose kind is its name, with the given resource pipelines. */
    async function promise(
      name: string,
      options: {
        selectors?: Record<string, string>;
        dependencies?: boolean;
        resource?: [string, string][];
        resourceDelete?: [string, string][];
        labels?: Record<string, string>;
        requiredPromises?: { name: string; version?: string }[];
        schema?: Record<string, unknown>;
        extraVersions?: { name: string; served: boolean }[];
        /** Default: wait until Available. */
        wait?: boolean;
      },
    ) {
      await applyOk({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Promise',
        metadata: { name, labels: options.labels ?? {} },
        spec: {
          ...(options.requiredPromises
            ? { requiredPromises: options.requiredPromises }
            : {}),
          ...(options.selectors
            ? { destinationSelectors: [{ matchLabels: options.selectors }] }
            : {}),
          api: promiseApi(name, GROUP, options.schema, options.extraVersions),
          ...(options.dependencies
            ? {
                dependencies: [
                  {
                    apiVersion: 'v1',
                    kind: 'Namespace',
                    metadata: { name: `${name}-system` },
                  },
                ],
              }
            : {}),
          workflows: options.resource
            ? {
                resource: {
                  configure: options.resource.map(([p, s]) => pipeline(p, s)),
                  ...(options.resourceDelete
                    ? {
                        delete: options.resourceDelete.map(([p, s]) =>
                          pipeline(p, s),
                        ),
                      }
                    : {}),
                },
              }
            : {},
        },
      });
      if (options.wait === false) return;
      await eventually(async () => {
        const p = (await b.api.get(`${V1}/promises/${name}`)).body;
        return p.status?.status === 'Available' && p;
      }, `Promise ${name} to be Available`);
    }

    const requestPath = (kind: string, name: string) =>
      `/apis/${GROUP}/v1alpha1/namespaces/default/${kind}s/${name}`;
    const request = (kind: string, name: string) =>
      applyOk({
        apiVersion: `${GROUP}/v1alpha1`,
        kind,
        metadata: { name, namespace: 'default' },
        spec: {},
      });
    const getOk = async (p: string) => (await b.api.get(p).expect(200)).body;
    const placementPath = (namespace: string, name: string) =>
      `${V1}/namespaces/${namespace}/workplacements/${name}`;
    const workPath = (namespace: string, name: string) =>
      `${V1}/namespaces/${namespace}/works/${name}`;
    const conditionIs = (
      p: string,
      type: string,
      reason: string,
      what = `${p} ${type}=${reason}`,
    ) =>
      eventually(async () => {
        const o = (await b.api.get(p)).body;
        return condition(o, type)?.reason === reason && o;
      }, what);
    const files = () =>
      listFiles(b.stateStoreRoot).filter(
        f => !path.basename(f).startsWith('kratix-canary'),
      );
    const canaries = () =>
      listFiles(b.stateStoreRoot).filter(f =>
        path.basename(f).startsWith('kratix-canary'),
      );

    /** Request r1 of a Promise whose resource workflow has two stages. */
    async function requestStaged() {
      await destination('worker', {});
      await promise('staged', {
        resource: [
          ['first', 'stage-one'],
          ['second', 'stage-two'],
        ],
      });
      await request('staged', 'r1');
    }

    it('answers only once the bootstrap objects exist', async () => {
      // No waiting: the first answer after start already has them.
      const stores = await getOk(`${V1}/filesystemstatestores`);
      expect(stores.items.map((o: any) => o.metadata.name)).toEqual([
        'default',
      ]);
    });

    it('runs each pipeline of a workflow on the object as the pipelines before it left its status (test/core: stage: one)', async () => {
      await requestStaged();
      const done = await conditionIs(
        requestPath('staged', 'r1'),
        'ConfigureWorkflowCompleted',
        'PipelinesExecutedSuccessfully',
      );
      expect(done.status.stage).toBe('two');
      await eventually(
        async () =>
          files().includes(
            'worker/resources/default/staged/r1/second/5058f/r1.yaml',
          ),
        "the second pipeline's output to be written",
      );
    });

    it("keeps status.message from the pipeline's status.yaml, the scheduling summary in status.schedulingMessage", async () => {
      await requestStaged();
      const scheduled = await eventually(async () => {
        const r = (await b.api.get(requestPath('staged', 'r1'))).body;
        return r.status?.schedulingMessage === 'Scheduled on worker' && r;
      }, 'the request to be scheduled');
      expect(scheduled.status.message).toBe('provisioned by the pipeline');
      expect(scheduled.status.destinations).toEqual(['worker']);
    });

    it('ends a request of a Promise without resource workflows with WorksSucceeded True', async () => {
      await destination('worker', {});
      await promise('bare', {});
      await request('bare', 'r1');
      const done = await conditionIs(
        requestPath('bare', 'r1'),
        'WorksSucceeded',
        'AllWorksSucceeded',
      );
      expect(condition(done, 'WorksSucceeded').status).toBe('True');
    });

    it('keeps the WorkPlacements and files of a Destination deleted with cleanup: none, and does not schedule the resource again', async () => {
      await destination('first', { environment: 'dev' });
      await destination('second', { environment: 'staging' });
      await promise('kept', {
        selectors: { environment: 'dev' },
        dependencies: true,
        resource: [['instance-configure', 'configure']],
      });
      await request('kept', 'r1');
      const work = 'kept-r1-instance-configure';
      const placement = `${work}.first-5058f`;
      await conditionIs(
        placementPath('default', placement),
        'WriteSucceeded',
        'WorkloadsWrittenToStateStore',
      );
      const before = files();
      expect(before).toEqual([
        'first/dependencies/kept/5058f/static/kept-dependencies.yaml',
        'first/resources/default/kept/r1/instance-configure/5058f/r1.yaml',
      ]);
      const first = await getOk(`${V1}/destinations/first`);
      // Kratix sets kratix.io/destination-cleanup only for cleanup: all.
      expect(first.metadata.finalizers ?? []).toEqual([]);

      await b.api
        .patch(`${V1}/destinations/second`, {
          metadata: { labels: { environment: 'dev' } },
        })
        .expect(200);
      await conditionIs(
        placementPath(SYSTEM, 'kept-static-deps.second-5058f'),
        'WriteSucceeded',
        'WorkloadsWrittenToStateStore',
      );
      await b.api.del(`${V1}/destinations/first`).expect(200);
      expect((await b.api.get(`${V1}/destinations/first`)).status).toBe(404);

      const misplaced = await conditionIs(
        workPath('default', work),
        'ScheduleSucceeded',
        'DestinationSelectorMismatch',
      );
      expect(misplaced.status.workloadGroups[0].destinations).toEqual([
        'first',
      ]);
      const kept = await eventually(async () => {
        const p = (await b.api.get(placementPath('default', placement))).body;
        return p.metadata?.labels?.['kratix.io/misplaced'] === 'true' && p;
      }, 'the placement to be kept, misplaced');
      expect(kept.spec.targetDestinationName).toBe('first');
      expect(
        (await getOk(`${V1}/namespaces/default/workplacements`)).items.map(
          (p: any) => p.metadata.name,
        ),
      ).toEqual([placement]);
      await getOk(placementPath(SYSTEM, 'kept-static-deps.first-5058f'));
      expect(files()).toEqual([
        ...before,
        'second/dependencies/kept/5058f/static/kept-dependencies.yaml',
      ]);
    });

    it("refuses a second Destination with the same path on the same state store (Kratix's webhook)", async () => {
      await destination('a', {}, { path: 'shared' });
      const res = await b.api.apply(
        JSON.stringify({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Destination',
          metadata: { name: 'b' },
          spec: {
            path: 'shared',
            stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
          },
        }),
      );
      expect(res.status).toBe(422);
      expect(res.body.message).toContain(
        "destination path 'shared' already exists for state store 'default'",
      );
      expect((await b.api.get(`${V1}/destinations/b`)).status).toBe(404);
      // Another state store, or the Destination itself again, is fine.
      await applyOk({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'FilesystemStateStore',
        metadata: { name: 'other' },
        spec: { path: 'other' },
      });
      await destination(
        'b',
        {},
        {
          path: 'shared',
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'other' },
        },
      );
      await destination('a', { touched: 'yes' }, { path: 'shared' });
    });

    it('reports WorkplacementsFailing on a Work whose placements fail to write, and Ready once they are written', async () => {
      await destination(
        'waiting',
        {},
        { stateStoreRef: { kind: 'FilesystemStateStore', name: 'later' } },
      );
      await promise('deps', { dependencies: true });
      const work = workPath(SYSTEM, 'deps-static-deps');
      const name = 'deps-static-deps.waiting-5058f';
      const failing = await conditionIs(
        work,
        'ScheduleSucceeded',
        'WorkplacementsFailing',
      );
      expect(condition(failing, 'ScheduleSucceeded')).toMatchObject({
        status: 'False',
        message: `Workplacements failed to write: [${name}]`,
      });
      expect(condition(failing, 'Ready')).toMatchObject({
        status: 'False',
        reason: 'WorkplacementsFailing',
        message: 'Failing',
      });
      const placement = await getOk(placementPath(SYSTEM, name));
      expect(condition(placement, 'Ready')).toMatchObject({
        status: 'False',
        reason: 'WorkloadsFailedWrite',
        message: 'Failing',
      });

      await applyOk({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'FilesystemStateStore',
        metadata: { name: 'later' },
        spec: { path: 'later' },
      });
      const ready = await conditionIs(
        work,
        'ScheduleSucceeded',
        'AllWorkplacementsScheduled',
      );
      expect(condition(ready, 'Ready')).toMatchObject({
        status: 'True',
        reason: 'AllWorkplacementsScheduled',
        message: 'Ready',
      });
      const written = await getOk(placementPath(SYSTEM, name));
      expect(condition(written, 'WriteSucceeded')).toMatchObject({
        status: 'True',
        reason: 'WorkloadsWrittenToStateStore',
        message: 'Workloads written to State Store',
      });
      expect(condition(written, 'Ready')).toMatchObject({
        status: 'True',
        reason: 'WorkloadsWrittenToTargetDestination',
        message: 'Ready',
      });
      const destinationReady = await conditionIs(
        `${V1}/destinations/waiting`,
        'Ready',
        'TestDocumentsWritten',
      );
      expect(condition(destinationReady, 'Ready')).toMatchObject({
        status: 'True',
        message: 'Test documents written to State Store',
      });
    });

    it('names, labels and counts WorkPlacements and Works as Kratix does', async () => {
      await destination('w1', { environment: 'dev' });
      await destination('w2', { environment: 'dev' });
      await promise('named', {
        dependencies: true,
        selectors: { environment: 'dev' },
        resource: [['instance-configure', 'configure']],
      });
      const deps = await conditionIs(
        workPath(SYSTEM, 'named-static-deps'),
        'ScheduleSucceeded',
        'AllWorkplacementsScheduled',
      );
      // One workload group, scheduled: placed on two destinations.
      expect(deps.status).toMatchObject({
        workPlacements: 1,
        workPlacementsCreated: 1,
      });
      const placement = await getOk(
        placementPath(SYSTEM, 'named-static-deps.w1-5058f'),
      );
      expect(placement.metadata.labels['kratix.io/targetDestinationName']).toBe(
        'w1',
      );
      expect(placement.metadata.finalizers).toEqual([
        'finalizers.workplacement.kratix.io/repo-cleanup',
      ]);
      expect(placement.spec.generation).toBe(deps.metadata.generation);

      // Nowhere to go: one group, none created.
      await b.api
        .patch(`${V1}/promises/named`, {
          spec: { destinationSelectors: [{ matchLabels: { tier: 'gold' } }] },
        })
        .expect(200);
      await request('named', 'r1');
      const pending = await conditionIs(
        workPath('default', 'named-r1-instance-configure'),
        'ScheduleSucceeded',
        'UnscheduledWorkloads',
      );
      expect(pending.status).toMatchObject({
        workPlacements: 1,
        workPlacementsCreated: 0,
      });
      expect(condition(pending, 'Ready')).toMatchObject({
        status: 'False',
        reason: 'UnscheduledWorkloads',
        message: 'Pending',
      });
    });

    it("deletes in filepath mode none what the store's .kratix state file lists, even files our records lack", async () => {
      await destination('flat', {}, { filepath: { mode: 'none' } });
      await promise('flatp', {
        resource: [['instance-configure', 'configure']],
      });
      await request('flatp', 'r1');
      const name = 'flatp-r1-instance-configure.flat-5058f';
      const placement = await conditionIs(
        placementPath('default', name),
        'WriteSucceeded',
        'WorkloadsWrittenToStateStore',
      );
      expect(placement.metadata.finalizers).toEqual([
        'finalizers.workplacement.kratix.io/repo-cleanup',
        'finalizers.workplacement.kratix.io/kratix-dot-files-cleanup',
      ]);
      const stateFile = path.join(
        b.stateStoreRoot,
        'flat/.kratix',
        `default-${name}.yaml`,
      );
      expect(fs.readFileSync(stateFile, 'utf8')).toContain('flat/r1.yaml');
      // The store says the placement also owns a file we never recorded.
      fs.writeFileSync(path.join(b.stateStoreRoot, 'flat/extra.yaml'), 'x\n');
      fs.writeFileSync(
        stateFile,
        'files:\n- flat/r1.yaml\n- flat/extra.yaml\n',
      );
      await b.api.del(requestPath('flatp', 'r1')).expect(200);
      await eventually(
        async () =>
          (await b.api.get(placementPath('default', name))).status === 404,
        'the placement to be deleted',
      );
      expect(files()).toEqual([]);
    });

    it('keeps a Promise whose required Promises are missing Unavailable, and runs none of its requests until they are installed (requiredPromises)', async () => {
      await destination('worker', {});
      await promise('needs', {
        requiredPromises: [{ name: 'base', version: 'v1' }],
        resource: [['instance-configure', 'configure']],
        wait: false,
      });
      const waiting = await conditionIs(
        `${V1}/promises/needs`,
        'RequirementsFulfilled',
        'RequirementsNotInstalled',
      );
      expect(waiting.status).toMatchObject({
        status: 'Unavailable',
        requiredPromises: [
          { name: 'base', version: 'v1', state: 'Requirement not installed' },
        ],
      });
      expect(condition(waiting, 'RequirementsFulfilled')).toMatchObject({
        status: 'False',
        message: 'Requirements not fulfilled',
      });
      expect(condition(waiting, 'Available')).toMatchObject({
        status: 'False',
        reason: 'PromiseUnavailable',
      });
      await request('needs', 'r1');
      const held = await conditionIs(
        requestPath('needs', 'r1'),
        'PromiseAvailable',
        'PromiseRequirementsNotInstalled',
      );
      expect(condition(held, 'PromiseAvailable').status).toBe('False');
      expect((await getOk('/api/v1/namespaces/default/pods')).items).toEqual(
        [],
      );

      // The wrong version does not do; the right one does.
      await promise('base', { labels: { 'kratix.io/promise-version': 'v0' } });
      await eventually(async () => {
        const p = (await b.api.get(`${V1}/promises/needs`)).body;
        return (
          p.status?.requiredPromises?.[0]?.state ===
            'Requirement not installed at the specified version' && p
        );
      }, 'needs to see base at the wrong version');
      await promise('base', { labels: { 'kratix.io/promise-version': 'v1' } });
      const available = await conditionIs(
        `${V1}/promises/needs`,
        'Available',
        'PromiseAvailable',
      );
      expect(condition(available, 'RequirementsFulfilled').status).toBe('True');
      const ran = await conditionIs(
        requestPath('needs', 'r1'),
        'WorksSucceeded',
        'AllWorksSucceeded',
      );
      expect(condition(ran, 'PromiseAvailable').status).toBe('True');
    });

    it('accepts requests at every version the Promise API serves, not only the storage version', async () => {
      await destination('worker', {});
      await promise('multi', {
        resource: [['instance-configure', 'configure']],
        extraVersions: [
          { name: 'v1beta1', served: true },
          { name: 'v1', served: false },
        ],
      });
      const created = await b.api.apply(
        JSON.stringify({
          apiVersion: `${GROUP}/v1beta1`,
          kind: 'multi',
          metadata: { name: 'beta', namespace: 'default' },
          spec: {},
        }),
      );
      expect(created.status).toBe(200);
      await conditionIs(
        `/apis/${GROUP}/v1beta1/namespaces/default/multis/beta`,
        'WorksSucceeded',
        'AllWorksSucceeded',
      );
      expect(
        (await b.api.get(`/apis/${GROUP}/v1/namespaces/default/multis`)).status,
      ).toBe(404);
    });

    it('names the offending value in schema errors', async () => {
      await promise('typed', {
        schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              properties: {
                engine: { type: 'string', enum: ['Redis', 'Postgres'] },
                size: { type: 'integer', minimum: 1 },
              },
            },
          },
        },
      });
      const res = await b.api.apply(
        JSON.stringify({
          apiVersion: `${GROUP}/v1alpha1`,
          kind: 'typed',
          metadata: { name: 'bad', namespace: 'default' },
          spec: { engine: 'Redii', size: 0 },
        }),
      );
      expect(res.status).toBe(422);
      expect(res.body.message).toContain('Unsupported value: "Redii"');
      expect(res.body.message).toContain('Invalid value: 0');
      expect(res.body.message).not.toContain('undefined');
    });

    it("reports a deleting request's delete workflow in status.message, a Promise waiting on it logs so once, and finalizers: null releases it", async () => {
      await destination('worker', {});
      await promise('stuck', {
        resource: [['instance-configure', 'configure']],
        resourceDelete: [['cleanup', 'stage-two']],
      });
      await request('stuck', 'r1');
      await conditionIs(
        requestPath('stuck', 'r1'),
        'WorksSucceeded',
        'AllWorksSucceeded',
      );
      await b.api.del(`${V1}/promises/stuck`).expect(200);
      const failing = await eventually(async () => {
        const r = (await b.api.get(requestPath('stuck', 'r1'))).body;
        return (
          r.status?.message?.startsWith('Deleting: delete workflow failed:') &&
          r
        );
      }, 'the request to report its failing delete workflow');
      expect(condition(failing, 'DeleteWorkflowCompleted').status).toBe(
        'False',
      );
      // Retried with backoff: by its third failure the Promise has looked
      // at its requests several times (every 2 s).
      await eventually(
        async () => {
          const events = (
            await getOk(
              '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=r1,reason=Failed Pipeline',
            )
          ).items;
          return events[0]?.count >= 3;
        },
        'three failed delete runs',
        30_000,
      );
      expect(
        b.logs.filter(l =>
          l.message.startsWith('Promise stuck: waiting for 1 resource request'),
        ),
      ).toHaveLength(1);

      // As in Kubernetes, `finalizers: null` lets the stuck request go, and
      // the Promise with it.
      await b.api
        .patch(requestPath('stuck', 'r1'), { metadata: { finalizers: null } })
        .expect(200);
      await eventually(
        async () => (await b.api.get(`${V1}/promises/stuck`)).status === 404,
        'the Promise to go once its request is gone',
      );
      expect((await b.api.get(requestPath('stuck', 'r1'))).status).toBe(404);
    });

    it('writes no canary files with initWorkloads.enabled false, removes existing ones, and is Ready as Kratix says', async () => {
      await destination('quiet', {}, { initWorkloads: { enabled: false } });
      const quiet = await conditionIs(
        `${V1}/destinations/quiet`,
        'Ready',
        'DestinationReady',
      );
      expect(condition(quiet, 'Ready')).toMatchObject({
        status: 'True',
        message: 'Destination is ready',
      });
      expect(canaries()).toEqual([]);

      await destination('loud', {});
      await conditionIs(
        `${V1}/destinations/loud`,
        'Ready',
        'TestDocumentsWritten',
      );
      expect(canaries()).toEqual([
        'loud/dependencies/kratix-canary-namespace.yaml',
        'loud/resources/kratix-canary-configmap.yaml',
      ]);
      await destination('loud', {}, { initWorkloads: { enabled: false } });
      await conditionIs(`${V1}/destinations/loud`, 'Ready', 'DestinationReady');
      expect(canaries()).toEqual([]);
    });
  });
});
