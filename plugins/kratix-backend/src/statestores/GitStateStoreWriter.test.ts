import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { GitStateStoreWriterFactory, repositoryUrlKind } from './GitStateStore';
import { ConfigSecrets } from './secrets';
import { BareRepos } from './__testUtils__/gitRepos';
import { TestGitHttpServer } from './__testUtils__/gitHttpServer';
import { TestSshServer } from './__testUtils__/sshServer';

jest.setTimeout(60_000);

const USER = 'kratix-bot';
const PASSWORD = 'git-http-password-123';

interface Transport {
  name: string;
  start(repos: BareRepos): Promise<void>;
  url(repo: string): string;
  authMethod: 'basicAuth' | 'ssh';
  secrets(): ConfigSecrets;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function httpTransport(): Transport {
  let server: TestGitHttpServer;
  return {
    name: 'HTTP with basic auth (git http-backend)',
    authMethod: 'basicAuth',
    async start(repos) {
      server = await TestGitHttpServer.start({
        projectRoot: repos.root,
        username: USER,
        password: PASSWORD,
      });
    },
    url: repo => server.url(repo),
    secrets: () =>
      new ConfigSecrets([
        {
          name: 'git-credentials',
          namespace: 'default',
          data: { username: USER, password: PASSWORD },
        },
      ]),
    pause: () => server.pause(),
    resume: () => server.resume(),
    stop: () => server?.stop(),
  };
}

function sshTransport(): Transport {
  let server: TestSshServer;
  let root: string;
  return {
    name: 'SSH (sshd)',
    authMethod: 'ssh',
    async start(repos) {
      root = repos.root;
      server = await TestSshServer.start();
    },
    url: repo => server.url(path.join(root, `${repo}.git`)),
    secrets: () =>
      new ConfigSecrets([
        {
          name: 'git-credentials',
          namespace: 'default',
          data: {
            sshPrivateKey: server.clientPrivateKey,
            knownHosts: server.knownHosts,
          },
        },
      ]),
    pause: () => server.pause(),
    resume: () => server.resume(),
    stop: () => server?.stop(),
  };
}

describe.each([httpTransport(), sshTransport()])(
  'GitStateStoreWriter over $name',
  transport => {
    const repos = new BareRepos();
    let cacheDir: string;
    let factory: GitStateStoreWriterFactory;
    let counter = 0;

    beforeAll(async () => {
      await transport.start(repos);
      cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-git-cache-'));
      factory = new GitStateStoreWriterFactory({
        secrets: transport.secrets(),
        cacheDir,
      });
    });
    afterAll(async () => {
      await transport.stop();
      repos.remove();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    });

    const gitStore = (
      repo: string,
      spec: Record<string, unknown> = {},
      name = `store-${++counter}`,
    ): KubeObject => ({
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'GitStateStore',
      metadata: { name },
      spec: {
        url: transport.url(repo),
        branch: 'main',
        authMethod: transport.authMethod,
        secretRef: { name: 'git-credentials', namespace: 'default' },
        ...spec,
      },
    });

    const update = (
      writer: StateStoreWriter,
      message: string,
      write: Record<string, string>,
      remove: string[] = [],
    ) =>
      writer.update({
        write: Object.entries(write).map(([p, content]) => ({
          path: p,
          content,
        })),
        remove,
        message,
      });

    it('commits each change once, with its message, below spec.path', async () => {
      repos.create('layout', { files: { 'README.md': 'not ours\n' } });
      const writer = await factory.create(
        gitStore('layout', {
          path: 'clusters',
          gitAuthor: { name: 'kratix', email: 'kratix@example.org' },
        }),
      );
      await update(writer, 'Update from: example.worker-1-5058f', {
        'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/kibana.yaml':
          'kind: Kibana\n',
        'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats.yaml':
          'kind: Beat\n',
      });
      expect(repos.files('layout')).toEqual({
        'README.md': 'not ours\n',
        'clusters/worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats.yaml':
          'kind: Beat\n',
        'clusters/worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/kibana.yaml':
          'kind: Kibana\n',
      });
      expect(repos.log('layout')).toEqual([
        {
          subject: 'Update from: example.worker-1-5058f',
          author: 'kratix <kratix@example.org>',
        },
        { subject: 'seed', author: 'seed <seed@example.org>' },
      ]);
      expect(await writer.list('worker-1')).toEqual([
        'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats.yaml',
        'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/kibana.yaml',
      ]);
      expect(
        await writer.read(
          'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats.yaml',
        ),
      ).toBe('kind: Beat\n');
      expect(await writer.read('worker-1/nothing.yaml')).toBeUndefined();
    });

    it('commits nothing when nothing changed, and removes exactly what it is asked to', async () => {
      repos.create('idempotent');
      const writer = await factory.create(gitStore('idempotent'));
      const files = {
        'w/p1/a.yaml': 'a',
        'w/p1/b.yaml': 'b',
        'w/p2/a.yaml': 'c',
      };
      await update(writer, 'Update from: first', files);
      await update(writer, 'Update from: again', files);
      await update(writer, 'Update from: removal of nothing', {}, [
        'w/none.yaml',
      ]);
      expect(repos.log('idempotent').map(c => c.subject)).toEqual([
        'Update from: first',
      ]);
      await update(writer, 'Delete from: p1', {}, [
        'w/p1/a.yaml',
        'w/p1/b.yaml',
      ]);
      expect(repos.files('idempotent')).toEqual({ 'w/p2/a.yaml': 'c' });
      expect(repos.log('idempotent').map(c => c.subject)).toEqual([
        'Delete from: p1',
        'Update from: first',
      ]);
      // Kratix's default author.
      expect(repos.log('idempotent')[0].author).toBe('kratix <>');
    });

    it('creates the branch in an empty repository', async () => {
      repos.create('empty');
      const writer = await factory.create(gitStore('empty'));
      await update(writer, 'Update from: canary', { 'w/c.yaml': 'c' });
      expect(repos.files('empty')).toEqual({ 'w/c.yaml': 'c' });
    });

    it('applies its change again on top when someone else pushed first', async () => {
      repos.create('moved', { files: { 'seed.yaml': 'seed' } });
      const writer = await factory.create(gitStore('moved', {}, 'moved-store'));
      await update(writer, 'Update from: one', { 'w/one.yaml': '1' });
      repos.commitElsewhere('moved', 'elsewhere/x.yaml', 'x');
      await update(writer, 'Update from: two', { 'w/two.yaml': '2' });
      expect(repos.files('moved')).toEqual({
        'seed.yaml': 'seed',
        'elsewhere/x.yaml': 'x',
        'w/one.yaml': '1',
        'w/two.yaml': '2',
      });
      expect(repos.log('moved').map(c => c.subject)).toEqual([
        'Update from: two',
        'other: elsewhere/x.yaml',
        'Update from: one',
        'seed',
      ]);
    });

    it('lets two destinations on two stores write to one repository at once', async () => {
      repos.create('shared', { files: { 'seed.yaml': 'seed' } });
      // Fetching only when a push is refused makes every race end in one.
      const lazy = new GitStateStoreWriterFactory({
        secrets: transport.secrets(),
        cacheDir,
        minimumFetchIntervalMs: 60_000,
      });
      const a = await lazy.create(gitStore('shared', {}, 'store-a'));
      const b = await lazy.create(gitStore('shared', {}, 'store-b'));
      const writes = (writer: StateStoreWriter, dest: string) =>
        (async () => {
          for (let i = 0; i < 5; i++) {
            await update(writer, `Update from: ${dest}-${i}`, {
              [`${dest}/${i}.yaml`]: `${dest} ${i}`,
            });
          }
        })();
      await Promise.all([writes(a, 'worker-a'), writes(b, 'worker-b')]);
      const files = repos.files('shared');
      expect(Object.keys(files).sort()).toEqual([
        'seed.yaml',
        ...[0, 1, 2, 3, 4].map(i => `worker-a/${i}.yaml`),
        ...[0, 1, 2, 3, 4].map(i => `worker-b/${i}.yaml`),
      ]);
      const subjects = repos.log('shared').map(c => c.subject);
      expect(subjects).toHaveLength(11);
      expect(new Set(subjects).size).toBe(11);
    });

    it('survives the server going away with a change pending, and writes it exactly once when back', async () => {
      repos.create('outage', { files: { 'seed.yaml': 'seed' } });
      const writer = await factory.create(gitStore('outage', {}, 'outage'));
      await update(writer, 'Update from: before', { 'w/before.yaml': 'b' });
      await transport.pause();
      try {
        await expect(
          update(writer, 'Update from: during', { 'w/during.yaml': 'd' }, [
            'w/before.yaml',
          ]),
        ).rejects.toThrow(/^repository .*outage\.git \(branch main\): git /);
      } finally {
        await transport.resume();
      }
      // The engine retries the same change.
      await update(writer, 'Update from: during', { 'w/during.yaml': 'd' }, [
        'w/before.yaml',
      ]);
      await update(writer, 'Update from: during', { 'w/during.yaml': 'd' }, [
        'w/before.yaml',
      ]);
      expect(repos.files('outage')).toEqual({
        'seed.yaml': 'seed',
        'w/during.yaml': 'd',
      });
      expect(repos.log('outage').map(c => c.subject)).toEqual([
        'Update from: during',
        'Update from: before',
        'seed',
      ]);
    });

    it('refuses to write through a symbolic link in the repository', async () => {
      repos.create('links');
      fs.mkdirSync(path.join(repos.root, 'outside'), { recursive: true });
      const writer = await factory.create(gitStore('links'));
      await update(writer, 'Update from: x', { 'w/x.yaml': 'x' });
      // Someone commits a link leading out of the working copy.
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-git-link-'));
      const { execFileSync } = require('node:child_process');
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: work,
          env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
        });
      git('clone', '--quiet', path.join(repos.root, 'links.git'), '.');
      fs.symlinkSync(path.join(repos.root, 'outside'), path.join(work, 'evil'));
      git('add', '--all');
      git(
        '-c',
        'user.name=x',
        '-c',
        'user.email=x@x',
        'commit',
        '--quiet',
        '-m',
        'link',
      );
      git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      fs.rmSync(work, { recursive: true, force: true });

      await expect(
        update(writer, 'Update from: y', { 'evil/escape.yaml': 'y' }),
      ).rejects.toThrow(/"evil" is a symbolic link/);
      expect(fs.readdirSync(path.join(repos.root, 'outside'))).toEqual([]);
    });
  },
);

