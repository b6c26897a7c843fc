/*
 * What Kratix leaves for a platform team to look at, through our API:
 * pipeline runs as Pods with Kratix's pod labels and their containers'
 * logs (`kubectl logs --selector kratix-promise-id=... --container ...`),
 * and Kubernetes Events for what the controllers did. A real backend, real
 * pipelines (__fixtures__/parity), a real database.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  EXAMPLES,
  KratixTestBackend,
  eventually,
  startFixtureBackend,
  stopAndRemove,
} from './__testUtils__/testBackend';
import { kratixTestDatabases } from './__testUtils__/databases';
import {
  fixtureImages,
  pipelineObject,
  promiseApi,
} from './__testUtils__/kratixObjects';
import { describeWithBwrap } from './pipelines/__testUtils__/sandbox';

jest.setTimeout(60_000);

const FIXTURES = path.join(__dirname, '__fixtures__/parity');
const { image, images: IMAGES } = fixtureImages(FIXTURES, 'parity.test', [
  'configure',
  'stage-two',
]);
const V1 = '/apis/platform.kratix.io/v1alpha1';
const GROUP = 'runs.test.kratix.io';
const SYSTEM = 'kratix-platform-system';

const databases = kratixTestDatabases();

describeWithBwrap('pipeline runs and events through the HTTP API', () => {
  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let b: KratixTestBackend;

    beforeEach(async () => {
      b = await startFixtureBackend({
        knex: await databases.init(databaseId),
        fixtures: FIXTURES,
        images: IMAGES,
        config: { records: { pipelineRuns: { perObject: 2 } } },
      });
      await apply({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Destination',
        metadata: { name: 'worker', labels: { environment: 'dev' } },
        spec: {
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
        },
      });
    });

    afterEach(() => stopAndRemove(b));

    async function apply(object: unknown) {
      const res = await b.api.apply(JSON.stringify(object));
      expect(res.status).toBe(200);
    }

    async function promise(
      name: string,
      script: string,
      promiseScript?: string,
    ) {
      await apply({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Promise',
        metadata: { name },
        spec: {
          destinationSelectors: [{ matchLabels: { environment: 'dev' } }],
          api: promiseApi(name, GROUP),
          workflows: {
            ...(promiseScript
              ? {
                  promise: {
                    configure: [
                      pipelineObject('promise-configure', image(promiseScript)),
                    ],
                  },
                }
              : {}),
            resource: {
              configure: [
                pipelineObject(
                  'instance-configure',
                  image(script),
                  'pipeline-stage-0',
                ),
              ],
            },
          },
        },
      });
    }

    const request = (kind: string, name: string, labels = {}) =>
      apply({
        apiVersion: `${GROUP}/v1alpha1`,
        kind,
        metadata: { name, namespace: 'default', labels },
        spec: {},
      });

    const pods = async (query: string) =>
      (await b.api.get(`/api/v1/namespaces/default/pods?${query}`).expect(200))
        .body.items;

    const finishedPods = (query: string, count = 1) =>
      eventually(async () => {
        const items = await pods(query);
        return (
          items.length === count &&
          items.every((p: any) => p.status.phase !== 'Running') &&
          items
        );
      }, `${count} finished pipeline run(s) for ${query}`);

    const eventsOf = async (kind: string, name: string, namespace: string) =>
      (
        await b.api
          .get(
            `/api/v1/namespaces/${namespace}/events?fieldSelector=involvedObject.name=${name},involvedObject.kind=${kind}`,
          )
          .expect(200)
      ).body.items;

    const eventually1 = (
      kind: string,
      name: string,
      namespace: string,
      reason: string,
    ) =>
      eventually(async () => {
        const found = (await eventsOf(kind, name, namespace)).find(
          (e: any) => e.reason === reason,
        );
        return found;
      }, `a ${reason} event for ${kind} ${name}`);

    it("records each run as a Pod with Kratix's labels, and serves each container's log (kubectl logs --selector kratix-promise-id=... --container ...)", async () => {
      await promise('logged', 'configure');
      await request('logged', 'r1');
      const [pod] = await finishedPods(
        'labelSelector=kratix-promise-id=logged',
      );
      expect(pod).toMatchObject({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          namespace: 'default',
          labels: {
            'kratix-promise-id': 'logged',
            'kratix.io/promise-name': 'logged',
            'kratix.io/resource-name': 'r1',
            'kratix.io/pipeline-name': 'instance-configure',
            'kratix.io/workflow-type': 'resource',
            'kratix.io/workflow-action': 'configure',
          },
        },
        status: {
          phase: 'Succeeded',
          containerStatuses: [
            {
              name: 'pipeline-stage-0',
              image: image('configure'),
              state: { terminated: { exitCode: 0, reason: 'Completed' } },
            },
          ],
        },
      });
      expect(pod.metadata.name).toMatch(
        /^kratix-logged-r1-instance-configure-[0-9a-f]{5}$/,
      );
      const { startedAt, finishedAt } =
        pod.status.containerStatuses[0].state.terminated;
      expect(Date.parse(finishedAt)).toBeGreaterThanOrEqual(
        Date.parse(startedAt),
      );
      // The log is read through /log only, as in Kubernetes.
      expect(JSON.stringify(pod)).not.toContain('configuring default/r1');

      const log = await b.api
        .get(
          `/api/v1/namespaces/default/pods/${pod.metadata.name}/log?container=pipeline-stage-0`,
        )
        .expect(200);
      expect(log.type).toBe('text/plain');
      expect(log.text).toBe('configuring default/r1\n');
      const unknown = await b.api
        .get(
          `/api/v1/namespaces/default/pods/${pod.metadata.name}/log?container=nope`,
        )
        .expect(400);
      expect(unknown.body.message).toBe(
        `container nope is not valid for pod ${pod.metadata.name}`,
      );
      // Only the engine writes them.
      const write = await b.api
        .del(`/api/v1/namespaces/default/pods/${pod.metadata.name}`)
        .expect(405);
      expect(write.body.reason).toBe('MethodNotAllowed');
      expect(
        (await b.api.apply(JSON.stringify({ ...pod, metadata: { name: 'x' } })))
          .status,
      ).toBe(405);
    });

    it("answers the tutorial's `kubectl logs --selector kratix-promise-id=elastic-cloud --container pipeline-stage-0`", async () => {
      for (const file of [
        'elastic-cloud/promise.yaml',
        'resource-request.yaml',
      ]) {
        const res = await b.api.apply(
          fs.readFileSync(path.join(EXAMPLES, file), 'utf8'),
        );
        expect(res.status).toBe(200);
      }
      const [pod] = await finishedPods(
        'labelSelector=kratix-promise-id%3Delastic-cloud',
      );
      const log = await b.api
        .get(
          `/api/v1/namespaces/default/pods/${pod.metadata.name}/log?container=pipeline-stage-0`,
        )
        .expect(200);
      // What the README shows.
      expect(log.text).toBe(
        [
          'Generate ECK requests for default/example...',
          'Setting additional cluster selectors: pvCapacity=large',
          'Done',
          '',
        ].join('\n'),
      );
    });

    it('records promise workflow runs in kratix-platform-system, without a resource name', async () => {
      await promise('own', 'configure', 'configure');
      const [pod] = await eventually(async () => {
        const items = (
          await b.api
            .get(
              `/api/v1/namespaces/${SYSTEM}/pods?labelSelector=kratix.io/workflow-type%3Dpromise`,
            )
            .expect(200)
        ).body.items;
        return (
          items.length === 1 && items[0].status.phase !== 'Running' && items
        );
      }, 'the promise workflow run');
      expect(pod.metadata.name).toMatch(
        /^kratix-own-promise-configure-[0-9a-f]{5}$/,
      );
      expect(pod.metadata.labels).toEqual({
        'kratix-promise-id': 'own',
        'kratix.io/promise-name': 'own',
        'kratix.io/pipeline-name': 'promise-configure',
        'kratix.io/workflow-type': 'promise',
        'kratix.io/workflow-action': 'configure',
      });
      expect(pod.status.phase).toBe('Succeeded');
      // Across namespaces too.
      const all = (await b.api.get('/api/v1/pods').expect(200)).body.items;
      expect(all.map((p: any) => p.metadata.name)).toEqual([pod.metadata.name]);
    });

    it('records a failed run with its exit code, and the ConfigureWorkflowFailed event', async () => {
      await promise('broken', 'stage-two');
      await request('broken', 'r1');
      const [pod] = await finishedPods(
        'labelSelector=kratix-promise-id=broken',
      );
      expect(pod.status.phase).toBe('Failed');
      expect(pod.status.containerStatuses[0].state.terminated.exitCode).toBe(1);
      const logPath = `/api/v1/namespaces/default/pods/${pod.metadata.name}/log?container=pipeline-stage-0`;
      const full = (await b.api.get(logPath).expect(200)).text;
      expect(full).toContain("status.stage is not 'one':");
      const last = (await b.api.get(`${logPath}&tailLines=1`).expect(200)).text;
      expect(last).toBe(`${full.trimEnd().split('\n').pop()}\n`);
      const failed = await eventually1(
        'broken',
        'r1',
        'default',
        'ConfigureWorkflowFailed',
      );
      expect(failed).toMatchObject({
        apiVersion: 'v1',
        kind: 'Event',
        type: 'Warning',
        message: 'A resource/configure Pipeline has failed: instance-configure',
        count: 1,
        involvedObject: {
          apiVersion: `${GROUP}/v1alpha1`,
          kind: 'broken',
          name: 'r1',
          namespace: 'default',
        },
      });
      expect(Date.parse(failed.firstTimestamp)).not.toBeNaN();
      await eventually1('broken', 'r1', 'default', 'PipelineStarted');
    });

    it('keeps the newest runs per object only (kratix.records.pipelineRuns.perObject)', async () => {
      await promise('again', 'configure');
      await request('again', 'r1');
      const [first] = await finishedPods(
        'labelSelector=kratix-promise-id=again',
        1,
      );
      const reconciled = async () => {
        const r = (
          await b.api.get(
            `/apis/${GROUP}/v1alpha1/namespaces/default/agains/r1`,
          )
        ).body;
        return !r.metadata.labels?.['kratix.io/manual-reconciliation'] && r;
      };
      for (let i = 0; i < 2; i++) {
        await request('again', 'r1', {
          'kratix.io/manual-reconciliation': 'true',
        });
        await eventually(reconciled, 'the manual reconciliation to run');
      }
      // Three runs, two kept: the first one went.
      const kept = await finishedPods(
        'labelSelector=kratix-promise-id=again',
        2,
      );
      expect(kept.map((p: any) => p.metadata.name)).not.toContain(
        first.metadata.name,
      );
    });

    it("records the scheduler's events on the Work, counted, and lists them by involved object", async () => {
      await promise('seen', 'configure');
      await request('seen', 'r1');
      const work = 'seen-r1-instance-configure';
      const scheduled = await eventually1(
        'Work',
        work,
        'default',
        'AllWorkplacementsScheduled',
      );
      expect(scheduled).toMatchObject({
        type: 'Normal',
        message: 'All workplacements scheduled successfully',
        count: 1,
        involvedObject: {
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Work',
          name: work,
          namespace: 'default',
        },
      });
      await eventually1(
        'WorkPlacement',
        `${work}.worker-5058f`,
        'default',
        'WorkloadsWrittenToStateStore',
      );

      // The destination stops matching: misplaced, on the Work and placement.
      await b.api
        .patch(`${V1}/destinations/worker`, {
          metadata: { labels: { environment: 'prod' } },
        })
        .expect(200);
      const misplaced = await eventually1(
        'Work',
        work,
        'default',
        'DestinationSelectorMismatch',
      );
      expect(misplaced.type).toBe('Warning');
      await eventually1(
        'WorkPlacement',
        `${work}.worker-5058f`,
        'default',
        'DestinationSelectorMismatch',
      );

      // Matching again: the same event again, counted rather than repeated.
      await b.api
        .patch(`${V1}/destinations/worker`, {
          metadata: { labels: { environment: 'dev' } },
        })
        .expect(200);
      const again = await eventually(async () => {
        const e = (await eventsOf('Work', work, 'default')).find(
          (x: any) => x.reason === 'AllWorkplacementsScheduled',
        );
        return e?.count === 2 && e;
      }, 'the scheduled event to be counted twice');
      expect(Date.parse(again.lastTimestamp)).toBeGreaterThanOrEqual(
        Date.parse(again.firstTimestamp),
      );
      // Across namespaces, and the Destination's own (cluster-scoped: default).
      const all = (
        await b.api
          .get(`/api/v1/events?fieldSelector=involvedObject.kind=Destination`)
          .expect(200)
      ).body.items;
      expect(all.map((e: any) => [e.involvedObject.name, e.reason])).toEqual([
        ['worker', 'DestinationReady'],
      ]);
      const bad = await b.api
        .get('/api/v1/events?fieldSelector=spec.nope=x')
        .expect(400);
      expect(bad.body.message).toContain('"spec.nope" is not a known field');
      expect(
        (await b.api.get(`/api/v1/namespaces/${SYSTEM}/events`).expect(200))
          .body.kind,
      ).toBe('EventList');
    });
  });
});
