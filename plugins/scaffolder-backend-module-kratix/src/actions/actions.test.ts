import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonValue } from '@backstage/types';
import {
  KRATIX_API_VERSION,
  kratixPromiseRequestPermission,
  KubeObject,
} from '@kratix-backstage/plugin-kratix-common';
import {
  KratixNotFoundError,
  kratixPromiseConditions,
} from '@kratix-backstage/plugin-kratix-node';
// The Kratix backend's own test Git server: real `git http-backend` behind basic auth.
// eslint-disable-next-line @backstage/no-forbidden-package-imports, @backstage/no-mixed-plugin-imports
import { TestGitHttpServer } from '@kratix-backstage/plugin-kratix-backend/src/statestores/__testUtils__/gitHttpServer';
// eslint-disable-next-line @backstage/no-forbidden-package-imports, @backstage/no-mixed-plugin-imports
import { BareRepos } from '@kratix-backstage/plugin-kratix-backend/src/statestores/__testUtils__/gitRepos';
import { parse } from 'yaml';
import {
  KratixTestBackend,
  listFiles,
  readExample,
  startKratixBackend,
} from '../__testUtils__/kratixBackend';
import { GitopsRepository } from '../gitops/gitCommit';
import { createDestinationLabelAction } from './destinationLabel';
import { createResourceRequestAction } from './resourceRequest';
import { createResourceWaitAction } from './resourceWait';

jest.setTimeout(60_000);

const user = mockCredentials.user('user:default/developer');
const ELASTIC = {
  apiVersion: 'marketplace.kratix.io/v1alpha1',
  kind: 'elastic-cloud',
};
const WORKER_1 = {
  apiVersion: KRATIX_API_VERSION,
  kind: 'Destination',
  name: 'worker-1',
};

/**
 * A context as the scaffolder gives one: the initiator's credentials, and
 * checkpoints kept per task so a second run of the same task replays them
 * as a recovered task does.
 */
