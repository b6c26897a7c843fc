import { tutorialSteps } from './__testUtils__/tutorial';
import {
  KratixTestBackend,
  startKratixBackend,
  tempDir,
} from './__testUtils__/testBackend';
import { kratixTestDatabases } from './__testUtils__/databases';
import { describeWithBwrap } from './pipelines/__testUtils__/sandbox';

jest.setTimeout(120_000);

const databases = kratixTestDatabases();
const D = '/apis/platform.kratix.io/v1alpha1/destinations';

describeWithBwrap('explaining and trying scheduling before it happens', () => {
  let backend: KratixTestBackend;

  beforeAll(async () => {
    backend = await startKratixBackend({
      knex: await databases.init('SQLITE_3'),
      stateStoreRoot: tempDir('kratix-queries-'),
    });
    // Up to the tutorial's pending request: it needs pvCapacity=large.
    for (const step of tutorialSteps.slice(0, 4)) {
      await step.act(backend);
      await step.outcome(backend);
    }
  });
  afterAll(() => backend.stop());

  async function requestWork() {
    const works = await backend.api
      .get(
        '/apis/platform.kratix.io/v1alpha1/namespaces/default/works?labelSelector=kratix.io/resource-name%3Dexample',
      )
      .expect(200);
    expect(works.body.items).toHaveLength(1);
    return works.body.items[0].metadata.name as string;
  }

  it('says per destination what is missing and which source asked for it', async () => {
    const work = await requestWork();
    const res = await backend.api
      .get(`/explain/namespaces/default/works/${work}`)
      .expect(200);
    const [group] = res.body.groups;
    expect(group.placedOn).toEqual([]);
    expect(group.explanation.requirements).toEqual([
      { key: 'environment', value: 'dev', source: 'promise' },
      { key: 'pvCapacity', value: 'large', source: 'resource-workflow' },
    ]);
    expect(group.explanation.destinations).toEqual([
      expect.objectContaining({
        name: 'worker-1',
        matches: false,
        missing: [{ key: 'pvCapacity', value: 'large' }],
        conflicting: [],
      }),
    ]);
    expect(group.explanation.summary).toContain(
      'worker-1 lacks pvCapacity=large',
    );
  });

  it('shows that adding pvCapacity=large to worker-1 would place the request, and changes nothing', async () => {
    const before = (await backend.api.get(`${D}/worker-1`)).body;
    const res = await backend.api
      .post('/whatif/destinations/worker-1', {
        labels: { environment: 'dev', pvCapacity: 'large' },
      })
      .expect(200);
    expect(res.body.changes).toEqual([
      expect.objectContaining({
        namespace: 'default',
        promiseName: 'elastic-cloud',
        resourceName: 'example',
        change: 'schedule',
        destinations: [],
      }),
    ]);

    const dropping = await backend.api
      .post('/whatif/destinations/worker-1', { labels: {} })
      .expect(200);
    // The Promise's dependencies, placed on worker-1 for environment=dev.
    expect(dropping.body.changes).toEqual([
      expect.objectContaining({
        namespace: 'kratix-platform-system',
        promiseName: 'elastic-cloud',
        change: 'misplace',
        destinations: ['worker-1'],
      }),
    ]);

    const after = (await backend.api.get(`${D}/worker-1`)).body;
    expect(after.metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
  });

  it('answers bad questions with a Status', async () => {
    const invalid = await backend.api.post('/whatif/destinations/worker-1', {
      labels: { 'bad key!': 'x' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ kind: 'Status', reason: 'Invalid' });
    const shapeless = await backend.api.post('/whatif/destinations/worker-1', {
      labels: ['a'],
    });
    expect(shapeless.body).toMatchObject({ code: 400, reason: 'BadRequest' });
    const missing = await backend.api.post('/whatif/destinations/nowhere', {
      labels: {},
    });
    expect(missing.body).toMatchObject({ code: 404, reason: 'NotFound' });
    const noWork = await backend.api.get(
      '/explain/namespaces/default/works/nothing',
    );
    expect(noWork.body).toMatchObject({ code: 404, reason: 'NotFound' });
  });
});
