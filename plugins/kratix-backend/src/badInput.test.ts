import fs from 'node:fs';
import path from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  EXAMPLES,
  KratixTestBackend,
  eventually,
  listFiles,
  startKratixBackend,
  tempDir,
} from './__testUtils__/testBackend';
import { kratixTestDatabases } from './__testUtils__/databases';
import { expectFailureStatus } from './__testUtils__/expectStatus';
import {
  describeWithBwrap,
  processesMatching,
  uniqueSleepSeconds,
} from './pipelines/__testUtils__/sandbox';

/**
 * Bad input, end to end through the HTTP API of a real backend: every
 * mistake gets a clear Kubernetes-style answer and loses nothing. Nothing
 * is half-written to the database or the state store, what was good before
 * stays as it was, and the backend keeps serving.
 */

jest.setTimeout(60_000);

const V1 = '/apis/platform.kratix.io/v1alpha1';
const TEST_API = '/apis/test.kratix.io/v1alpha1';
const FIXTURES = path.join(__dirname, '__fixtures__/pipelines');

const IMAGES = {
  escape: 'ghcr.io/kratix-backstage-tests/escape-output:v1',
  fail: 'ghcr.io/kratix-backstage-tests/fail:v1',
  hang: 'ghcr.io/kratix-backstage-tests/hang:v1',
  badSelectors: 'ghcr.io/kratix-backstage-tests/bad-selectors:v1',
  writeStatus: 'ghcr.io/kratix-backstage-tests/write-status:v1',
  garbleStatus: 'ghcr.io/kratix-backstage-tests/garble-status:v1',
  unmapped: 'ghcr.io/kratix-backstage-tests/not-mapped-anywhere:v1',
};

const FIXTURE_IMAGES = {
  [IMAGES.escape]: path.join(FIXTURES, 'escape-output'),
  [IMAGES.fail]: path.join(FIXTURES, 'fail'),
  [IMAGES.hang]: path.join(FIXTURES, 'hang'),
  [IMAGES.badSelectors]: path.join(FIXTURES, 'bad-selectors'),
  [IMAGES.writeStatus]: path.join(FIXTURES, 'write-status'),
  [IMAGES.garbleStatus]: path.join(FIXTURES, 'garble-status'),
};

/**
 * A small Promise: kind `kind` in group test.kratix.io (plural: lower-case
 * kind + "s"), an optional boolean `spec.escape`, and one resource configure
 * pipeline `configure` with one container `main` running `image`, with `env`
 * (YAML) as its environment when given.
 */
function testPromise(name: string, kind: string, image: string, env?: string) {
  return `
apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata:
  name: ${name}
spec:
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: ${kind.toLowerCase()}s.test.kratix.io
    spec:
      group: test.kratix.io
      scope: Namespaced
      names:
        kind: ${kind}
        plural: ${kind.toLowerCase()}s
      versions:
        - name: v1alpha1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  properties:
                    escape:
                      type: boolean
  workflows:
    resource:
      configure:
        - apiVersion: platform.kratix.io/v1alpha1
          kind: Pipeline
          metadata:
            name: configure
          spec:
            containers:
              - name: main
                image: ${image}${env ? `\n                env: ${env}` : ''}
`;
}

function testRequest(
  kind: string,
  namespace: string,
  name: string,
  spec: Record<string, unknown> = {},
) {
  return `
apiVersion: test.kratix.io/v1alpha1
kind: ${kind}
metadata:
  name: ${name}
  namespace: ${namespace}
spec: ${JSON.stringify(spec)}
`;
}

const requestPath = (kind: string, namespace: string, name: string) =>
  `${TEST_API}/namespaces/${namespace}/${kind.toLowerCase()}s/${name}`;

const condition = (object: any, type: string) =>
  (object?.status?.conditions ?? []).find((c: any) => c.type === type);

/** The ConfigureWorkflowCompleted condition once the workflow has a verdict. */
async function configureVerdict(
  b: KratixTestBackend,
  url: string,
  generation = 1,
) {
  return eventually(async () => {
    const object = (await b.api.get(url)).body;
    const c = condition(object, 'ConfigureWorkflowCompleted');
    return (
      object.status?.observedGeneration === generation &&
      c &&
      c.reason !== 'PipelinesInProgress' && { object, condition: c }
    );
  }, `a configure verdict for ${url} (generation ${generation})`);
}

const worksIn = async (b: KratixTestBackend, namespace: string) =>
  (await b.api.get(`${V1}/namespaces/${namespace}/works`).expect(200)).body
    .items;

