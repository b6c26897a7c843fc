import { TestDatabases } from '@backstage/backend-test-utils';
import { PipelineObject } from '@kratix-backstage/plugin-kratix-common';
import { initDatabase } from '../store/__testUtils__/databases';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { POD_KIND } from '../admission/kinds';
import { PipelineRuns, RunTarget } from './pipelineRuns';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const target: RunTarget = {
  type: 'resource',
  promiseName: 'echo',
  object: {
    apiVersion: 'example.org/v1',
    kind: 'Echo',
    metadata: { name: 'one', namespace: 'default' },
  },
};

const pipeline = {
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'instance-configure' },
  spec: { containers: [{ name: 'step', image: 'example.org/step:v1' }] },
} as PipelineObject;

describe('PipelineRuns', () => {
  const stores: DatabaseObjectStore[] = [];
  afterEach(() => stores.splice(0).forEach(s => s.feed.stop()));

  async function setup() {
    const store = await DatabaseObjectStore.create({
      database: await initDatabase(databases, 'SQLITE_3'),
    });
    stores.push(store);
    const phaseOf = async (name: string) =>
      (await store.get({ ...POD_KIND, namespace: 'default', name }))?.status;
    return { store, runs: new PipelineRuns(store), phaseOf };
  }

  it('ends a run a stopped replica left Running when the object runs again', async () => {
    const { runs, phaseOf } = await setup();
    const cut = await runs.start(target, pipeline, 'configure');

    const again = await runs.start(target, pipeline, 'configure');

    expect(await phaseOf(cut.metadata.name)).toMatchObject({
      phase: 'Failed',
      reason: 'Aborted',
      message: 'the replica running it stopped during the run',
    });
    expect((await phaseOf(again.metadata.name))?.phase).toBe('Running');
  });

  it('at startup, ends only the runs no replica is reconciling', async () => {
    const { runs, phaseOf } = await setup();
    const other = { ...target, object: { ...target.object } };
    other.object.metadata = { name: 'two', namespace: 'default' };
    const dead = await runs.start(target, pipeline, 'configure');
    const live = await runs.start(other, pipeline, 'configure');
    const asked: unknown[] = [];

    await runs.failInterrupted(async owner => {
      asked.push(owner);
      return owner.resourceName === 'two';
    });

    expect((await phaseOf(dead.metadata.name))?.phase).toBe('Failed');
    expect((await phaseOf(live.metadata.name))?.phase).toBe('Running');
    expect(asked).toContainEqual({
      type: 'resource',
      promiseName: 'echo',
      namespace: 'default',
      resourceName: 'one',
    });
  });
});
