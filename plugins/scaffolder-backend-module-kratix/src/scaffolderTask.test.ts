import path from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleTemplateKind from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import request from 'supertest';
// The Kratix backend's own test Git server: real `git http-backend` behind basic auth.
// eslint-disable-next-line @backstage/no-forbidden-package-imports, @backstage/no-mixed-plugin-imports
import { TestGitHttpServer } from '@kratix-backstage/plugin-kratix-backend/src/statestores/__testUtils__/gitHttpServer';
// eslint-disable-next-line @backstage/no-forbidden-package-imports, @backstage/no-mixed-plugin-imports
import { BareRepos } from '@kratix-backstage/plugin-kratix-backend/src/statestores/__testUtils__/gitRepos';
import { parse } from 'yaml';
import {
  EXAMPLES,
  KratixTestBackend,
  readExample,
  startKratixBackend,
} from './__testUtils__/kratixBackend';
import { catalogModuleKratixTemplates, scaffolderModuleKratix } from './module';

jest.setTimeout(90_000);

const USER = 'user:default/developer';
const auth = mockCredentials.user.header(USER);
const TEMPLATE = 'template:default/kratix-request-elastic-cloud';

async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await check().catch(e => e);
    if (last && !(last instanceof Error)) return last as T;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
}

/**
 * The portal's path end to end: the Promise's generated Template reaches
 * the catalog through the provider, and the scaffolder runs it as a real
 * task with the initiator's token.
 */
