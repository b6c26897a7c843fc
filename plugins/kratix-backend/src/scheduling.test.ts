/*
 * Kratix's scheduling semantics (docs/kratix-semantics.md, "Scheduling",
 * "Workload groups and names", "State store layout", "Conditions"), end to
 * end: a real backend on a real database, driven through the HTTP API, with
 * real pipelines (bash scripts in __fixtures__/scheduling) and a filesystem
 * state store whose files are checked path by path.
 *
 * Placement is random among candidates, and the random source is not
 * replaced here: wherever a test asserts where a resource went, exactly one
 * destination matches at the time it is scheduled.
 */
import { createHash } from 'node:crypto';
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

const FIXTURES = path.join(__dirname, '__fixtures__/scheduling');
const { image, images: IMAGES } = fixtureImages(FIXTURES, 'scheduling.test', [
  'promise-configure',
  'resource-configure',
  'layout-configure',
  'prefer-prod',
  'with-backup',
]);

const V1 = '/apis/platform.kratix.io/v1alpha1';
const SYSTEM = 'kratix-platform-system';
const GROUP = 'scheduling.test.kratix.io';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const ROOT_ID = md5('.');
const BACKUP_ID = md5('backup');
const short = (id: string) => id.slice(0, 5);
const NO_DESTINATION = 'no Destinations can be selected for scheduling';
const misplacedMessage = (...ids: string[]) =>
  `Target destination no longer matches destinationSelectors for workloadGroups: [${ids.join(
    ',',
  )}]`;

type Labels = Record<string, string>;

/** Kratix's conditions on a Work whose root workload group no longer matches. */
function expectRootGroupMisplaced(work: any) {
  expect(condition(work, 'ScheduleSucceeded')).toMatchObject({
    status: 'False',
    reason: 'DestinationSelectorMismatch',
    message: misplacedMessage(ROOT_ID),
  });
  expect(condition(work, 'Ready')).toMatchObject({
    status: 'False',
    reason: 'Misplaced',
    message: 'Misplaced',
  });
}

const databases = kratixTestDatabases();