const checkpoints = new Map<string, Map<string, JsonValue | void>>();
function context(
  input: Record<string, unknown>,
  options: { taskId?: string; isDryRun?: boolean } = {},
) {
  const taskId = options.taskId ?? `task-${Math.random()}`;
  const stored = checkpoints.get(taskId) ?? new Map();
  checkpoints.set(taskId, stored);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-action-'));
  const ctx = createMockActionContext({
    input: input as any,
    task: { id: taskId },
    workspacePath: tmp,
  });
  return {
    ...ctx,
    isDryRun: options.isDryRun,
    getInitiatorCredentials: async () => user,
    async checkpoint<T extends JsonValue | void>(opts: {
      key: string;
      fn: () => Promise<T> | T;
    }): Promise<T> {
      if (stored.has(opts.key)) return stored.get(opts.key) as T;
      const value = await opts.fn();
      stored.set(opts.key, value);
      return value;
    },
    outputs(): Record<string, any> {
      return Object.fromEntries(
        (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
      );
    },
  };
}

describe('Kratix scaffolder actions against the real engine', () => {
  let kratix: KratixTestBackend;
  let git: TestGitHttpServer;
  let repos: BareRepos;
  let gitopsRepositories: Map<string, GitopsRepository>;

  beforeAll(async () => {
    repos = new BareRepos();
    repos.create('requests');
    git = await TestGitHttpServer.start({
      projectRoot: repos.root,
      username: 'gitops',
      password: 'gitops-secret',
    });
    gitopsRepositories = new Map([
      [
        'platform',
        {
          name: 'platform',
          url: git.url('requests'),
          branch: 'main',
          path: 'requests',
          username: 'gitops',
          password: 'gitops-secret',
          author: { name: 'backstage', email: 'backstage@example.org' },
        },
      ],
    ]);
    kratix = await startKratixBackend();
    await kratix.objects.apply(readExample('elastic-cloud/promise.yaml'), {
      credentials: user,
    });
  });

  afterAll(async () => {
    await kratix?.stop();
    await git?.stop();
    repos?.remove();
  });

  beforeEach(() => {
    kratix.policy.denied.clear();
    kratix.policy.conditional.clear();
  });

  const actions = () => ({
    request: createResourceRequestAction({
      objects: kratix.objects,
      gitopsRepositories,
    }),
    wait: createResourceWaitAction({ objects: kratix.objects }),
    label: createDestinationLabelAction({ objects: kratix.objects }),
  });

  const get = (name: string, namespace = 'default') =>
    kratix.objects.get({ ...ELASTIC, name, namespace }, { credentials: user });

  it('kratix:destination:label refuses what the initiator may not change, and changes nothing', async () => {
    kratix.policy.denied.add('kratix.destination.label');
    const ctx = context({
      destination: 'worker-1',
      labels: { environment: 'dev' },
    });
    await expect(actions().label.handler(ctx as any)).rejects.toThrow(
      /Labelling Destination "worker-1" failed: Forbidden \(403\): .*not allowed.*\[permission kratix\.destination\.label\]/,
    );
    const worker = await kratix.objects.get(WORKER_1, { credentials: user });
    expect(worker.metadata.labels ?? {}).toEqual({});
  });

  it('kratix:destination:label in a dry run shows the labels it would set, setting none', async () => {
    const ctx = context(
      { destination: 'worker-1', labels: { environment: 'dev' }, remove: [] },
      { isDryRun: true },
    );
    await actions().label.handler(ctx as any);
    expect(ctx.outputs().labels).toEqual({ environment: 'dev' });
    const worker = await kratix.objects.get(WORKER_1, { credentials: user });
    expect(worker.metadata.labels ?? {}).toEqual({});
  });

  it('kratix:resource:request waits, and times out saying what the request needs', async () => {
    const ctx = context({
      promise: 'elastic-cloud',
      namespace: 'default',
      name: 'too-early',
      spec: { enableDataCollection: true },
      mode: 'direct',
      waitForScheduling: true,
      timeoutSeconds: 3,
    });
    await expect(actions().request.handler(ctx as any)).rejects.toThrow(
      /elastic-cloud default\/too-early was not scheduled within 3 s: Pending: needs environment=dev, pvCapacity=large/,
    );
    // Requested all the same: waiting is not requesting.
    expect((await get('too-early')).spec).toEqual({
      enableDataCollection: true,
    });
  });

  it('kratix:resource:request refuses a request the initiator may not make, and creates nothing', async () => {
    kratix.policy.denied.add('kratix.promise.request');
    const ctx = context({
      promise: 'elastic-cloud',
      namespace: 'default',
      name: 'denied',
      spec: {},
      mode: 'direct',
      waitForScheduling: false,
      timeoutSeconds: 5,
    });
    await expect(actions().request.handler(ctx as any)).rejects.toThrow(
      /Requesting elastic-cloud default\/denied failed: Forbidden \(403\): .*\[permission kratix\.promise\.request\]/,
    );
    await expect(get('denied')).rejects.toBeInstanceOf(KratixNotFoundError);
  });

  it('kratix:resource:request follows a policy that allows requests per Promise', async () => {
    const only = (names: string[]) =>
      kratixPromiseConditions.createConditionalDecision(
        kratixPromiseRequestPermission,
        kratixPromiseConditions.conditions.hasName({ names }),
      );
    const input = {
      promise: 'elastic-cloud',
      namespace: 'default',
      name: 'per-promise',
      spec: {},
      mode: 'direct',
      waitForScheduling: false,
      timeoutSeconds: 5,
    };
    kratix.policy.conditional.set('kratix.promise.request', only(['redis']));
    await expect(
      actions().request.handler(context(input) as any),
    ).rejects.toThrow(
      /Forbidden \(403\).*\[permission kratix\.promise\.request\]/,
    );
    await expect(get('per-promise')).rejects.toBeInstanceOf(
      KratixNotFoundError,
    );

    kratix.policy.conditional.set(
      'kratix.promise.request',
      only(['redis', 'elastic-cloud']),
    );
    await actions().request.handler(context(input) as any);
    expect((await get('per-promise')).metadata.name).toBe('per-promise');
  });

  it('kratix:resource:request in a dry run requests nothing', async () => {
    const ctx = context(
      {
        promise: 'elastic-cloud',
        namespace: 'default',
        name: 'dry',
        spec: { enableDataCollection: true },
        mode: 'direct',
        waitForScheduling: true,
        timeoutSeconds: 5,
      },
      { isDryRun: true },
    );
    await actions().request.handler(ctx as any);
    expect(ctx.outputs()).toMatchObject({
      ref: 'marketplace.kratix.io/v1alpha1/elastic-cloud/default/dry',
      destinations: [],
      scheduled: false,
    });
    await expect(get('dry')).rejects.toBeInstanceOf(KratixNotFoundError);
  });

  it('kratix:resource:request names a Promise that does not exist', async () => {
    const ctx = context({
      promise: 'no-such-promise',
      namespace: 'default',
      name: 'x',
      spec: {},
      mode: 'direct',
      waitForScheduling: false,
      timeoutSeconds: 5,
    });
    await expect(actions().request.handler(ctx as any)).rejects.toThrow(
      /Reading Promise "no-such-promise" failed: NotFound \(404\)/,
    );
  });

  it('labels worker-1, requests with enableDataCollection, waits until scheduled, and reports destinations and files', async () => {
    const label = context({
      destination: 'worker-1',
      labels: { environment: 'dev', pvCapacity: 'large' },
      remove: [],
    });
    await actions().label.handler(label as any);
    expect(label.outputs().labels).toEqual({
      environment: 'dev',
      pvCapacity: 'large',
    });

    const request = context(
      {
        promise: 'elastic-cloud',
        namespace: 'default',
        name: 'example',
        spec: { enableDataCollection: true },
        mode: 'direct',
        waitForScheduling: true,
        timeoutSeconds: 30,
      },
      { taskId: 'task-example' },
    );
    await actions().request.handler(request as any);
    const out = request.outputs();
    const files = [
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats.yaml',
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/elasticsearch.yaml',
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/kibana.yaml',
    ];
    expect(out).toMatchObject({
      promise: 'elastic-cloud',
      apiVersion: 'marketplace.kratix.io/v1alpha1',
      kind: 'elastic-cloud',
      namespace: 'default',
      name: 'example',
      ref: 'marketplace.kratix.io/v1alpha1/elastic-cloud/default/example',
      destinations: ['worker-1'],
      schedulingMessage: 'Scheduled on worker-1',
      scheduled: true,
      pagePath:
        '/kratix/resources/marketplace.kratix.io/v1alpha1/elastic-clouds/default/example',
    });
    expect(out.stateStorePaths).toHaveLength(1);
    expect(out.stateStorePaths[0].destination).toBe('worker-1');
    expect(
      out.stateStorePaths[0].files.map((f: string) =>
        f.replace(/\/[0-9a-f]{5}\//, '/5058f/'),
      ),
    ).toEqual(files);
    // The paths are where the files really are in the state store.
    const onDisk = listFiles(kratix.stateStoreRoot);
    for (const f of out.stateStorePaths[0].files) expect(onDisk).toContain(f);

    // kratix:resource:wait on the reference finds it scheduled at once.
    const wait = context({
      promise: 'elastic-cloud',
      ref: out.ref,
      timeoutSeconds: 10,
    });
    await actions().wait.handler(wait as any);
    expect(wait.outputs()).toMatchObject({
      destinations: ['worker-1'],
      scheduled: true,
      pagePath:
        '/kratix/resources/marketplace.kratix.io/v1alpha1/elastic-clouds/default/example',
    });

    // The same task run again, as a recovered task is, requests nothing twice.
    const before = (await get('example')).metadata.resourceVersion;
    const again = context(
      {
        promise: 'elastic-cloud',
        namespace: 'default',
        name: 'example',
        spec: { enableDataCollection: true },
        mode: 'direct',
        waitForScheduling: false,
        timeoutSeconds: 30,
      },
      { taskId: 'task-example' },
    );
    await actions().request.handler(again as any);
    expect((await get('example')).metadata.resourceVersion).toBe(before);
    // Another task asking for the same name is told it exists.
    const other = context({
      promise: 'elastic-cloud',
      namespace: 'default',
      name: 'example',
      spec: {},
      mode: 'direct',
      waitForScheduling: false,
      timeoutSeconds: 30,
    });
    await expect(actions().request.handler(other as any)).rejects.toThrow(
      /Requesting elastic-cloud default\/example failed: AlreadyExists \(409\)/,
    );
  });

  it('kratix:resource:wait refuses a malformed reference', async () => {
    const ctx = context({
      promise: 'elastic-cloud',
      ref: 'default/example',
      timeoutSeconds: 1,
    });
    await expect(actions().wait.handler(ctx as any)).rejects.toThrow(
      /"default\/example" is not a resource reference/,
    );
  });

  it('kratix:resource:wait refuses a reference of another kind than the Promise offers', async () => {
    const ctx = context({
      promise: 'elastic-cloud',
      ref: 'marketplace.kratix.io/v1alpha1/redis/default/example',
      timeoutSeconds: 1,
    });
    await expect(actions().wait.handler(ctx as any)).rejects.toThrow(
      'redis default/example is not a resource of Promise "elastic-cloud", whose kind is elastic-cloud',
    );
  });

  describe('mode gitops', () => {
    const input = {
      promise: 'elastic-cloud',
      namespace: 'team-a',
      name: 'from-git',
      spec: { enableDataCollection: true },
      mode: 'gitops',
      gitops: { repository: 'platform' },
      waitForScheduling: false,
      timeoutSeconds: 5,
    };

    it('commits the request manifest to the repository over HTTP, once', async () => {
      const ctx = context(input, { taskId: 'task-git' });
      await actions().request.handler(ctx as any);
      const out = ctx.outputs();
      expect(out.manifestPath).toBe(
        'requests/team-a/elastic-cloud/from-git.yaml',
      );
      const files = repos.files('requests');
      const manifest: KubeObject = parse(files[out.manifestPath]);
      expect(manifest).toEqual({
        apiVersion: 'marketplace.kratix.io/v1alpha1',
        kind: 'elastic-cloud',
        metadata: { name: 'from-git', namespace: 'team-a' },
        spec: { enableDataCollection: true },
      });
      const log = repos.log('requests');
      expect(log).toHaveLength(1);
      expect(log[0]).toEqual({
        subject: 'Request elastic-cloud team-a/from-git (elastic-cloud)',
        author: 'backstage <backstage@example.org>',
      });
      expect(out.commit).toBe(
        execFileSync('git', ['rev-parse', 'main'], {
          cwd: path.join(repos.root, 'requests.git'),
          encoding: 'utf8',
        }).trim(),
      );
      // Not created in the engine: applying the repository is GitOps tooling's job.
      await expect(get('from-git', 'team-a')).rejects.toBeInstanceOf(
        KratixNotFoundError,
      );

      // A new task with the same request finds it committed: no second commit.
      await actions().request.handler(context(input) as any);
      expect(repos.log('requests')).toHaveLength(1);
      // One with other values is refused rather than replacing someone's request.
      await expect(
        actions().request.handler(
          context({ ...input, spec: { enableDataCollection: false } }) as any,
        ),
      ).rejects.toThrow(
        'Committing elastic-cloud team-a/from-git to repository platform failed: requests/team-a/elastic-cloud/from-git.yaml is already in the repository (branch main) with other content: change it there',
      );
      expect(repos.log('requests')).toHaveLength(1);
    });

    it('commits nothing in a dry run', async () => {
      const pushes = git.pushes;
      const ctx = context({ ...input, name: 'dry-git' }, { isDryRun: true });
      await actions().request.handler(ctx as any);
      expect(ctx.outputs().manifestPath).toBe(
        'requests/team-a/elastic-cloud/dry-git.yaml',
      );
      expect(git.pushes).toBe(pushes);
      expect(Object.keys(repos.files('requests'))).not.toContain(
        'requests/team-a/elastic-cloud/dry-git.yaml',
      );
    });

    it('names the configured repositories when the template names another', async () => {
      const ctx = context({ ...input, gitops: { repository: 'elsewhere' } });
      await expect(actions().request.handler(ctx as any)).rejects.toThrow(
        'mode gitops needs gitops.repository naming one of kratix.scaffolder.gitopsRepositories (platform), not "elsewhere"',
      );
    });

    it('keeps manifests inside the repository', async () => {
      const ctx = context({
        ...input,
        gitops: { repository: 'platform', file: '../escape.yaml' },
      });
      await expect(actions().request.handler(ctx as any)).rejects.toThrow(
        'gitops.file "../escape.yaml" must be a relative path inside the repository',
      );
    });

    it("fails with git's reason, without the password, when the server refuses the credentials", async () => {
      const wrong = new Map([
        [
          'platform',
          {
            ...gitopsRepositories.get('platform')!,
            password: 'wrong-password',
          },
        ],
      ]);
      const action = createResourceRequestAction({
        objects: kratix.objects,
        gitopsRepositories: wrong,
      });
      const failure = action
        .handler(context({ ...input, name: 'bad-auth' }) as any)
        .catch(e => e as Error);
      const error = await failure;
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /Committing elastic-cloud team-a\/bad-auth to repository platform failed: git fetch failed: the server refused the credentials configured for http:\/\/127\.0\.0\.1:\d+\/requests\.git/,
      );
      expect((error as Error).message).not.toContain('wrong-password');
    });
  });
});