const placementsIn = async (b: KratixTestBackend, namespace: string) =>
  (await b.api.get(`${V1}/namespaces/${namespace}/workplacements`).expect(200))
    .body.items;

/** State store files of the resource requests of one namespace. */
const resourceFiles = (b: KratixTestBackend, namespace: string) =>
  listFiles(b.stateStoreRoot).filter(f =>
    f.startsWith(`worker-1/resources/${namespace}/`),
  );

const PASSWD_FIRST_LINE = fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0];

/** Files of the state store holding the host's /etc/passwd. */
const passwdCopies = (b: KratixTestBackend) =>
  listFiles(b.stateStoreRoot).filter(f =>
    fs
      .readFileSync(path.join(b.stateStoreRoot, f), 'utf8')
      .includes(PASSWD_FIRST_LINE),
  );

/**
 * Engine reconciles that threw (as opposed to recording a verdict), other
 * than lost optimistic-concurrency races, which are retried by design.
 */
const reconcileFailures = (b: KratixTestBackend) =>
  b.logs.filter(
    l =>
      /^reconcile of .* failed/.test(l.message) &&
      !l.message.includes('the object has been modified'),
  );

const databases = kratixTestDatabases();

describeWithBwrap('bad input through the HTTP API', () => {
  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let backend: KratixTestBackend;
    let stateStoreRoot: string;

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      stateStoreRoot = tempDir('kratix-bad-input-');
      backend = await startKratixBackend({
        knex,
        stateStoreRoot,
        extraImages: FIXTURE_IMAGES,
      });
      const promises = [
        fs.readFileSync(
          path.join(EXAMPLES, 'elastic-cloud/promise.yaml'),
          'utf8',
        ),
        testPromise('escaping-output', 'EscapingOutput', IMAGES.escape),
        testPromise('failing', 'Failing', IMAGES.fail),
        testPromise('bad-selectors', 'BadSelectors', IMAGES.badSelectors),
        testPromise('unmapped-image', 'UnmappedImage', IMAGES.unmapped),
        testPromise('status-writer', 'StatusWriter', IMAGES.writeStatus),
        testPromise('status-garbler', 'StatusGarbler', IMAGES.garbleStatus),
      ];
      await backend.api.apply(promises.join('\n---\n')).expect(200);
      await eventually(async () => {
        const items =
          (await backend.api.get(`${V1}/promises`)).body.items ?? [];
        return (
          items.length === promises.length &&
          items.every((p: any) => p.status?.status === 'Available')
        );
      }, 'the Promises to be Available');
      await eventually(
        async () =>
          condition(
            (
              await backend.api.get(`${V1}/destinations/worker-1`)
            ).body,
            'Ready',
          )?.status === 'True',
        'worker-1 to be Ready',
      );
    });

    afterAll(async () => {
      await backend?.stop();
      fs.rmSync(stateStoreRoot, { recursive: true, force: true });
    });

    afterEach(() => {
      // No 500s (the error handler logs them) and no engine crash; a failed
      // expectation here fails the test that just ran.
      /* eslint-disable jest/no-standalone-expect */
      expect(backend.logs.filter(l => l.level === 'error')).toEqual([]);
      expect(reconcileFailures(backend)).toEqual([]);
      /* eslint-enable jest/no-standalone-expect */
    });

    describe('POST /apply', () => {
      it('answers invalid YAML with 400 BadRequest naming the document and line; nothing is created', async () => {
        const res = await backend.api.apply(
          'apiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata: {name: [oops\n',
        );
        expect(res.status).toBe(400);
        expectFailureStatus(res.body, 400, 'BadRequest');
        expect(res.body.message).toMatch(
          /^error parsing YAML document 1: .+ at line 4, column \d+$/,
        );
        // The flow sequence is unclosed: the parser notices at the end of the input.
        expect(res.body.details).toMatchObject({ document: 0, line: 4 });

        const destinations = (
          await backend.api.get(`${V1}/destinations`).expect(200)
        ).body.items;
        expect(destinations.map((d: any) => d.metadata.name)).toEqual([
          'worker-1',
        ]);
      });

      it('creates nothing when the broken document comes after a valid one', async () => {
        const valid = `apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata:
  name: worker-before-typo
spec:
  stateStoreRef: {kind: FilesystemStateStore, name: default}
`;
        const broken = `apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata:
  name: worker-with-typo
   labels: {}
`;
        const res = await backend.api.apply(`${valid}---\n${broken}`);
        expect(res.status).toBe(400);
        expectFailureStatus(res.body, 400, 'BadRequest');
        expect(res.body.message).toMatch(/^error parsing YAML document 2: /);
        expect(res.body.details).toMatchObject({
          document: 1,
          line: expect.any(Number),
        });

        const missing = await backend.api.get(
          `${V1}/destinations/worker-before-typo`,
        );
        expect(missing.status).toBe(404);
        expect(
          listFiles(backend.stateStoreRoot).some(f =>
            f.startsWith('worker-before-typo'),
          ),
        ).toBe(false);
      });

      it('answers a YAML alias bomb with 400 and a body over the limit with 413', async () => {
        const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
          .concat(
            ['b', 'c', 'd', 'e', 'f'].map(
              (k, i) =>
                `${k}: &${k} [${Array(10).fill(`*${'abcdef'[i]}`).join(', ')}]`,
            ),
          )
          .join('\n');
        const res = await backend.api.apply(bomb);
        expect(res.status).toBe(400);
        expectFailureStatus(res.body, 400, 'BadRequest');
        expect(res.body.message).toContain('Excessive alias count');

        const huge = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n  x: "${'a'.repeat(
          6 * 1024 * 1024,
        )}"\n`;
        const tooLarge = await backend.api.apply(huge);
        expect(tooLarge.status).toBe(413);
        expectFailureStatus(tooLarge.body, 413, 'RequestEntityTooLarge');
        expect(tooLarge.body.message).toContain(
          `more than the limit of ${5 * 1024 * 1024} bytes`,
        );
      });

      it('answers an unknown kind with 400 "no matches for kind"; nothing is created', async () => {
        const res = await backend.api
          .apply(`apiVersion: platform.kratix.io/v1alpha1
kind: Destinaton
metadata:
  name: worker-typo
spec:
  stateStoreRef: {kind: FilesystemStateStore, name: default}
`);
        expect(res.status).toBe(400);
        expectFailureStatus(res.body, 400, 'BadRequest');
        expect(res.body.message).toContain(
          'no matches for kind "Destinaton" in version "platform.kratix.io/v1alpha1"',
        );
        expect(res.body.message).toContain('(nothing was applied)');
        expect(res.body.details).toMatchObject({
          objectKind: 'Destinaton',
          objectName: 'worker-typo',
          applied: [],
        });
        expect(
          (await backend.api.get(`${V1}/destinations/worker-typo`)).status,
        ).toBe(404);

        const otherGroup = await backend.api.apply(
          'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\n',
        );
        expect(otherGroup.status).toBe(400);
        expect(otherGroup.body.message).toContain(
          'no matches for kind "Widget" in version "example.com/v1"',
        );
      });

      it('applies in order like kubectl: an unknown kind stops the apply, and the error lists what was applied before it', async () => {
        const res = await backend.api
          .apply(`apiVersion: platform.kratix.io/v1alpha1
kind: FilesystemStateStore
metadata:
  name: applied-before-unknown-kind
spec:
  path: elsewhere
---
apiVersion: platform.kratix.io/v1alpha1
kind: NoSuchKind
metadata:
  name: nope
`);
        expect(res.status).toBe(400);
        expect(res.body.message).toContain('document 2');
        expect(res.body.message).toContain(
          '(applied before it: FilesystemStateStore "applied-before-unknown-kind" created)',
        );
        expect(res.body.details.applied).toEqual([
          expect.objectContaining({
            kind: 'FilesystemStateStore',
            name: 'applied-before-unknown-kind',
            action: 'created',
          }),
        ]);
        await backend.api
          .del(`${V1}/filesystemstatestores/applied-before-unknown-kind`)
          .expect(200);
      });
    });

    describe('Destination labels', () => {
      const WORKER = `${V1}/destinations/worker-1`;
      const TOO_LONG = 'v'.repeat(64);

      it('refuses a Destination with an invalid label with 422 Invalid on metadata.labels; nothing is stored', async () => {
        const viaApply = await backend.api
          .apply(`apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata:
  name: worker-bad-label
  labels:
    "bad key!": "yes"
spec:
  stateStoreRef: {kind: FilesystemStateStore, name: default}
`);
        expect(viaApply.status).toBe(422);
        expectFailureStatus(viaApply.body, 422, 'Invalid');
        expect(viaApply.body.message).toContain('"bad key!"');
        expect(viaApply.body.details.causes).toEqual([
          expect.objectContaining({
            field: 'metadata.labels',
            reason: 'FieldValueInvalid',
            message: expect.stringContaining('"bad key!"'),
          }),
        ]);

        const viaPost = await backend.api.post(`${V1}/destinations`, {
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Destination',
          metadata: {
            name: 'worker-bad-label',
            labels: { environment: TOO_LONG },
          },
          spec: {
            stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
          },
        });
        expect(viaPost.status).toBe(422);
        expectFailureStatus(viaPost.body, 422, 'Invalid');
        expect(viaPost.body.details).toMatchObject({
          name: 'worker-bad-label',
          kind: 'Destination',
        });
        expect(viaPost.body.details.causes).toEqual([
          expect.objectContaining({
            field: 'metadata.labels',
            message: expect.stringContaining(
              'must be no more than 63 characters',
            ),
          }),
        ]);

        expect(
          (await backend.api.get(`${V1}/destinations/worker-bad-label`)).status,
        ).toBe(404);
        expect(
          listFiles(backend.stateStoreRoot).some(f =>
            f.startsWith('worker-bad-label/'),
          ),
        ).toBe(false);
      });

      it('refuses a merge patch that would set an invalid label; the stored labels stay as they were', async () => {
        await backend.api
          .patch(WORKER, { metadata: { labels: { team: 'platform' } } })
          .expect(200);
        const before = (await backend.api.get(WORKER).expect(200)).body;
        expect(before.metadata.labels).toEqual({ team: 'platform' });

        const badKey = await backend.api.patch(WORKER, {
          metadata: { labels: { 'bad key!': 'x', team: 'apps' } },
        });
        expect(badKey.status).toBe(422);
        expectFailureStatus(badKey.body, 422, 'Invalid');
        expect(badKey.body.details.causes).toEqual([
          expect.objectContaining({
            field: 'metadata.labels',
            message: expect.stringContaining('"bad key!"'),
          }),
        ]);

        const longValue = await backend.api.patch(WORKER, {
          metadata: { labels: { environment: TOO_LONG } },
        });
        expect(longValue.status).toBe(422);
        expect(longValue.body.details.causes).toEqual([
          expect.objectContaining({
            field: 'metadata.labels',
            message: expect.stringContaining(TOO_LONG),
          }),
        ]);

        const after = (await backend.api.get(WORKER).expect(200)).body;
        expect(after.metadata.labels).toEqual({ team: 'platform' });
        expect(after.metadata.resourceVersion).toBe(
          before.metadata.resourceVersion,
        );
        expect(after.metadata.generation).toBe(before.metadata.generation);
      });

      it('refuses a spec, annotations or finalizers of the wrong type with 422 naming the field', async () => {
        const before = (await backend.api.get(WORKER).expect(200)).body;
        for (const [patch, field] of [
          [{ spec: 'worker-1' }, 'spec'],
          [
            { metadata: { annotations: 'owner=platform' } },
            'metadata.annotations',
          ],
          [
            { metadata: { finalizers: 'example.com/keep' } },
            'metadata.finalizers',
          ],
        ] as const) {
          const res = await backend.api.patch(WORKER, patch);
          expect(res.status).toBe(422);
          expectFailureStatus(res.body, 422, 'Invalid');
          expect(res.body.details.causes.map((c: any) => c.field)).toEqual([
            field,
          ]);
        }
        const after = (await backend.api.get(WORKER).expect(200)).body;
        expect(after.metadata.resourceVersion).toBe(
          before.metadata.resourceVersion,
        );
        expect(after.metadata.finalizers).toEqual(before.metadata.finalizers);
      });
    });

    describe('resource requests that fail their Promise schema', () => {
      const ELASTIC =
        '/apis/marketplace.kratix.io/v1alpha1/namespaces/schema/elastic-clouds';
      const request = (
        value: string,
      ) => `apiVersion: marketplace.kratix.io/v1alpha1
kind: elastic-cloud
metadata:
  name: typed-wrong
  namespace: schema
spec:
  enableDataCollection: ${value}
`;

      it('answers 422 naming spec.enableDataCollection; nothing is stored; the corrected request works', async () => {
        const res = await backend.api.apply(request('"yes"'));
        expect(res.status).toBe(422);
        expectFailureStatus(res.body, 422, 'Invalid');
        expect(res.body.message).toContain('spec.enableDataCollection');
        expect(res.body.details.causes).toEqual([
          expect.objectContaining({
            field: 'spec.enableDataCollection',
            reason: 'FieldValueTypeInvalid',
            message: expect.stringContaining('must be of type boolean'),
          }),
        ]);

        const viaPost = await backend.api.post(ELASTIC, {
          apiVersion: 'marketplace.kratix.io/v1alpha1',
          kind: 'elastic-cloud',
          metadata: { name: 'typed-wrong' },
          spec: { enableDataCollection: 'yes' },
        });
        expect(viaPost.status).toBe(422);
        expect(viaPost.body.details.causes.map((c: any) => c.field)).toEqual([
          'spec.enableDataCollection',
        ]);

        expect((await backend.api.get(`${ELASTIC}/typed-wrong`)).status).toBe(
          404,
        );
        expect((await backend.api.get(ELASTIC).expect(200)).body.items).toEqual(
          [],
        );
        expect(await worksIn(backend, 'schema')).toEqual([]);

        const fixed = await backend.api.apply(request('true'));
        expect(fixed.status).toBe(200);
        expect(fixed.body.items).toEqual([
          expect.objectContaining({ name: 'typed-wrong', action: 'created' }),
        ]);
        const { object, condition: configured } = await configureVerdict(
          backend,
          `${ELASTIC}/typed-wrong`,
        );
        expect(object.spec).toEqual({ enableDataCollection: true });
        expect(configured).toMatchObject({
          status: 'True',
          reason: 'PipelinesExecutedSuccessfully',
        });

        // A bad update is refused the same way, and the stored request stays as it was.
        const badPatch = await backend.api.patch(`${ELASTIC}/typed-wrong`, {
          spec: { enableDataCollection: 'no' },
        });
        expect(badPatch.status).toBe(422);
        expect(badPatch.body.details.causes.map((c: any) => c.field)).toEqual([
          'spec.enableDataCollection',
        ]);
        const after = (
          await backend.api.get(`${ELASTIC}/typed-wrong`).expect(200)
        ).body;
        expect(after.spec).toEqual({ enableDataCollection: true });
        expect(after.metadata.generation).toBe(object.metadata.generation);
      });
    });

    describe('pipelines that misbehave', () => {
      it('refuses output that escapes /kratix/output through a symlink; writes nothing; the fixed request is configured', async () => {
        const url = requestPath('EscapingOutput', 'escape', 'sneaky');
        await backend.api
          .apply(
            testRequest('EscapingOutput', 'escape', 'sneaky', { escape: true }),
          )
          .expect(200);

        const { object, condition: failed } = await configureVerdict(
          backend,
          url,
        );
        expect(failed).toMatchObject({
          status: 'False',
          reason: 'InvalidOutput',
          message: expect.stringContaining(
            '"passwd.yaml" escapes /kratix/output',
          ),
        });
        expect(failed.message).toContain('pipeline "configure" failed');
        expect(object.status.schedulingMessage).toContain(
          'Configure workflow failed',
        );
        expect(await worksIn(backend, 'escape')).toEqual([]);
        expect(resourceFiles(backend, 'escape')).toEqual([]);
        expect(passwdCopies(backend)).toEqual([]);

        // The backend keeps serving, and the same request, fixed, goes through.
        await backend.api.get(`${V1}/promises/escaping-output`).expect(200);
        await backend.api.patch(url, { spec: { escape: false } }).expect(200);
        const { condition: configured } = await configureVerdict(
          backend,
          url,
          2,
        );
        expect(configured).toMatchObject({
          status: 'True',
          reason: 'PipelinesExecutedSuccessfully',
        });
        const file =
          'worker-1/resources/escape/escaping-output/sneaky/configure/5058f/configmap.yaml';
        await eventually(
          async () => resourceFiles(backend, 'escape').includes(file),
          `${file} to be written`,
        );
        expect(resourceFiles(backend, 'escape')).toEqual([file]);
        const goodWork = (await worksIn(backend, 'escape'))[0];
        expect(goodWork.metadata.name).toBe('escaping-output-sneaky-configure');
        const goodContent = fs.readFileSync(
          path.join(backend.stateStoreRoot, file),
          'utf8',
        );

        // Breaking it again keeps the last good Work and files as they were.
        await backend.api.patch(url, { spec: { escape: true } }).expect(200);
        const { condition: failedAgain } = await configureVerdict(
          backend,
          url,
          3,
        );
        expect(failedAgain).toMatchObject({
          status: 'False',
          reason: 'InvalidOutput',
        });
        const works = await worksIn(backend, 'escape');
        expect(works).toHaveLength(1);
        expect(works[0].spec).toEqual(goodWork.spec);
        expect(works[0].metadata.resourceVersion).toBe(
          goodWork.metadata.resourceVersion,
        );
        expect(resourceFiles(backend, 'escape')).toEqual([file]);
        expect(
          fs.readFileSync(path.join(backend.stateStoreRoot, file), 'utf8'),
        ).toBe(goodContent);
        expect(passwdCopies(backend)).toEqual([]);
      });

      it('reports a failing container with its exit code and the tail of its log', async () => {
        const url = requestPath('Failing', 'failing', 'over-quota');
        await backend.api
          .apply(testRequest('Failing', 'failing', 'over-quota'))
          .expect(200);

        const { condition: failed } = await configureVerdict(backend, url);
        expect(failed).toMatchObject({
          status: 'False',
          reason: 'ContainerFailed',
        });
        expect(failed.message).toContain(
          'container "main" of pipeline "configure" failed with exit code 3',
        );
        expect(failed.message).toContain('rendering over-quota');
        expect(failed.message).toContain(
          'error: quota exceeded in namespace failing',
        );
        expect(await worksIn(backend, 'failing')).toEqual([]);
        expect(resourceFiles(backend, 'failing')).toEqual([]);

        // Kratix's manual-reconciliation label runs the workflow again, once.
        const runs = () =>
          backend.logs.filter(
            l =>
              l.message.startsWith('pipeline failed') &&
              l.meta.object === 'Failing/over-quota',
          ).length;
        const before = runs();
        await backend.api
          .patch(url, {
            metadata: { labels: { 'kratix.io/manual-reconciliation': 'true' } },
          })
          .expect(200);
        await eventually(async () => {
          const r = (await backend.api.get(url)).body;
          return (
            runs() === before + 1 &&
            !r.metadata.labels?.['kratix.io/manual-reconciliation']
          );
        }, 'the workflow to run again and the label to be cleared');

        // A failed request is not stuck: it can be deleted.
        await backend.api.del(url).expect(200);
        await eventually(
          async () => (await backend.api.get(url)).status === 404,
          'the failed request to be deleted',
        );
      });

      it('names an image no runner can run', async () => {
        const url = requestPath('UnmappedImage', 'unmapped', 'nowhere');
        await backend.api
          .apply(testRequest('UnmappedImage', 'unmapped', 'nowhere'))
          .expect(200);

        const { condition: failed } = await configureVerdict(backend, url);
        expect(failed).toMatchObject({
          status: 'False',
          reason: 'ImageNotMapped',
          message: expect.stringContaining(`"${IMAGES.unmapped}"`),
        });
        expect(failed.message).toContain('kratix.pipelines.images');
        expect(await worksIn(backend, 'unmapped')).toEqual([]);
      });

      it("fails an invalid destination-selectors.yaml with Kratix's message", async () => {
        const url = requestPath('BadSelectors', 'selectors', 'no-selectors');
        await backend.api
          .apply(testRequest('BadSelectors', 'selectors', 'no-selectors'))
          .expect(200);

        const { condition: failed } = await configureVerdict(backend, url);
        expect(failed).toMatchObject({
          status: 'False',
          reason: 'InvalidDestinationSelectors',
          message: expect.stringContaining(
            'invalid destination-selectors.yaml: entry with index 0 has no selectors',
          ),
        });
        expect(await worksIn(backend, 'selectors')).toEqual([]);
        expect(await placementsIn(backend, 'selectors')).toEqual([]);
        expect(resourceFiles(backend, 'selectors')).toEqual([]);
      });
    });

    describe('a Promise whose container spec is malformed', () => {
      it('is refused with 422 naming the field, so no request ever runs it', async () => {
        const res = await backend.api
          .apply(
            testPromise(
              'malformed-env',
              'MalformedEnv',
              IMAGES.fail,
              '"LEVEL=debug"',
            ),
          )
          .expect(422);
        expect(res.body).toMatchObject({
          kind: 'Status',
          reason: 'Invalid',
          code: 422,
        });
        expect(res.body.details.causes).toContainEqual(
          expect.objectContaining({
            field:
              'spec.workflows.resource.configure[0].spec.containers[0].env',
            reason: 'FieldValueTypeInvalid',
          }),
        );
        expect(
          (await backend.api.get(`${V1}/promises/malformed-env`)).status,
        ).toBe(404);
      });
    });

    describe("a pipeline's status.yaml", () => {
      it("is merged into the request's status but cannot take over the engine's bookkeeping", async () => {
        const url = requestPath('StatusWriter', 'status', 'reporting');
        await backend.api
          .apply(testRequest('StatusWriter', 'status', 'reporting'))
          .expect(200);

        const first = await eventually(async () => {
          const r = (await backend.api.get(url)).body;
          return condition(r, 'WorksSucceeded')?.status === 'True' && r;
        }, 'the request to be configured and scheduled');
        expect(first.status).toMatchObject({
          renderedGeneration: 1,
          connectionDetails: { host: 'reporting.example.com' },
          observedGeneration: 1,
        });
        expect(condition(first, 'DatabaseReady')).toMatchObject({
          status: 'True',
          reason: 'Provisioned',
        });
        expect(condition(first, 'ConfigureWorkflowCompleted')).toMatchObject({
          status: 'True',
        });
        const runs = () =>
          backend.logs.filter(
            l =>
              l.message.startsWith('pipeline completed') &&
              l.meta.object === 'StatusWriter/reporting',
          ).length;
        expect(runs()).toBe(1);

        // The update runs the pipeline again, whatever it claimed before.
        await backend.api.patch(url, { spec: { escape: false } }).expect(200);
        const second = await eventually(async () => {
          const r = (await backend.api.get(url)).body;
          return r.status?.renderedGeneration === 2 && r;
        }, 'the update to be configured');
        expect(second.status.observedGeneration).toBe(2);
        expect(runs()).toBe(2);
      });

      it('with conditions that are not a list of conditions fails the workflow and keeps the status intact', async () => {
        const url = requestPath('StatusGarbler', 'status', 'garbled');
        await backend.api
          .apply(testRequest('StatusGarbler', 'status', 'garbled'))
          .expect(200);

        const { object, condition: failed } = await configureVerdict(
          backend,
          url,
        );
        expect(failed).toMatchObject({
          status: 'False',
          reason: 'InvalidStatus',
          message: expect.stringContaining('status.yaml'),
        });
        expect(failed.message).toContain('conditions');
        expect(
          object.status.conditions.every(
            (c: any) => typeof c === 'object' && typeof c.type === 'string',
          ),
        ).toBe(true);
      });
    });

    describe('HTTP errors are Kubernetes Status objects', () => {
      it('404 for a missing object, of a built-in kind or a Promise-defined one, and for an unknown path', async () => {
        const promise = await backend.api.get(`${V1}/promises/no-such-promise`);
        expect(promise.status).toBe(404);
        expect(promise.body).toEqual({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'promises.platform.kratix.io "no-such-promise" not found',
          reason: 'NotFound',
          details: {
            name: 'no-such-promise',
            group: 'platform.kratix.io',
            kind: 'promises',
          },
          code: 404,
        });

        const request = await backend.api.get(
          requestPath('Failing', 'default', 'no-such-request'),
        );
        expect(request.status).toBe(404);
        expect(request.body.message).toBe(
          'failings.test.kratix.io "no-such-request" not found',
        );

        const unknown = await backend.api.get(
          '/apis/platform.kratix.io/v1alpha1/gizmos',
        );
        expect(unknown.status).toBe(404);
        expectFailureStatus(unknown.body, 404, 'NotFound');
        expect(unknown.body.message).toBe(
          'the server could not find the requested resource',
        );
      });

      it('400 for a path that cannot be decoded', async () => {
        const res = await backend.api.get(`${V1}/namespaces/%ZZ/works`);
        expect(res.status).toBe(400);
        expectFailureStatus(res.body, 400, 'BadRequest');
        expect(res.body.message).toBe("Failed to decode param '%ZZ'");
      });

      it('405 for writing a Work, which only the engine writes', async () => {
        const work = {
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Work',
          metadata: { name: 'forged', namespace: 'default' },
          spec: { promiseName: 'failing', workloadGroups: [] },
        };
        const post = await backend.api.post(
          `${V1}/namespaces/default/works`,
          work,
        );
        expect(post.status).toBe(405);
        expectFailureStatus(post.body, 405, 'MethodNotAllowed');
        expect(post.body.message).toContain(
          'works.platform.kratix.io are written only by the Kratix engine',
        );

        const apply = await backend.api.apply(JSON.stringify(work));
        expect(apply.status).toBe(405);
        expectFailureStatus(apply.body, 405, 'MethodNotAllowed');

        const del = await backend.api.del(
          `${V1}/namespaces/default/works/forged`,
        );
        expect(del.status).toBe(405);
        expect(await worksIn(backend, 'default')).toEqual([]);
      });

      it('415 for a PATCH that is not a merge patch; nothing changes', async () => {
        const patchAs = (url: string, contentType: string) =>
          backend.api
            .unauthenticated()
            .patch(`/api/kratix${url}`)
            .set('Authorization', mockCredentials.user.header())
            .set('Content-Type', contentType);
        const url = `${V1}/destinations/worker-1`;
        const before = (await backend.api.get(url).expect(200)).body;
        const jsonPatch = await patchAs(
          url,
          'application/json-patch+json',
        ).send(
          JSON.stringify([
            { op: 'add', path: '/metadata/labels/sneaky', value: 'x' },
          ]),
        );
        expect(jsonPatch.status).toBe(415);
        expectFailureStatus(jsonPatch.body, 415, 'UnsupportedMediaType');
        expect(jsonPatch.body.message).toContain(
          'application/merge-patch+json',
        );
        expect(jsonPatch.body.message).toContain(
          '(got application/json-patch+json)',
        );

        const yamlPatch = await patchAs(url, 'application/yaml').send(
          'metadata: {labels: {sneaky: x}}',
        );
        expect(yamlPatch.status).toBe(415);

        const after = (await backend.api.get(url).expect(200)).body;
        expect(after.metadata.resourceVersion).toBe(
          before.metadata.resourceVersion,
        );
        expect(after.metadata.labels).toEqual(before.metadata.labels);
      });

      it('401 without a token or with a bad one', async () => {
        const anonymous = backend.api.unauthenticated();
        const read = await anonymous.get(`/api/kratix${V1}/promises`);
        expect(read.status).toBe(401);
        expectFailureStatus(read.body, 401, 'Unauthorized');

        const write = await anonymous
          .post('/api/kratix/apply')
          .set('Content-Type', 'application/yaml')
          .send(testRequest('Failing', 'default', 'anonymous'));
        expect(write.status).toBe(401);
        expectFailureStatus(write.body, 401, 'Unauthorized');
        expect(
          (
            await backend.api.get(
              requestPath('Failing', 'default', 'anonymous'),
            )
          ).status,
        ).toBe(404);

        const badToken = await anonymous
          .get(`/api/kratix${V1}/promises`)
          .set('Authorization', 'Bearer not-a-token');
        expect(badToken.status).toBe(401);
        expectFailureStatus(badToken.body, 401, 'Unauthorized');
      });
    });
  });

  describe.each(databases.eachSupportedId())(
    'with a short pipeline timeout on %s',
    databaseId => {
      it('stops a hanging pipeline with reason Timeout and leaves no process behind', async () => {
        const knex = await databases.init(databaseId);
        const stateStoreRoot = tempDir('kratix-timeout-');
        const seconds = uniqueSleepSeconds();
        const backend = await startKratixBackend({
          knex,
          stateStoreRoot,
          config: {
            pipelines: {
              timeout: 2,
              images: { [IMAGES.hang]: path.join(FIXTURES, 'hang') },
            },
          },
        });
        try {
          await backend.api
            .apply(
              testPromise(
                'hanging',
                'Hanging',
                IMAGES.hang,
                `[{name: SLEEP_SECONDS, value: "${seconds}"}]`,
              ),
            )
            .expect(200);
          await eventually(
            async () =>
              (
                await backend.api.get(`${V1}/promises/hanging`)
              ).body.status?.status === 'Available',
            'the Promise to be Available',
          );
          const url = requestPath('Hanging', 'hang', 'stuck');
          await backend.api
            .apply(testRequest('Hanging', 'hang', 'stuck'))
            .expect(200);

          await eventually(
            async () => processesMatching(seconds).length > 0,
            'the pipeline to be running',
            10_000,
          );
          const { condition: failed } = await configureVerdict(backend, url);
          expect(failed).toMatchObject({
            status: 'False',
            reason: 'Timeout',
            message: expect.stringContaining(
              'container "main" of pipeline "configure" timed out after 2s',
            ),
          });
          expect(failed.message).toContain(
            'waiting for an API that never answers',
          );
          expect(processesMatching(seconds)).toEqual([]);
          expect(await worksIn(backend, 'hang')).toEqual([]);
          expect(resourceFiles(backend, 'hang')).toEqual([]);
          await backend.api.get(`${V1}/promises`).expect(200);
          expect(backend.logs.filter(l => l.level === 'error')).toEqual([]);
        } finally {
          await backend.stop();
          fs.rmSync(stateStoreRoot, { recursive: true, force: true });
        }
      });
    },
  );
});