describeWithBwrap('Kratix scheduling through the HTTP API', () => {
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

    // ---- helpers bound to the running backend -----------------------------

    async function destination(
      name: string,
      options: {
        labels?: Labels;
        strictMatchLabels?: boolean;
        mode?: 'nestedByMetadata' | 'aggregatedYAML' | 'none';
        cleanup?: 'none' | 'all';
        stateStore?: string;
      } = {},
    ) {
      const res = await b.api.apply(
        JSON.stringify({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Destination',
          metadata: { name, labels: options.labels ?? {} },
          spec: {
            stateStoreRef: {
              kind: 'FilesystemStateStore',
              name: options.stateStore ?? 'default',
            },
            ...(options.strictMatchLabels !== undefined
              ? { strictMatchLabels: options.strictMatchLabels }
              : {}),
            ...(options.mode ? { filepath: { mode: options.mode } } : {}),
            ...(options.cleanup ? { cleanup: options.cleanup } : {}),
          },
        }),
      );
      expect(res.status).toBe(200);
    }

    const relabel = (name: string, labels: Record<string, string | null>) =>
      b.api
        .patch(`${V1}/destinations/${name}`, { metadata: { labels } })
        .expect(200);

    /** A Promise whose API kind is its name, in GROUP, plural `<name>s`. */
    async function promise(
      name: string,
      options: {
        selectors?: Labels;
        dependencies?: boolean;
        promiseImage?: string;
        resourceImage?: string;
      },
    ) {
      const pipeline = (pipelineName: string, script: string) => [
        pipelineObject(pipelineName, image(script)),
      ];
      const res = await b.api.apply(
        JSON.stringify({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Promise',
          metadata: { name },
          spec: {
            ...(options.selectors
              ? { destinationSelectors: [{ matchLabels: options.selectors }] }
              : {}),
            api: promiseApi(name, GROUP, {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { layout: { type: 'string' } },
                },
              },
            }),
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
            workflows: {
              ...(options.promiseImage
                ? {
                    promise: {
                      configure: pipeline(
                        'promise-configure',
                        options.promiseImage,
                      ),
                    },
                  }
                : {}),
              ...(options.resourceImage
                ? {
                    resource: {
                      configure: pipeline(
                        'instance-configure',
                        options.resourceImage,
                      ),
                    },
                  }
                : {}),
            },
          },
        }),
      );
      expect(res.status).toBe(200);
      await eventually(async () => {
        const p = (await b.api.get(`${V1}/promises/${name}`)).body;
        return p.status?.status === 'Available' && p;
      }, `Promise ${name} to be Available`);
    }

    const requestPath = (kind: string, name: string) =>
      `/apis/${GROUP}/v1alpha1/namespaces/default/${kind}s/${name}`;

    async function request(
      kind: string,
      name: string,
      spec: Record<string, string> = {},
    ) {
      const res = await b.api.apply(
        JSON.stringify({
          apiVersion: `${GROUP}/v1alpha1`,
          kind,
          metadata: { name, namespace: 'default' },
          spec,
        }),
      );
      expect(res.status).toBe(200);
    }

    async function deleteRequest(kind: string, name: string) {
      await b.api.del(requestPath(kind, name)).expect(200);
      await eventually(
        async () => (await b.api.get(requestPath(kind, name))).status === 404,
        `${kind} ${name} to be deleted`,
      );
    }

    /** Waits for the Work's ScheduleSucceeded condition to have `reason`. */
    const workScheduled = (namespace: string, name: string, reason: string) =>
      eventually(async () => {
        const w = (
          await b.api.get(`${V1}/namespaces/${namespace}/works/${name}`)
        ).body;
        return condition(w, 'ScheduleSucceeded')?.reason === reason && w;
      }, `Work ${namespace}/${name} ScheduleSucceeded=${reason}`);

    async function placements(namespace: string): Promise<any[]> {
      const res = await b.api
        .get(`${V1}/namespaces/${namespace}/workplacements`)
        .expect(200);
      return res.body.items.sort((x: any, y: any) =>
        x.metadata.name < y.metadata.name ? -1 : 1,
      );
    }
    const placementNames = async (namespace: string) =>
      (await placements(namespace)).map(p => p.metadata.name);

    const getPlacement = async (namespace: string, name: string) =>
      (
        await b.api
          .get(`${V1}/namespaces/${namespace}/workplacements/${name}`)
          .expect(200)
      ).body;

    /** Waits until the placement exists and is written (WriteSucceeded=True). */
    const placementWritten = (
      namespace: string,
      name: string,
      timeoutMs?: number,
    ) =>
      eventually(
        async () => {
          const p = (
            await b.api.get(
              `${V1}/namespaces/${namespace}/workplacements/${name}`,
            )
          ).body;
          return condition(p, 'WriteSucceeded')?.status === 'True' && p;
        },
        `WorkPlacement ${namespace}/${name} to be written`,
        timeoutMs,
      );

    /** State store files, canaries left out unless asked for. */
    const files = (options: { canaries?: boolean } = {}) =>
      listFiles(b.stateStoreRoot).filter(
        f => options.canaries || !path.basename(f).startsWith('kratix-canary'),
      );
    const read = (file: string) =>
      fs.readFileSync(path.join(b.stateStoreRoot, file), 'utf8');

    const warningsFor = (work: string) =>
      b.logs.filter(l => l.message === NO_DESTINATION && l.meta.work === work);

    // ---- 1 --------------------------------------------------------------

    it('sends dependency works to every matching destination and follows label changes', async () => {
      expect(short(ROOT_ID)).toBe('5058f');
      await destination('dev-a', { labels: { environment: 'dev' } });
      await destination('dev-b', { labels: { environment: 'dev' } });
      await destination('prod-c', { labels: { environment: 'prod' } });
      await promise('deps', {
        selectors: { environment: 'dev' },
        dependencies: true,
        promiseImage: 'promise-configure',
      });

      const names = (destinations: string[]) =>
        ['deps-promise-configure', 'deps-static-deps'].flatMap(w =>
          destinations.map(d => `${w}.${d}-${short(ROOT_ID)}`),
        );
      const filesOn = (destinations: string[]) =>
        destinations
          .flatMap(d => [
            `${d}/dependencies/deps/5058f/static/deps-dependencies.yaml`,
            `${d}/dependencies/deps/promise-configure/5058f/promise-workload.yaml`,
          ])
          .sort();

      await eventually(
        async () =>
          JSON.stringify(files()) ===
          JSON.stringify(filesOn(['dev-a', 'dev-b'])),
        'the dependencies on dev-a and dev-b',
      );
      expect(await placementNames(SYSTEM)).toEqual(names(['dev-a', 'dev-b']));
      expect(
        read('dev-a/dependencies/deps/5058f/static/deps-dependencies.yaml'),
      ).toContain('name: deps-system');

      const workflowPlacement = await getPlacement(
        SYSTEM,
        'deps-promise-configure.dev-a-5058f',
      );
      expect(workflowPlacement.metadata.labels).toEqual({
        'kratix.io/work': 'deps-promise-configure',
        'kratix.io/workload-group-id': ROOT_ID,
        'kratix.io/pipeline-name': 'promise-configure',
        'kratix.io/promise-name': 'deps',
        'kratix.io/targetDestinationName': 'dev-a',
      });
      expect(workflowPlacement.spec.targetDestinationName).toBe('dev-a');
      const staticPlacement = await getPlacement(
        SYSTEM,
        'deps-static-deps.dev-b-5058f',
      );
      // Static dependencies come from no pipeline, so carry no pipeline label.
      expect(staticPlacement.metadata.labels).toEqual({
        'kratix.io/work': 'deps-static-deps',
        'kratix.io/workload-group-id': ROOT_ID,
        'kratix.io/promise-name': 'deps',
        'kratix.io/targetDestinationName': 'dev-b',
      });
      for (const w of ['deps-static-deps', 'deps-promise-configure']) {
        expect(
          condition(
            await workScheduled(SYSTEM, w, 'AllWorkplacementsScheduled'),
            'ScheduleSucceeded',
          ),
        ).toMatchObject({
          status: 'True',
          message: 'All workplacements scheduled successfully',
        });
      }

      // prod-c starts matching: it gets the dependencies too.
      await relabel('prod-c', { environment: 'dev' });
      await eventually(
        async () =>
          JSON.stringify(files()) ===
          JSON.stringify(filesOn(['dev-a', 'dev-b', 'prod-c'])),
        'the dependencies on prod-c',
      );
      expect(await placementNames(SYSTEM)).toEqual(
        names(['dev-a', 'dev-b', 'prod-c']),
      );

      // dev-b stops matching: its placements stay (files too), flagged misplaced.
      await relabel('dev-b', { environment: 'prod' });
      for (const w of ['deps-static-deps', 'deps-promise-configure']) {
        const work = await workScheduled(
          SYSTEM,
          w,
          'DestinationSelectorMismatch',
        );
        expectRootGroupMisplaced(work);
        expect(work.status.workloadGroups[0]).toMatchObject({
          destinations: ['dev-a', 'dev-b', 'prod-c'],
          misplaced: ['dev-b'],
        });
      }
      const misplaced = await eventually(async () => {
        const p = await getPlacement(SYSTEM, 'deps-static-deps.dev-b-5058f');
        return (
          condition(p, 'ScheduleSucceeded')?.reason ===
            'DestinationSelectorMismatch' && p
        );
      }, 'the dev-b placement to report Misplaced');
      expect(misplaced.metadata.labels).toEqual({
        'kratix.io/work': 'deps-static-deps',
        'kratix.io/workload-group-id': ROOT_ID,
        'kratix.io/promise-name': 'deps',
        'kratix.io/targetDestinationName': 'dev-b',
        'kratix.io/misplaced': 'true',
      });
      expect(condition(misplaced, 'ScheduleSucceeded').status).toBe('False');
      expect(condition(misplaced, 'WriteSucceeded')).toMatchObject({
        status: 'True',
        reason: 'WorkloadsWrittenToStateStore',
      });
      expect(await placementNames(SYSTEM)).toEqual(
        names(['dev-a', 'dev-b', 'prod-c']),
      );
      expect(
        (await placements(SYSTEM))
          .filter(p => p.metadata.labels['kratix.io/misplaced'] === 'true')
          .map(p => p.metadata.name),
      ).toEqual([
        'deps-promise-configure.dev-b-5058f',
        'deps-static-deps.dev-b-5058f',
      ]);
      expect(files()).toEqual(filesOn(['dev-a', 'dev-b', 'prod-c']));

      // Matching again clears the flag.
      await relabel('dev-b', { environment: 'dev' });
      await workScheduled(
        SYSTEM,
        'deps-static-deps',
        'AllWorkplacementsScheduled',
      );
      await workScheduled(
        SYSTEM,
        'deps-promise-configure',
        'AllWorkplacementsScheduled',
      );
      expect(
        (await placements(SYSTEM)).filter(
          p => p.metadata.labels['kratix.io/misplaced'],
        ),
      ).toEqual([]);
    });

    // ---- 2 --------------------------------------------------------------

    it('sends a resource work to exactly one destination and never moves it', async () => {
      await destination('res-1', { labels: { environment: 'dev' } });
      await destination('res-2', { labels: { environment: 'staging' } });
      await promise('sticky', {
        selectors: { environment: 'dev' },
        dependencies: true,
        resourceImage: 'resource-configure',
      });
      await request('sticky', 'one');

      const work = 'sticky-one-instance-configure';
      const placement = `${work}.res-1-5058f`;
      const file =
        'res-1/resources/default/sticky/one/instance-configure/5058f/one.yaml';
      await placementWritten('default', placement);
      expect(await placementNames('default')).toEqual([placement]);
      expect(files().filter(f => f.includes('/resources/'))).toEqual([file]);
      expect(read(file)).toContain('name: one');
      const labels = {
        'kratix.io/work': work,
        'kratix.io/workload-group-id': ROOT_ID,
        'kratix.io/pipeline-name': 'instance-configure',
        'kratix.io/promise-name': 'sticky',
        'kratix.io/resource-name': 'one',
        'kratix.io/targetDestinationName': 'res-1',
      };
      expect(
        (await getPlacement('default', placement)).metadata.labels,
      ).toEqual(labels);
      expect(
        condition(
          await workScheduled('default', work, 'AllWorkplacementsScheduled'),
          'Ready',
        ).status,
      ).toBe('True');

      // res-2 starts matching (its static dependencies arrive, proof the
      // engine saw it); the resource stays where it is.
      await relabel('res-2', { environment: 'dev', size: 'large' });
      await relabel('res-1', { owner: 'team-a' });
      await placementWritten(SYSTEM, 'sticky-static-deps.res-2-5058f');
      expect(await placementNames('default')).toEqual([placement]);
      expect(files().filter(f => f.includes('/resources/'))).toEqual([file]);

      // res-1 stops matching: the placement stays, written, flagged misplaced.
      await relabel('res-1', { environment: 'prod' });
      const misplacedWork = await workScheduled(
        'default',
        work,
        'DestinationSelectorMismatch',
      );
      expectRootGroupMisplaced(misplacedWork);
      const misplaced = await eventually(async () => {
        const p = await getPlacement('default', placement);
        return (
          condition(p, 'ScheduleSucceeded')?.reason ===
            'DestinationSelectorMismatch' && p
        );
      }, 'the placement to report Misplaced');
      expect(misplaced.metadata.labels).toEqual({
        ...labels,
        'kratix.io/misplaced': 'true',
      });
      expect(misplaced.spec.targetDestinationName).toBe('res-1');
      const requestStatus = await eventually(async () => {
        const r = (await b.api.get(requestPath('sticky', 'one'))).body;
        return r.status?.misplaced && r.status;
      }, 'the request to report the misplaced group');
      expect(requestStatus.misplaced).toEqual([
        { work, id: ROOT_ID, destinations: ['res-1'] },
      ]);
      expect(await placementNames('default')).toEqual([placement]);
      expect(files().filter(f => f.includes('/resources/'))).toEqual([file]);
      expect(read(file)).toContain('name: one');

      // With two candidates (res-2 and res-3), a new request still gets one.
      await destination('res-3', { labels: { environment: 'dev' } });
      await placementWritten(SYSTEM, 'sticky-static-deps.res-3-5058f');
      await request('sticky', 'two');
      const second = await workScheduled(
        'default',
        'sticky-two-instance-configure',
        'AllWorkplacementsScheduled',
      );
      const [target] = second.status.workloadGroups[0].destinations;
      expect(['res-2', 'res-3']).toContain(target);
      expect(second.status.workloadGroups[0].destinations).toEqual([target]);
      await placementWritten(
        'default',
        `sticky-two-instance-configure.${target}-5058f`,
      );
      expect(await placementNames('default')).toEqual([
        placement,
        `sticky-two-instance-configure.${target}-5058f`,
      ]);
      expect(files().filter(f => f.includes('/resources/'))).toEqual(
        [
          file,
          `${target}/resources/default/sticky/two/instance-configure/5058f/two.yaml`,
        ].sort(),
      );
    });

    // ---- 3 --------------------------------------------------------------

    it('gives a labelled strictMatchLabels destination nothing when selectors are empty', async () => {
      await destination('strict-labelled', {
        labels: { zone: 'a' },
        strictMatchLabels: true,
      });
      await destination('strict-bare', { strictMatchLabels: true });
      await promise('open', { dependencies: true });
      await promise('zoned', { selectors: { zone: 'a' }, dependencies: true });

      await placementWritten(SYSTEM, 'open-static-deps.strict-bare-5058f');
      await placementWritten(SYSTEM, 'zoned-static-deps.strict-labelled-5058f');
      // Both are dependency works, which go to every candidate: these are all.
      expect(await placementNames(SYSTEM)).toEqual([
        'open-static-deps.strict-bare-5058f',
        'zoned-static-deps.strict-labelled-5058f',
      ]);
      expect(files()).toEqual([
        'strict-bare/dependencies/open/5058f/static/open-dependencies.yaml',
        'strict-labelled/dependencies/zoned/5058f/static/zoned-dependencies.yaml',
      ]);
    });

    // ---- 4 --------------------------------------------------------------

    it('sends nothing to a dry-run destination', async () => {
      await destination('live', { labels: { environment: 'dev' } });
      await destination('rehearsal', {
        labels: { environment: 'dev', 'kratix.io/dry-run': 'true' },
      });
      await promise('dry', {
        selectors: { environment: 'dev' },
        dependencies: true,
        resourceImage: 'resource-configure',
      });
      await request('dry', 'r1');

      await placementWritten(SYSTEM, 'dry-static-deps.live-5058f');
      await placementWritten('default', 'dry-r1-instance-configure.live-5058f');
      expect(await placementNames(SYSTEM)).toEqual([
        'dry-static-deps.live-5058f',
      ]);
      expect(await placementNames('default')).toEqual([
        'dry-r1-instance-configure.live-5058f',
      ]);
      expect(files()).toEqual([
        'live/dependencies/dry/5058f/static/dry-dependencies.yaml',
        'live/resources/default/dry/r1/instance-configure/5058f/r1.yaml',
      ]);
    });

    // ---- 5 --------------------------------------------------------------

    it("lets a workflow's selectors add keys but never override the Promise's", async () => {
      await destination('dev-eu', {
        labels: { environment: 'dev', region: 'eu' },
      });
      await destination('dev-us', {
        labels: { environment: 'dev', region: 'us' },
      });
      await destination('prod-eu', {
        labels: { environment: 'prod', region: 'eu' },
      });
      await promise('precedence', {
        selectors: { environment: 'dev' },
        promiseImage: 'prefer-prod',
        resourceImage: 'prefer-prod',
      });
      await request('precedence', 'r1');

      // The promise workflow's Work is a dependency (every candidate gets
      // it), so a single placement means a single candidate.
      await placementWritten(
        SYSTEM,
        'precedence-promise-configure.dev-eu-5058f',
      );
      await placementWritten(
        'default',
        'precedence-r1-instance-configure.dev-eu-5058f',
      );
      expect(await placementNames(SYSTEM)).toEqual([
        'precedence-promise-configure.dev-eu-5058f',
      ]);
      expect(await placementNames('default')).toEqual([
        'precedence-r1-instance-configure.dev-eu-5058f',
      ]);
      expect(files()).toEqual([
        'dev-eu/dependencies/precedence/promise-configure/5058f/selected.yaml',
        'dev-eu/resources/default/precedence/r1/instance-configure/5058f/selected.yaml',
      ]);

      for (const [namespace, name, source] of [
        [SYSTEM, 'precedence-promise-configure', 'promise-workflow'],
        ['default', 'precedence-r1-instance-configure', 'resource-workflow'],
      ]) {
        const work = await workScheduled(
          namespace,
          name,
          'AllWorkplacementsScheduled',
        );
        expect(
          work.spec.workloadGroups.map((g: any) => [
            g.id,
            g.directory,
            g.destinationSelectors,
          ]),
        ).toEqual([
          [
            ROOT_ID,
            '.',
            [
              { matchLabels: { environment: 'dev' }, source: 'promise' },
              { matchLabels: { environment: 'prod', region: 'eu' }, source },
            ],
          ],
        ]);
        expect(work.status.workloadGroups[0]).toMatchObject({
          resolvedSelectors: { environment: 'dev', region: 'eu' },
          destinations: ['dev-eu'],
        });
      }
    });

    // ---- 6 --------------------------------------------------------------

    it('schedules a directory workload group by its own selectors alone, keeping its prefix', async () => {
      await destination('app-dest', {
        labels: { environment: 'dev', tier: 'app' },
      });
      await destination('backup-dest', { labels: { role: 'backup' } });
      await destination('dev-only', { labels: { environment: 'dev' } });
      await promise('dirs', {
        selectors: { environment: 'dev' },
        resourceImage: 'with-backup',
      });
      await request('dirs', 'r1');

      const work = 'dirs-r1-instance-configure';
      const app = `${work}.app-dest-5058f`;
      const backup = `${work}.backup-dest-${short(BACKUP_ID)}`;
      await placementWritten('default', app);
      await placementWritten('default', backup);
      expect(await placementNames('default')).toEqual([app, backup]);
      const base = 'resources/default/dirs/r1/instance-configure';
      expect(files()).toEqual([
        `app-dest/${base}/5058f/app.yaml`,
        `backup-dest/${base}/${short(BACKUP_ID)}/backup/job.yaml`,
      ]);
      expect(
        read(`backup-dest/${base}/${short(BACKUP_ID)}/backup/job.yaml`),
      ).toContain('kind: CronJob');

      const scheduled = await workScheduled(
        'default',
        work,
        'AllWorkplacementsScheduled',
      );
      expect(
        scheduled.spec.workloadGroups.map((g: any) => ({
          id: g.id,
          directory: g.directory,
          files: g.workloads.map((w: any) => w.filepath),
          selectors: g.destinationSelectors,
        })),
      ).toEqual([
        {
          id: ROOT_ID,
          directory: '.',
          files: ['app.yaml'],
          selectors: [
            { matchLabels: { environment: 'dev' }, source: 'promise' },
            { matchLabels: { tier: 'app' }, source: 'resource-workflow' },
          ],
        },
        {
          id: BACKUP_ID,
          directory: 'backup',
          files: ['backup/job.yaml'],
          selectors: [
            { matchLabels: { role: 'backup' }, source: 'resource-workflow' },
          ],
        },
      ]);
      expect(
        scheduled.status.workloadGroups.map((g: any) => [
          g.directory,
          g.resolvedSelectors,
          g.destinations,
        ]),
      ).toEqual([
        ['.', { environment: 'dev', tier: 'app' }, ['app-dest']],
        ['backup', { role: 'backup' }, ['backup-dest']],
      ]);
      expect(
        (await getPlacement('default', backup)).metadata.labels,
      ).toMatchObject({
        'kratix.io/work': work,
        'kratix.io/workload-group-id': BACKUP_ID,
        'kratix.io/pipeline-name': 'instance-configure',
      });
    });

    // ---- 7 --------------------------------------------------------------

    it("writes each filepath mode and removes exactly a deleted request's files", async () => {
      await destination('nested-dest', { labels: { layout: 'nested' } });
      await destination('agg-dest', {
        labels: { layout: 'agg' },
        mode: 'aggregatedYAML',
      });
      await destination('flat-dest', {
        labels: { layout: 'flat' },
        mode: 'none',
      });
      await promise('layouts', { resourceImage: 'layout-configure' });
      const requests = {
        n1: 'nested',
        n2: 'nested',
        a1: 'agg',
        a2: 'agg',
        f1: 'flat',
        f2: 'flat',
      };
      for (const [name, layout] of Object.entries(requests)) {
        await request('layouts', name, { layout });
      }
      const destinationOf = {
        nested: 'nested-dest',
        agg: 'agg-dest',
        flat: 'flat-dest',
      };
      const placementOf = (r: keyof typeof requests) =>
        `layouts-${r}-instance-configure.${
          destinationOf[requests[r] as keyof typeof destinationOf]
        }-5058f`;
      for (const r of Object.keys(requests) as (keyof typeof requests)[]) {
        await placementWritten('default', placementOf(r));
      }
      expect(await placementNames('default')).toEqual(
        Object.keys(requests)
          .map(r => placementOf(r as any))
          .sort(),
      );

      const workload = (r: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${r}\n  namespace: default\ndata:\n  promise: layouts\n`;
      const nested = (r: string) =>
        `nested-dest/resources/default/layouts/${r}/instance-configure/5058f/${r}.yaml`;
      const stateFile = (r: keyof typeof requests) =>
        `flat-dest/.kratix/default-${placementOf(r)}.yaml`;
      const canaries = [
        'agg-dest/kratix-canary-configmap.yaml',
        'agg-dest/kratix-canary-namespace.yaml',
        'flat-dest/kratix-canary-configmap.yaml',
        'flat-dest/kratix-canary-namespace.yaml',
        'nested-dest/dependencies/kratix-canary-namespace.yaml',
        'nested-dest/resources/kratix-canary-configmap.yaml',
      ];
      const expected = (...extra: string[]) => [...canaries, ...extra].sort();

      await eventually(
        async () => files({ canaries: true }).length === canaries.length + 7,
        'all files',
      );
      expect(files({ canaries: true })).toEqual(
        expected(
          'agg-dest/aggregated.yaml',
          stateFile('f1'),
          stateFile('f2'),
          'flat-dest/f1.yaml',
          'flat-dest/f2.yaml',
          nested('n1'),
          nested('n2'),
        ),
      );
      expect(read('agg-dest/aggregated.yaml')).toBe(
        `${workload('a1')}---\n${workload('a2')}`,
      );
      expect(read('flat-dest/f1.yaml')).toBe(workload('f1'));
      expect(read(stateFile('f1'))).toBe('files:\n- flat-dest/f1.yaml\n');
      expect(read(nested('n1'))).toBe(workload('n1'));

      // One request of each mode goes: exactly its files go with it.
      await deleteRequest('layouts', 'n1');
      await deleteRequest('layouts', 'a1');
      await deleteRequest('layouts', 'f1');
      await eventually(
        async () => (await placementNames('default')).length === 3,
        'three placements to remain',
      );
      await eventually(
        async () =>
          read('agg-dest/aggregated.yaml') === workload('a2') &&
          files({ canaries: true }).length === canaries.length + 4,
        "the deleted requests' files to go",
      );
      expect(files({ canaries: true })).toEqual(
        expected(
          'agg-dest/aggregated.yaml',
          stateFile('f2'),
          'flat-dest/f2.yaml',
          nested('n2'),
        ),
      );

      // The last workload of the aggregated destination takes the file with it.
      await deleteRequest('layouts', 'a2');
      await deleteRequest('layouts', 'f2');
      await deleteRequest('layouts', 'n2');
      await eventually(
        async () => files({ canaries: true }).length === canaries.length,
        'only canaries to remain',
      );
      expect(files({ canaries: true })).toEqual(expected());
      expect(await placementNames('default')).toEqual([]);
    });

    // ---- 8 --------------------------------------------------------------

    it('deleting a cleanup: all Destination removes its placements and files and reschedules its resources', async () => {
      await destination('first', {
        labels: { environment: 'dev' },
        cleanup: 'all',
      });
      await destination('second', { labels: { environment: 'staging' } });
      await promise('mover', {
        selectors: { environment: 'dev' },
        dependencies: true,
        resourceImage: 'resource-configure',
      });
      await request('mover', 'r1');
      const work = 'mover-r1-instance-configure';
      await placementWritten('default', `${work}.first-5058f`);
      await placementWritten(SYSTEM, 'mover-static-deps.first-5058f');
      expect(listFiles(path.join(b.stateStoreRoot, 'first'))).toEqual([
        'dependencies/kratix-canary-namespace.yaml',
        'dependencies/mover/5058f/static/mover-dependencies.yaml',
        'resources/default/mover/r1/instance-configure/5058f/r1.yaml',
        'resources/kratix-canary-configmap.yaml',
      ]);

      await relabel('second', { environment: 'dev' });
      await placementWritten(SYSTEM, 'mover-static-deps.second-5058f');
      expect(await placementNames('default')).toEqual([`${work}.first-5058f`]);

      await b.api.del(`${V1}/destinations/first`).expect(200);
      await eventually(
        async () =>
          (await b.api.get(`${V1}/destinations/first`)).status === 404,
        'first to be deleted',
      );
      await placementWritten('default', `${work}.second-5058f`);
      expect(await placementNames('default')).toEqual([`${work}.second-5058f`]);
      expect(await placementNames(SYSTEM)).toEqual([
        'mover-static-deps.second-5058f',
      ]);
      await eventually(
        async () =>
          listFiles(path.join(b.stateStoreRoot, 'first')).length === 0,
        "first's files to go",
      );
      expect(fs.existsSync(path.join(b.stateStoreRoot, 'first'))).toBe(false);
      expect(files()).toEqual([
        'second/dependencies/mover/5058f/static/mover-dependencies.yaml',
        'second/resources/default/mover/r1/instance-configure/5058f/r1.yaml',
      ]);
      const rescheduled = await workScheduled(
        'default',
        work,
        'AllWorkplacementsScheduled',
      );
      expect(rescheduled.status.workloadGroups[0].destinations).toEqual([
        'second',
      ]);
    });

    // ---- 9 --------------------------------------------------------------

    it('keeps a Destination not Ready until its state store exists', async () => {
      await destination('waiting', { stateStore: 'later' });
      await promise('early', { dependencies: true });
      const placement = 'early-static-deps.waiting-5058f';
      const failed = await eventually(async () => {
        const p = (
          await b.api.get(
            `${V1}/namespaces/${SYSTEM}/workplacements/${placement}`,
          )
        ).body;
        return condition(p, 'WriteSucceeded') && p;
      }, 'the placement to try writing');
      expect(condition(failed, 'WriteSucceeded')).toMatchObject({
        status: 'False',
        reason: 'WorkloadsFailedWrite',
        message: 'FilesystemStateStore "later" not found',
      });
      const notReady = await eventually(async () => {
        const d = (await b.api.get(`${V1}/destinations/waiting`)).body;
        return condition(d, 'Ready') && d;
      }, 'waiting to report readiness');
      expect(condition(notReady, 'Ready')).toMatchObject({
        status: 'False',
        reason: 'StateStoreNotFound',
        message: 'FilesystemStateStore "later" not found',
      });
      expect(files({ canaries: true })).toEqual([]);
      // Its fourth failure puts the placement 8 s away from its next try.
      const failures = await eventually(async () => {
        const lines = b.logs.filter(l =>
          l.message.startsWith(
            `reconcile of placement/${SYSTEM}/${placement} failed`,
          ),
        );
        return lines.length >= 4 && lines;
      }, 'the placement to fail four times');
      expect(failures[3].message).toMatch(/\(attempt 4\), retrying in 8000 ms/);

      const res = await b.api.apply(
        JSON.stringify({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'FilesystemStateStore',
          metadata: { name: 'later' },
          spec: { path: 'later-store' },
        }),
      );
      expect(res.status).toBe(200);
      const ready = await eventually(async () => {
        const d = (await b.api.get(`${V1}/destinations/waiting`)).body;
        return condition(d, 'Ready')?.status === 'True' && d;
      }, 'waiting to become Ready');
      expect(condition(ready, 'Ready')).toMatchObject({
        reason: 'TestDocumentsWritten',
      });
      // Written as the Destination becomes Ready, not at the end of its backoff.
      await placementWritten(SYSTEM, placement, 4000);
      expect(files({ canaries: true })).toEqual([
        'later-store/waiting/dependencies/early/5058f/static/early-dependencies.yaml',
        'later-store/waiting/dependencies/kratix-canary-namespace.yaml',
        'later-store/waiting/resources/kratix-canary-configmap.yaml',
      ]);
    });

    // ---- 10 -------------------------------------------------------------

    it('does not reconcile Works when a Destination label no selector mentions changes', async () => {
      // Each Work has a root group nobody can take (tier=gold), so every
      // reconcile of it logs the "no Destinations" warning: the count of
      // those lines is the count of its reconciles. Its backup group
      // (role=backup) is placed on w1.
      await destination('w1', {
        labels: { role: 'backup', environment: 'dev' },
      });
      await destination('w2', { labels: { environment: 'dev' } });
      await promise('probe', {
        selectors: { tier: 'gold' },
        promiseImage: 'with-backup',
        resourceImage: 'with-backup',
      });
      await request('probe', 'r1');
      const dep = { namespace: SYSTEM, name: 'probe-promise-configure' };
      const res = { namespace: 'default', name: 'probe-r1-instance-configure' };
      const backupOn = (work: string, d: string) =>
        `${work}.${d}-${short(BACKUP_ID)}`;
      await placementWritten(SYSTEM, backupOn(dep.name, 'w1'));
      await placementWritten('default', backupOn(res.name, 'w1'));
      await workScheduled(SYSTEM, dep.name, 'UnscheduledWorkloads');
      const unscheduled = await workScheduled(
        'default',
        res.name,
        'UnscheduledWorkloads',
      );
      expect(condition(unscheduled, 'ScheduleSucceeded').message).toBe(
        `No matching destination found for workloadGroups: [${ROOT_ID}]`,
      );

      const count = () =>
        [dep, res].map(w => warningsFor(`${w.namespace}/${w.name}`).length);
      await eventually(
        async () => count().every(n => n > 0),
        'a warning for each Work',
      );
      await b.whenIdle();
      const settled = count();
      const line = warningsFor(`${res.namespace}/${res.name}`)[0];
      expect(line.meta).toMatchObject({
        workloadGroupId: ROOT_ID,
        directory: '.',
        resolvedSelectors: { tier: 'gold' },
      });

      // Keys no selector mentions: added, changed and removed, on the
      // destination holding both backup placements and on the other one.
      await relabel('w1', { team: 'blue' });
      await relabel('w1', { environment: 'test' });
      await relabel('w2', { team: 'red' });
      await relabel('w1', { team: null });
      const w1 = (await b.api.get(`${V1}/destinations/w1`).expect(200)).body;
      expect(w1.metadata.labels).toEqual({
        role: 'backup',
        environment: 'test',
      });
      await b.whenIdle();
      expect(count()).toEqual(settled);

      // Control: a key the backup groups select on. w2 gaining role=backup
      // concerns the dependency Work (every candidate gets it) but not the
      // placed, sticky resource Work.
      await relabel('w2', { role: 'backup' });
      await placementWritten(SYSTEM, backupOn(dep.name, 'w2'));
      await eventually(
        async () => count()[0] === settled[0] + 1,
        'the dependency Work to be reconciled once',
      );
      await b.whenIdle();
      expect(count()).toEqual([settled[0] + 1, settled[1]]);
      expect(await placementNames('default')).toEqual([
        backupOn(res.name, 'w1'),
      ]);

      // w1 losing role=backup concerns both: their w1 placements are misplaced.
      await relabel('w1', { role: null });
      await eventually(
        async () => count()[1] === settled[1] + 1,
        'the resource Work to be reconciled once',
      );
      await b.whenIdle();
      expect(count()).toEqual([settled[0] + 2, settled[1] + 1]);
      const resPlacement = await getPlacement(
        'default',
        backupOn(res.name, 'w1'),
      );
      expect(resPlacement.metadata.labels['kratix.io/misplaced']).toBe('true');
    });
  });
});
