import { ConfigReader } from '@backstage/config';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { createHash } from 'crypto';
import * as fsSync from 'fs';
import { promises as fs } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import {
  FilesystemStateStoreWriterFactory,
  validateRelativePath,
} from './FilesystemStateStore';
import { PlacementInput, placementFiles } from './layout';

const DEFAULT_GROUP_ID = createHash('md5').update('.').digest('hex');

const stateStore = (name: string, path?: unknown): KubeObject => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'FilesystemStateStore',
  metadata: { name },
  spec: path === undefined ? {} : { path },
});

/** Every entry below `dir` with its content (files) or '/' (directories). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (current: string) => {
    for (const entry of await fs.readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      const key = relative(dir, full);
      if (entry.isDirectory()) {
        result[`${key}/`] = '/';
        await walk(full);
      } else if (entry.isSymbolicLink()) {
        result[key] = `-> ${await fs.readlink(full)}`;
      } else {
        result[key] = await fs.readFile(full, 'utf8');
      }
    }
  };
  await walk(dir);
  return result;
}

describe('FilesystemStateStoreWriterFactory', () => {
  let base: string;
  let rootDir: string;
  let outside: string;
  let factory: FilesystemStateStoreWriterFactory;

  beforeEach(async () => {
    base = await fs.mkdtemp(join(tmpdir(), 'kratix-fs-store-'));
    rootDir = join(base, 'root');
    outside = join(base, 'outside');
    await fs.mkdir(outside);
    factory = new FilesystemStateStoreWriterFactory({ rootDir });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await fs.rm(base, { recursive: true, force: true });
  });

  describe('create', () => {
    it('serves FilesystemStateStore and roots the writer at spec.path', async () => {
      expect(factory.kind).toBe('FilesystemStateStore');
      const writer = await factory.create(stateStore('default', 'clusters/'));
      await writer.update({
        write: [{ path: 'a.yaml', content: 'a' }],
        remove: [],
        message: 'm',
      });
      expect(
        await fs.readFile(join(rootDir, 'clusters', 'a.yaml'), 'utf8'),
      ).toBe('a');
    });

    it.each([undefined, '', '.', './'])(
      'uses the root directory itself for spec.path %j',
      async path => {
        const writer = await factory.create(stateStore('default', path));
        await writer.update({
          write: [{ path: 'a.yaml', content: 'a' }],
          remove: [],
          message: 'm',
        });
        expect(await fs.readFile(join(rootDir, 'a.yaml'), 'utf8')).toBe('a');
      },
    );

    it('accepts .. that stays inside the root', async () => {
      await factory.create(stateStore('x', 'a/../b'));
      expect(fsSync.existsSync(join(rootDir, 'b'))).toBe(true);
      expect(fsSync.existsSync(join(rootDir, 'a'))).toBe(false);
    });

    it('rejects a spec.path that escapes the root', async () => {
      await expect(factory.create(stateStore('x', '../etc'))).rejects.toThrow(
        'FilesystemStateStore "x": spec.path "../etc" escapes the root directory',
      );
      await expect(
        factory.create(stateStore('x', 'a/../../x')),
      ).rejects.toThrow(/escapes the root directory/);
      expect(await fs.readdir(base)).toEqual(['outside']);
    });

    it('rejects an absolute spec.path', async () => {
      await expect(factory.create(stateStore('x', '/etc'))).rejects.toThrow(
        'FilesystemStateStore "x": spec.path "/etc" is absolute; it must be relative to the root directory',
      );
    });

    it('rejects a spec.path that is not a string', async () => {
      await expect(factory.create(stateStore('x', 3))).rejects.toThrow(
        'FilesystemStateStore "x": spec.path must be a string',
      );
    });

    it('rejects a spec.path through a symbolic link that leads out, creating nothing', async () => {
      await fs.mkdir(rootDir);
      await fs.symlink(outside, join(rootDir, 'link'));
      await expect(
        factory.create(stateStore('x', 'link/deeper/store')),
      ).rejects.toThrow(
        'FilesystemStateStore "x": spec.path "link/deeper/store" escapes the root directory',
      );
      await expect(factory.create(stateStore('x', 'link'))).rejects.toThrow(
        /escapes the root directory/,
      );
      expect(await fs.readdir(outside)).toEqual([]);
    });

    it('rejects a spec.path through a dangling link', async () => {
      await fs.mkdir(rootDir);
      await fs.symlink(join(outside, 'nothing'), join(rootDir, 'dangling'));
      await expect(
        factory.create(stateStore('x', 'dangling/store')),
      ).rejects.toThrow(/dangling symbolic link/);
      expect(await fs.readdir(outside)).toEqual([]);
    });

    it('accepts a symbolic link that stays inside the root', async () => {
      await fs.mkdir(join(rootDir, 'real'), { recursive: true });
      await fs.symlink(join(rootDir, 'real'), join(rootDir, 'alias'));
      const writer = await factory.create(stateStore('x', 'alias'));
      expect(await writer.list('')).toEqual([]);
    });

    it('rejects a spec.path that is a file', async () => {
      await fs.mkdir(rootDir);
      await fs.writeFile(join(rootDir, 'file'), '');
      await expect(factory.create(stateStore('x', 'file'))).rejects.toThrow(
        'FilesystemStateStore "x": spec.path "file" is not a directory',
      );
    });

    it('refuses other kinds', async () => {
      await expect(
        factory.create({ ...stateStore('x'), kind: 'GitStateStore' }),
      ).rejects.toThrow(/cannot serve a state store of kind "GitStateStore"/);
    });
  });

  describe('fromConfig', () => {
    it('resolves rootDir against the working directory and creates it', async () => {
      const wanted = join(base, 'from-config', 'nested');
      const configured = fromConfigWith(relative(process.cwd(), wanted));
      const writer = await configured.create(stateStore('s', 'p'));
      expect(fsSync.statSync(wanted).isDirectory()).toBe(true);
      await writer.update({
        write: [{ path: 'f', content: 'x' }],
        remove: [],
        message: 'm',
      });
      expect(fsSync.readFileSync(join(wanted, 'p', 'f'), 'utf8')).toBe('x');
    });

    it('requires the setting', () => {
      expect(() =>
        FilesystemStateStoreWriterFactory.fromConfig(new ConfigReader({})),
      ).toThrow(/kratix\.filesystemStateStore\.rootDir/);
    });

    function fromConfigWith(dir: string) {
      const factoryFromConfig = FilesystemStateStoreWriterFactory.fromConfig(
        new ConfigReader({
          kratix: { filesystemStateStore: { rootDir: dir } },
        }),
      );
      expect(fsSync.existsSync(join(process.cwd(), dir))).toBe(true);
      return factoryFromConfig;
    }
  });

  describe('writer', () => {
    let writer: StateStoreWriter;
    let store: string;

    beforeEach(async () => {
      writer = await factory.create(stateStore('default', 'store'));
      store = join(rootDir, 'store');
    });

    const update = (write: [string, string][], remove: string[] = []) =>
      writer.update({
        write: write.map(([path, content]) => ({ path, content })),
        remove,
        message: 'test',
      });

    it('writes the seed placements at the exact Kratix paths', async () => {
      const placements: PlacementInput[] = [
        {
          name: 'elastic-cloud-static-deps.worker-1-5058f',
          namespace: 'kratix-platform-system',
          promiseName: 'elastic-cloud',
          groupId: DEFAULT_GROUP_ID,
          workloads: [
            {
              filepath: 'static/elastic-cloud-dependencies.yaml',
              content: 'kind: List\n',
            },
          ],
        },
        {
          name: 'elastic-cloud-example.worker-1-5058f',
          namespace: 'default',
          promiseName: 'elastic-cloud',
          resourceName: 'example',
          pipelineName: 'instance-configure',
          groupId: DEFAULT_GROUP_ID,
          workloads: [
            {
              filepath: 'elasticsearch.yaml',
              content: 'kind: Elasticsearch\n',
            },
          ],
        },
      ];
      await writer.update({
        write: placements.flatMap(placement =>
          placementFiles({
            mode: 'nestedByMetadata',
            destinationPath: 'worker-1',
            placement,
          }),
        ),
        remove: [],
        message: 'Update from: seed',
      });
      expect(await writer.list('')).toEqual([
        'worker-1/dependencies/elastic-cloud/5058f/static/elastic-cloud-dependencies.yaml',
        'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/elasticsearch.yaml',
      ]);
      expect(
        await fs.readFile(
          join(
            store,
            'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/elasticsearch.yaml',
          ),
          'utf8',
        ),
      ).toBe('kind: Elasticsearch\n');
    });

    it('rewrites nothing when an update repeats the content', async () => {
      const files: [string, string][] = [
        ['a/one.yaml', 'one'],
        ['a/b/two.yaml', 'two'],
        ['three.yaml', 'three'],
      ];
      await update(files);
      // Old timestamps: a rewrite would show whatever the clock's granularity.
      const old = new Date('2000-01-01T00:00:00Z');
      for (const [path] of files) {
        await fs.utimes(join(store, path), old, old);
      }
      const inodes = files.map(
        ([path]) => fsSync.statSync(join(store, path)).ino,
      );

      await update(files);

      for (const [i, [path]] of files.entries()) {
        const stats = fsSync.statSync(join(store, path));
        expect(stats.mtime.getTime()).toBe(old.getTime());
        expect(stats.ino).toBe(inodes[i]);
      }
    });

    it('rewrites only the files whose content changed', async () => {
      await update([
        ['same.yaml', 'same'],
        ['changed.yaml', 'before'],
      ]);
      const old = new Date('2000-01-01T00:00:00Z');
      await fs.utimes(join(store, 'same.yaml'), old, old);
      await fs.utimes(join(store, 'changed.yaml'), old, old);

      await update([
        ['same.yaml', 'same'],
        ['changed.yaml', 'after'],
      ]);

      expect(fsSync.statSync(join(store, 'same.yaml')).mtime).toEqual(old);
      expect(fsSync.statSync(join(store, 'changed.yaml')).mtime).not.toEqual(
        old,
      );
      expect(await writer.read('changed.yaml')).toBe('after');
    });

    it('keeps the mode of a file it replaces', async () => {
      await update([['script.sh', 'v1']]);
      await fs.chmod(join(store, 'script.sh'), 0o755);
      await update([['script.sh', 'v2']]);
      expect(fsSync.statSync(join(store, 'script.sh')).mode & 0o777).toBe(
        0o755,
      );
    });

    it('removes files and prunes the directories left empty, never the root', async () => {
      await update([
        ['w/resources/ns/p/r/pipe/5058f/a.yaml', 'a'],
        ['w/resources/ns/p/r/pipe/5058f/sub/b.yaml', 'b'],
        ['w/resources/ns/p/other/pipe/5058f/c.yaml', 'c'],
      ]);
      await update(
        [],
        [
          'w/resources/ns/p/r/pipe/5058f/a.yaml',
          'w/resources/ns/p/r/pipe/5058f/sub/b.yaml',
        ],
      );
      expect(await snapshot(store)).toEqual({
        'w/': '/',
        'w/resources/': '/',
        'w/resources/ns/': '/',
        'w/resources/ns/p/': '/',
        'w/resources/ns/p/other/': '/',
        'w/resources/ns/p/other/pipe/': '/',
        'w/resources/ns/p/other/pipe/5058f/': '/',
        'w/resources/ns/p/other/pipe/5058f/c.yaml': 'c',
      });

      await update([], ['w/resources/ns/p/other/pipe/5058f/c.yaml']);
      expect(await snapshot(store)).toEqual({});
      expect(fsSync.statSync(store).isDirectory()).toBe(true);
    });

    it('treats removing a missing file as done', async () => {
      await update([], ['never/was.yaml', 'nor/this']);
      expect(await snapshot(store)).toEqual({});
    });

    it('refuses to remove a directory', async () => {
      await update([['d/f.yaml', 'f']]);
      await expect(update([], ['d'])).rejects.toThrow(/it is a directory/);
      expect(await writer.read('d/f.yaml')).toBe('f');
    });

    it.each([
      ['../escape.yaml', /must not contain "\.\."/],
      ['a/../../escape.yaml', /must not contain "\.\."/],
      ['/etc/passwd', /must be relative/],
      ['a//b.yaml', /empty segments/],
      ['a/', /empty segments/],
      ['', /must not be empty/],
      ['.', /must name a file/],
      ['a\\b.yaml', /separator/],
    ])(
      'rejects the path %j and leaves the tree untouched',
      async (bad, message) => {
        await update([
          ['keep.yaml', 'keep'],
          ['dir/old.yaml', 'old'],
        ]);
        const before = await snapshot(base);

        await expect(
          update(
            [
              ['new.yaml', 'new'],
              ['keep.yaml', 'changed'],
              [bad, 'evil'],
            ],
            ['dir/old.yaml'],
          ),
        ).rejects.toThrow(message);
        await expect(update([['new.yaml', 'new']], [bad])).rejects.toThrow(
          message,
        );

        expect(await snapshot(base)).toEqual(before);
      },
    );

    it('rejects a write through a symbolic link that leads out', async () => {
      await fs.symlink(outside, join(store, 'link'));
      const before = await snapshot(base);
      await expect(
        update([
          ['fine.yaml', 'fine'],
          ['link/evil.yaml', 'evil'],
        ]),
      ).rejects.toThrow(
        /"link" is a symbolic link that leads out of the root directory/,
      );
      await expect(writer.read('link/x')).rejects.toThrow(/leads out/);
      await expect(writer.list('link')).rejects.toThrow(/leads out/);
      expect(await snapshot(base)).toEqual(before);
    });

    it('reads a symbolic link only when it stays inside', async () => {
      await fs.writeFile(join(outside, 'secret'), 'secret');
      await fs.symlink(join(outside, 'secret'), join(store, 'leak'));
      await expect(writer.read('leak')).rejects.toThrow(/leads out/);
      await update([['real.yaml', 'real']]);
      await fs.symlink(join(store, 'real.yaml'), join(store, 'alias.yaml'));
      expect(await writer.read('alias.yaml')).toBe('real');
    });

    it('replaces a symbolic link rather than writing through it', async () => {
      await fs.writeFile(join(outside, 'target'), 'outside');
      await fs.symlink(join(outside, 'target'), join(store, 'f.yaml'));
      await update([['f.yaml', 'inside']]);
      expect(await fs.readFile(join(outside, 'target'), 'utf8')).toBe(
        'outside',
      );
      expect(fsSync.lstatSync(join(store, 'f.yaml')).isFile()).toBe(true);
    });

    it('rejects a write below an existing file, writing nothing', async () => {
      await update([['a', 'file']]);
      const before = await snapshot(base);
      await expect(
        update([
          ['b.yaml', 'b'],
          ['a/b.yaml', 'x'],
        ]),
      ).rejects.toThrow(/"a" is a file, not a directory/);
      expect(await snapshot(base)).toEqual(before);
    });

    it('rejects a write onto a directory', async () => {
      await update([['d/f.yaml', 'f']]);
      await expect(update([['d', 'x']])).rejects.toThrow(/not a file/);
    });

    it('rejects changes whose paths overlap', async () => {
      await expect(
        update([
          ['a.yaml', '1'],
          ['./a.yaml', '2'],
        ]),
      ).rejects.toThrow(/written more than once/);
      await expect(update([['a.yaml', '1']], ['a.yaml'])).rejects.toThrow(
        /both written and removed/,
      );
      await expect(
        update([
          ['a', '1'],
          ['a/b', '2'],
        ]),
      ).rejects.toThrow(/cannot both be files/);
      expect(await snapshot(store)).toEqual({});
    });

    it('puts everything back when the filesystem fails half way', async () => {
      await update([
        ['kept/old.yaml', 'old'],
        ['gone.yaml', 'gone'],
      ]);
      const before = await snapshot(base);

      const realRename = fs.rename.bind(fs);
      let renames = 0;
      jest.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
        renames += 1;
        // 1: gone.yaml aside, 2: kept/old.yaml replaced, 3: fails.
        if (renames === 3) {
          throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
        }
        return realRename(from, to);
      });

      await expect(
        update(
          [
            ['kept/old.yaml', 'new'],
            ['fresh/dir/new.yaml', 'new'],
          ],
          ['gone.yaml'],
        ),
      ).rejects.toThrow('disk full');
      expect(renames).toBeGreaterThanOrEqual(3);
      jest.restoreAllMocks();

      expect(await snapshot(base)).toEqual(before);
    });

    it('cleans up when staging a file fails', async () => {
      await update([['a.yaml', 'a']]);
      const before = await snapshot(base);
      jest
        .spyOn(fs, 'open')
        .mockRejectedValueOnce(
          Object.assign(new Error('EMFILE'), { code: 'EMFILE' }),
        );
      await expect(update([['new/dir/b.yaml', 'b']])).rejects.toThrow('EMFILE');
      expect(await snapshot(base)).toEqual(before);
    });

    it('sweeps what a killed writer left beside its files when the change is retried', async () => {
      // A writer SIGKILLed between staging a file and renaming it into place,
      // and another one after moving a removed file aside.
      await update([['w/a/kept.yaml', 'kept']]);
      await fs.writeFile(join(store, 'w/a/.kratix-tmp-0123456789abcdef'), 'x');
      await fs.mkdir(join(store, 'w/b'));
      await fs.writeFile(join(store, 'w/b/.kratix-tmp-fedcba9876543210'), 'y');

      await update([['w/a/new.yaml', 'new']]);
      await update([], ['w/b/gone.yaml']);

      expect(await snapshot(store)).toEqual({
        'w/': '/',
        'w/a/': '/',
        'w/a/kept.yaml': 'kept',
        'w/a/new.yaml': 'new',
      });
    });

    it('reads files, and undefined for what does not exist', async () => {
      await update([['d/f.yaml', 'content\n']]);
      expect(await writer.read('d/f.yaml')).toBe('content\n');
      expect(await writer.read('./d/f.yaml')).toBe('content\n');
      expect(await writer.read('d/missing.yaml')).toBeUndefined();
      expect(await writer.read('missing/f.yaml')).toBeUndefined();
      expect(await writer.read('d/f.yaml/below')).toBeUndefined();
      await expect(writer.read('d')).rejects.toThrow(/not a file/);
      await expect(writer.read('../root')).rejects.toThrow(/\.\./);
    });

    it('lists recursively, sorted, relative to the store root', async () => {
      await update([
        ['w/b.yaml', ''],
        ['w/a/z.yaml', ''],
        ['w/a/b/c.yaml', ''],
        ['w/A.yaml', ''],
        ['other/x.yaml', ''],
      ]);
      expect(await writer.list('w')).toEqual([
        'w/A.yaml',
        'w/a/b/c.yaml',
        'w/a/z.yaml',
        'w/b.yaml',
      ]);
      expect(await writer.list('w/a/')).toEqual(['w/a/b/c.yaml', 'w/a/z.yaml']);
      expect(await writer.list('')).toEqual([
        'other/x.yaml',
        'w/A.yaml',
        'w/a/b/c.yaml',
        'w/a/z.yaml',
        'w/b.yaml',
      ]);
      expect(await writer.list('.')).toHaveLength(5);
      expect(await writer.list('missing')).toEqual([]);
      expect(await writer.list('w/b.yaml')).toEqual([]);
    });

    it('does not follow links while listing', async () => {
      await fs.writeFile(join(outside, 'secret'), '');
      await fs.symlink(outside, join(store, 'out'));
      await update([['in.yaml', '']]);
      expect(await writer.list('')).toEqual(['in.yaml']);
    });

    it('applies concurrent updates one after the other', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          update([
            [`d/${i}.yaml`, `${i}`],
            ['shared.yaml', `${i}`],
          ]),
        ),
      );
      expect(await writer.list('d')).toHaveLength(20);
      expect(await writer.read('shared.yaml')).toBe('19');
      expect((await fs.readdir(store)).sort()).toEqual(['d', 'shared.yaml']);
    });
  });
});

describe('validateRelativePath', () => {
  it('normalises . segments away', () => {
    expect(validateRelativePath('./a/./b.yaml')).toBe('a/b.yaml');
    expect(validateRelativePath('.kratix/x.yaml')).toBe('.kratix/x.yaml');
  });
});
