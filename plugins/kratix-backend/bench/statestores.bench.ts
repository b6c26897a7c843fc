/*
 * 1,000 placements (three workloads each, like the tutorial's
 * elastic-cloud request) written to each remote state store kind, twice:
 * a first write, then the same placements again, as every resync, restart
 * or unrelated reconcile does. Two writers per kind, in the same run:
 *
 * - ours: BucketStateStoreWriter / GitStateStoreWriter, as the engine uses
 *   them (one update per placement);
 * - naive: no content check (every file uploaded every time), and for Git
 *   one commit (and push) per file.
 *
 * Requests are counted by the servers themselves (s3rver; git http-backend
 * behind Node, over HTTP with basic auth), commits from the repository.
 * Real servers on this machine, so the times are local round trips, not a
 * cloud's: the request counts are what carries over.
 *
 * Run with `yarn bench:statestores`. BENCH_PLACEMENTS (1000) scales it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { BucketStateStoreWriterFactory } from '../src/statestores/BucketStateStore';
import { GitStateStoreWriterFactory } from '../src/statestores/GitStateStore';
import { placementFiles, StateStoreFile } from '../src/statestores/layout';
import { ConfigSecrets } from '../src/statestores/secrets';
import {
  S3_ACCESS_KEY,
  S3_SECRET_KEY,
  TestS3Server,
} from '../src/statestores/__testUtils__/s3Server';
import { BareRepos } from '../src/statestores/__testUtils__/gitRepos';
import { TestGitHttpServer } from '../src/statestores/__testUtils__/gitHttpServer';

const PLACEMENTS = Number(process.env.BENCH_PLACEMENTS ?? 1000);
const FILES_PER_PLACEMENT = 3;

jest.setTimeout(60 * 60 * 1000);

function placements(): { name: string; files: StateStoreFile[] }[] {
  return Array.from({ length: PLACEMENTS }, (_, i) => {
    const name = `req-${i}`;
    return {
      name: `elastic-cloud-${name}.worker-1-5058f`,
      files: placementFiles({
        mode: 'nestedByMetadata',
        destinationPath: 'worker-1',
        placement: {
          name: `elastic-cloud-${name}.worker-1-5058f`,
          namespace: 'default',
          promiseName: 'elastic-cloud',
          resourceName: name,
          pipelineName: 'instance-configure',
          groupId: '5058f1af8388633f609cadb75a75dc9d',
          workloads: ['beats', 'elasticsearch', 'kibana'].map(kind => ({
            filepath: `${kind}.yaml`,
            content: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-${kind}\n`,
          })),
        },
      }),
    };
  });
}

interface Row {
  store: string;
  writer: string;
  pass: string;
  seconds: number;
  requestsPerPlacement: number;
  commitsPerPlacement?: number;
}

const rows: Row[] = [];

async function timed(fn: () => Promise<void>) {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

afterAll(() => {
  const table = rows.map(r => ({
    store: r.store,
    writer: r.writer,
    pass: r.pass,
    's total': r.seconds.toFixed(1),
    'ms/placement': ((r.seconds * 1000) / PLACEMENTS).toFixed(1),
    'requests/placement': r.requestsPerPlacement.toFixed(2),
    'commits/placement':
      r.commitsPerPlacement === undefined
        ? ''
        : r.commitsPerPlacement.toFixed(2),
  }));
  // eslint-disable-next-line no-console
  console.log(
    `${PLACEMENTS} placements x ${FILES_PER_PLACEMENT} files, ${
      os.cpus().length
    } CPUs, Node ${process.version}\n${tableText(table)}`,
  );
});

function tableText(table: Record<string, string>[]): string {
  const keys = Object.keys(table[0] ?? {});
  const width = keys.map(k =>
    Math.max(k.length, ...table.map(r => r[k].length)),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => c.padEnd(width[i])).join('  ');
  return [line(keys), ...table.map(r => line(keys.map(k => r[k])))].join('\n');
}

describe('state store writers', () => {
  it('BucketStateStore: ours against a naive writer', async () => {
    const server = await TestS3Server.start(['ours', 'naive']);
    try {
      const secrets = new ConfigSecrets([
        {
          name: 'minio-credentials',
          namespace: 'default',
          data: { accessKeyID: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
        },
      ]);
      const store: KubeObject = {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'BucketStateStore',
        metadata: { name: 'minio-store' },
        spec: {
          endpoint: server.endpoint,
          insecure: true,
          bucketName: 'ours',
          secretRef: { name: 'minio-credentials', namespace: 'default' },
        },
      };
      const ours = await new BucketStateStoreWriterFactory({ secrets }).create(
        store,
      );
      const client = new S3Client({
        endpoint: `http://${server.endpoint}`,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: {
          accessKeyId: S3_ACCESS_KEY,
          secretAccessKey: S3_SECRET_KEY,
        },
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      const naive = async (files: StateStoreFile[]) => {
        for (const f of files) {
          await client.send(
            new PutObjectCommand({
              Bucket: 'naive',
              Key: f.path,
              Body: f.content,
            }),
          );
        }
      };
      const all = placements();
      for (const pass of ['first write', 'unchanged']) {
        server.resetCounts();
        const seconds = await timed(async () => {
          for (const p of all) {
            await ours.update({ write: p.files, remove: [], message: p.name });
          }
        });
        rows.push({
          store: 'bucket',
          writer: 'ours',
          pass,
          seconds,
          requestsPerPlacement: server.totalRequests / PLACEMENTS,
        });
        server.resetCounts();
        const naiveSeconds = await timed(async () => {
          for (const p of all) await naive(p.files);
        });
        rows.push({
          store: 'bucket',
          writer: 'naive',
          pass,
          seconds: naiveSeconds,
          requestsPerPlacement: server.totalRequests / PLACEMENTS,
        });
      }
      const objects = await server.objects('ours');
      expect(Object.keys(objects)).toHaveLength(
        PLACEMENTS * FILES_PER_PLACEMENT,
      );
    } finally {
      await server.stop();
    }
  });

  it('GitStateStore: ours against a naive writer', async () => {
    const repos = new BareRepos();
    const server = await TestGitHttpServer.start({
      projectRoot: repos.root,
      username: 'kratix',
      password: 'bench-password',
    });
    const cacheDir = fs.mkdtempSync(
      path.join(os.tmpdir(), 'kratix-bench-git-'),
    );
    try {
      repos.create('ours', { files: { 'README.md': 'state\n' } });
      repos.create('naive', { files: { 'README.md': 'state\n' } });
      const secrets = new ConfigSecrets([
        {
          name: 'git',
          data: { username: 'kratix', password: 'bench-password' },
        },
      ]);
      const ours: StateStoreWriter = await new GitStateStoreWriterFactory({
        secrets,
        cacheDir,
      }).create({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'GitStateStore',
        metadata: { name: 'bench' },
        spec: {
          url: server.url('ours'),
          branch: 'main',
          secretRef: { name: 'git' },
        },
      });
      // Naive: a plain clone, each file written, committed and pushed alone.
      const naiveDir = path.join(cacheDir, 'naive');
      const header = `Authorization: Basic ${Buffer.from(
        'kratix:bench-password',
      ).toString('base64')}`;
      // Asynchronous: the Git server runs in this process.
      const git = (...args: string[]) =>
        promisify(execFile)(
          'git',
          ['-c', `http.extraHeader=${header}`, ...args],
          {
            cwd: naiveDir,
            env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
          },
        );
      fs.mkdirSync(naiveDir);
      await git('clone', '--quiet', '--depth=1', server.url('naive'), '.');
      const naive = async (files: StateStoreFile[], message: string) => {
        for (const f of files) {
          const file = path.join(naiveDir, f.path);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, f.content);
          await git('add', '--all');
          try {
            await git(
              '-c',
              'user.name=kratix',
              '-c',
              'user.email=',
              'commit',
              '--quiet',
              '-m',
              message,
            );
          } catch {
            continue; // nothing to commit: git itself refuses an empty commit
          }
          await git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
        }
      };
      const all = placements();
      for (const pass of ['first write', 'unchanged']) {
        for (const writer of ['ours', 'naive'] as const) {
          const commitsBefore = repos.log(writer).length;
          const requestsBefore = server.requests;
          const seconds = await timed(async () => {
            for (const p of all) {
              if (writer === 'ours') {
                await ours.update({
                  write: p.files,
                  remove: [],
                  message: `Update from: ${p.name}`,
                });
              } else {
                await naive(p.files, `Update from: ${p.name}`);
              }
            }
          });
          rows.push({
            store: 'git',
            writer,
            pass,
            seconds,
            requestsPerPlacement:
              (server.requests - requestsBefore) / PLACEMENTS,
            commitsPerPlacement:
              (repos.log(writer).length - commitsBefore) / PLACEMENTS,
          });
        }
      }
      expect(Object.keys(repos.files('ours'))).toHaveLength(
        PLACEMENTS * FILES_PER_PLACEMENT + 1,
      );
    } finally {
      await server.stop();
      repos.remove();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