describe('GitStateStoreWriterFactory', () => {
  const factory = new GitStateStoreWriterFactory({
    secrets: new ConfigSecrets([
      { name: 'git', data: { username: 'u' } },
      { name: 'ssh', data: { sshPrivateKey: 'k' } },
    ]),
  });
  const store = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'GitStateStore',
    metadata: { name: 'g' },
    spec: { secretRef: { name: 'git' }, ...spec },
  });

  it('names the missing key of the secret', async () => {
    await expect(
      factory.create(store({ url: 'https://example.org/r.git' })),
    ).rejects.toThrow(
      'GitStateStore "g": secret "default/git" is missing key: password',
    );
    await expect(
      factory.create(
        store({
          url: 'ssh://git@example.org/r.git',
          authMethod: 'ssh',
          secretRef: { name: 'ssh' },
        }),
      ),
    ).rejects.toThrow('secret "default/ssh" is missing key: knownHosts');
    await expect(
      factory.create(
        store({
          url: 'https://example.org/r.git',
          secretRef: { name: 'x', namespace: 'team' },
        }),
      ),
    ).rejects.toThrow('secret "team/x" not found');
  });

  it.each([
    ['https://example.org/r.git', 'http'],
    ['http://127.0.0.1:3000/r.git', 'http'],
    ['ssh://git@example.org:2222/r.git', 'ssh'],
    ['git@github.com:syntasso/kratix.git', 'ssh'],
  ])('accepts the remote URL %s', (url, kind) => {
    expect(repositoryUrlKind(url)).toBe(kind);
  });

  it.each([
    ['/srv/repos/r.git', /not a remote repository URL/],
    ['file:///srv/repos/r.git', /file:\/\/ transport is not allowed/],
    ['ext::sh -c touch% /tmp/x', /not a remote repository URL/],
    ['-uoops', /not a URL/],
    ['./r.git', /not a remote repository URL/],
  ])('refuses %s, which would not leave the backend', async (url, message) => {
    expect(() => repositoryUrlKind(url)).toThrow(message);
    await expect(factory.create(store({ url }))).rejects.toThrow(message);
  });

  it('refuses basicAuth over ssh and ssh over https', async () => {
    await expect(
      factory.create(store({ url: 'git@example.org:r.git' })),
    ).rejects.toThrow(/basicAuth needs an http\(s\) url/);
    await expect(
      factory.create(
        store({ url: 'https://example.org/r.git', authMethod: 'ssh' }),
      ),
    ).rejects.toThrow(/ssh needs an ssh url/);
  });
});

describe('GitStateStore errors', () => {
  it('never show a token written into the URL', async () => {
    const factory = new GitStateStoreWriterFactory({
      secrets: new ConfigSecrets([
        { name: 'git', data: { password: 'pw-1234' } },
      ]),
    });
    const writer = await factory.create({
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'GitStateStore',
      metadata: { name: 'token-in-url' },
      spec: {
        // Nothing listens on port 9 (discard): the fetch fails at once.
        url: 'http://someone:tok-en-5678@127.0.0.1:9/r.git',
        secretRef: { name: 'git' },
      },
    });
    const error: Error = await writer.list('').then(
      () => new Error('listed'),
      e => e,
    );
    expect(error.message).toMatch(
      /^repository http:\/\/someone@127\.0\.0\.1:9\/r\.git \(branch main\): git fetch failed/,
    );
    expect(error.message).not.toContain('tok-en-5678');
    expect(error.message).not.toContain('pw-1234');
  });
});