describe('the generated template in a real scaffolder', () => {
  let kratix: KratixTestBackend;
  let git: TestGitHttpServer;
  let repos: BareRepos;
  const agent = () => request(kratix.server);

  beforeAll(async () => {
    repos = new BareRepos();
    repos.create('platform-requests');
    git = await TestGitHttpServer.start({
      projectRoot: repos.root,
      username: 'gitops',
      password: 'gitops-secret',
    });
    kratix = await startKratixBackend({
      config: {
        catalog: {
          locations: [
            {
              type: 'file',
              target: path.join(EXAMPLES, 'templates/elastic-cloud.yaml'),
              rules: [{ allow: ['Template'] }],
            },
          ],
        },
        kratix: {
          scaffolder: {
            gitopsRepositories: [
              {
                name: 'platform',
                url: git.url('platform-requests'),
                path: 'requests',
                username: 'gitops',
                password: 'gitops-secret',
              },
            ],
          },
        },
      },
      features: [
        catalogPlugin,
        catalogModuleTemplateKind,
        catalogModuleKratixTemplates,
        scaffolderPlugin,
        scaffolderModuleKratix,
      ],
    });
  });
  afterAll(async () => {
    await kratix?.stop();
    await git?.stop();
    repos?.remove();
  });
  beforeEach(() => kratix.policy.denied.clear());

  async function template() {
    const res = await agent()
      .get(
        '/api/catalog/entities/by-name/template/default/kratix-request-elastic-cloud',
      )
      .set('Authorization', auth);
    return res.status === 200 ? res.body : undefined;
  }

  async function runTask(
    values: Record<string, unknown>,
    templateRef = TEMPLATE,
  ) {
    const created = await agent()
      .post('/api/scaffolder/v2/tasks')
      .set('Authorization', auth)
      .send({ templateRef, values });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const task = await eventually(async () => {
      const res = await agent()
        .get(`/api/scaffolder/v2/tasks/${id}`)
        .set('Authorization', auth);
      return ['completed', 'failed'].includes(res.body.status) && res.body;
    }, `task ${id}`);
    const events = await agent()
      .get(`/api/scaffolder/v2/tasks/${id}/events`)
      .set('Authorization', auth);
    return {
      task,
      log: (events.body as any[])
        .map(e => e.body?.message)
        .filter(Boolean)
        .join('\n'),
    };
  }

  it("appears when the Promise is installed, and requests through a real task with the initiator's token", async () => {
    expect(await template()).toBeUndefined();
    await kratix.objects.apply(readExample('elastic-cloud/promise.yaml'), {
      credentials: mockCredentials.user(USER),
    });
    const entity = await eventually(template, 'the generated template', 30_000);
    expect(entity.spec.steps[0].action).toBe('kratix:resource:request');

    // The template's form, checked by the scaffolder as the portal shows it.
    const params = await agent()
      .get(
        '/api/scaffolder/v2/templates/default/template/kratix-request-elastic-cloud/parameter-schema',
      )
      .set('Authorization', auth);
    expect(params.status).toBe(200);
    expect(
      params.body.steps[1].schema.properties.spec.properties
        .enableDataCollection,
    ).toMatchObject({ type: 'boolean', 'ui:widget': 'checkbox' });

    // A dry run through the scaffolder requests nothing.
    const dry = await agent()
      .post('/api/scaffolder/v2/dry-run')
      .set('Authorization', auth)
      .send({
        template: entity,
        values: {
          name: 'dry',
          namespace: 'default',
          spec: { enableDataCollection: true },
        },
        directoryContents: [],
      });
    expect(dry.status).toBe(200);
    const dryLog = (dry.body.log as any[]).map(l => l.body?.message).join('\n');
    expect(dryLog).toContain(
      'Would request elastic-cloud default/dry from elastic-cloud',
    );
    expect(dry.body.output).toMatchObject({
      links: [
        {
          title: 'Where it runs, or why not yet',
          url: '/kratix/resources/marketplace.kratix.io/v1alpha1/elastic-clouds/default/dry',
        },
      ],
      text: [
        {
          content: expect.stringContaining(
            'elastic-cloud `default/dry` requested',
          ),
        },
      ],
    });
    await expect(
      kratix.objects.get(
        {
          apiVersion: 'marketplace.kratix.io/v1alpha1',
          kind: 'elastic-cloud',
          namespace: 'default',
          name: 'dry',
        },
        { credentials: mockCredentials.user(USER) },
      ),
    ).rejects.toThrow(/not found/i);

    const { task, log } = await runTask({
      name: 'example',
      namespace: 'default',
      spec: { enableDataCollection: true },
    });
    expect({ status: task.status, log }).toMatchObject({ status: 'completed' });
    const created = await kratix.objects.get(
      {
        apiVersion: 'marketplace.kratix.io/v1alpha1',
        kind: 'elastic-cloud',
        namespace: 'default',
        name: 'example',
      },
      { credentials: mockCredentials.user(USER) },
    );
    // Typed as the schema says: a boolean, not the string "true".
    expect(created.spec).toEqual({ enableDataCollection: true });
    expect(JSON.stringify(created.metadata.annotations)).toContain(USER);
  });

  it('fails a task the policy denies, naming the permission, and requests nothing', async () => {
    await eventually(template, 'the generated template');
    kratix.policy.denied.add('kratix.promise.request');
    const { task, log } = await runTask({
      name: 'denied',
      namespace: 'default',
      spec: {},
    });
    expect(task.status).toBe('failed');
    expect(log).toMatch(
      /Requesting elastic-cloud default\/denied failed: Forbidden \(403\): .*user:default\/developer.*\[permission kratix\.promise\.request\]/,
    );
    await expect(
      kratix.objects.get(
        {
          apiVersion: 'marketplace.kratix.io/v1alpha1',
          kind: 'elastic-cloud',
          namespace: 'default',
          name: 'denied',
        },
        { credentials: mockCredentials.user(USER) },
      ),
    ).rejects.toThrow(/not found/i);
  });

  it('runs the hand-written example template in gitops mode: one commit to the repository over HTTP', async () => {
    await eventually(template, 'the generated template');
    const { task, log } = await runTask(
      {
        name: 'team-stack',
        team: 'team-a',
        enableDataCollection: true,
        delivery: 'gitops',
      },
      'template:default/elastic-cloud-for-my-team',
    );
    expect({ status: task.status, log }).toMatchObject({ status: 'completed' });
    const files = repos.files('platform-requests');
    expect(
      parse(files['requests/team-a/elastic-cloud/team-stack.yaml']),
    ).toEqual({
      apiVersion: 'marketplace.kratix.io/v1alpha1',
      kind: 'elastic-cloud',
      metadata: { name: 'team-stack', namespace: 'team-a' },
      spec: { enableDataCollection: true },
    });
    expect(repos.log('platform-requests')).toEqual([
      {
        subject: `Request elastic-cloud team-a/team-stack (elastic-cloud) for ${USER}`,
        author: 'backstage <>',
      },
    ]);
  });

  it('removes the template when the Promise is deleted', async () => {
    await eventually(template, 'the generated template');
    await kratix.objects.delete(
      {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Promise',
        name: 'elastic-cloud',
      },
      { credentials: mockCredentials.user(USER) },
    );
    await eventually(
      async () => !(await template()),
      'the template to go',
      60_000,
    );
    expect(await template()).toBeUndefined();
  });
});
