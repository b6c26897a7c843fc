import {
  startKratixBackend,
  tempDir,
  KratixTestBackend,
} from './__testUtils__/testBackend';
import { describeWithBwrap } from './pipelines/__testUtils__/sandbox';
import { tutorialSteps } from './__testUtils__/tutorial';
import { kratixTestDatabases } from './__testUtils__/databases';

jest.setTimeout(120_000);

const databases = kratixTestDatabases();
describeWithBwrap(
  'the "Scheduling Promises" tutorial through the HTTP API',
  () => {
    describe.each(databases.eachSupportedId())('on %s', databaseId => {
      it('shows every outcome of the tutorial in one run', async () => {
        expect.hasAssertions();
        const knex = await databases.init(databaseId);
        const backend = await startKratixBackend({
          knex,
          stateStoreRoot: tempDir('kratix-tutorial-'),
        });
        try {
          for (const step of tutorialSteps) {
            await step.act(backend);
            await step.outcome(backend);
          }
        } finally {
          await backend.stop();
        }
      });

      it('reaches the same outcomes when the backend restarts between steps', async () => {
        expect.hasAssertions();
        const knex = await databases.init(databaseId);
        const stateStoreRoot = tempDir('kratix-restart-');
        let backend: KratixTestBackend = await startKratixBackend({
          knex,
          stateStoreRoot,
        });
        try {
          for (const step of tutorialSteps) {
            await step.act(backend);
            // Stop right after acting, before the engine has necessarily
            // finished: the queue in the database must carry the work over.
            await backend.stop();
            backend = await startKratixBackend({ knex, stateStoreRoot });
            await step.outcome(backend);
          }
        } finally {
          await backend.stop();
        }
      });
    });
  },
);
