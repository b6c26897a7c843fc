import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { Knex } from 'knex';
import {
  BackendFeature,
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { kratixPlugin } from '../plugin';

export const PREFIX = '/api/kratix';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const EXAMPLES = path.join(REPO_ROOT, 'examples');
export const ELASTIC_IMAGE =
  'ghcr.io/syntasso/kratix-marketplace/elastic-cloud-configure-pipeline:v0.1.0';

export interface LogRecord {
  level: string;
  message: string;
  meta: JsonObject;
}

/** A real logger's shape that keeps what it is told, children included. */
export function capturingLogger(
  records: LogRecord[],
  meta: JsonObject = {},
): LoggerService {
  const log =
    (level: string) => (message: string, extra?: Error | JsonObject) =>
      records.push({
        level,
        message,
        meta: {
          ...meta,
          ...(extra instanceof Error ? { error: extra.message } : extra ?? {}),
        },
      });
  return {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: childMeta => capturingLogger(records, { ...meta, ...childMeta }),
  };
}

export interface KratixTestBackend {
  api: ReturnType<typeof apiClient>;
  /** `http://127.0.0.1:<port>/api/kratix`, for clients other than supertest. */
  baseUrl: string;
  logs: LogRecord[];
  stateStoreRoot: string;
  /**
   * Resolves once the engine is idle: nothing claimed (no reconcile in
   * flight) and nothing due in its queue, delayed retries aside. Asserting
   * that something did NOT happen is only meaningful after this.
   */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

export function tempDir(prefix: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts a real Backstage backend with the kratix plugin on the given
 * database, in the tutorial's starting state (worker-1, one state store).
 * `config` is merged into `kratix`; its `pipelines` into the defaults
 * (images included), so `{ pipelines: { timeout: 2 } }` keeps every image.
 * As in production, a request without a token has no credentials (401).
 */
export async function startKratixBackend(options: {
  knex: Knex;
  stateStoreRoot: string;
  config?: JsonObject;
  extraImages?: Record<string, string>;
  /** More backend features, e.g. modules using the plugin's extension points. */
  features?: BackendFeature[];
}): Promise<KratixTestBackend> {
  const logs: LogRecord[] = [];
  const { pipelines = {}, ...config } = options.config ?? {};
  const { images = {}, ...pipelinesConfig } = pipelines as JsonObject;
  const backend = await startTestBackend({
    features: [
      kratixPlugin,
      ...(options.features ?? []),
      mockServices.database.factory({ knex: options.knex }),
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => capturingLogger(logs),
      }),
      mockServices.rootConfig.factory({
        data: {
          kratix: {
            bootstrap: [path.join(EXAMPLES, 'platform/worker-1.yaml')],
            filesystemStateStore: { rootDir: options.stateStoreRoot },
            pipelines: {
              timeout: 30,
              ...pipelinesConfig,
              images: {
                [ELASTIC_IMAGE]: path.join(
                  EXAMPLES,
                  'elastic-cloud/pipeline/run',
                ),
                ...(options.extraImages ?? {}),
                ...(images as JsonObject),
              },
            },
            ...config,
          },
        },
      }),
    ],
  });
  return {
    api: apiClient(backend.server),
    baseUrl: `http://127.0.0.1:${
      (backend.server.address() as { port: number }).port
    }${PREFIX}`,
    logs,
    stateStoreRoot: options.stateStoreRoot,
    whenIdle: () => engineIdle(options.knex),
    stop: () => backend.stop(),
  };
}

/**
 * A backend bootstrapped from `<fixtures>/platform.yaml` instead of the
 * tutorial's worker-1, with its filesystem state store in a new directory.
 */
export function startFixtureBackend(options: {
  knex: Knex;
  fixtures: string;
  images: Record<string, string>;
  config?: JsonObject;
}): Promise<KratixTestBackend> {
  return startKratixBackend({
    knex: options.knex,
    stateStoreRoot: tempDir(`kratix-${path.basename(options.fixtures)}-`),
    extraImages: options.images,
    config: {
      bootstrap: [path.join(options.fixtures, 'platform.yaml')],
      ...options.config,
    },
  });
}

/** Stops a test backend and deletes its filesystem state store. */
export async function stopAndRemove(b: KratixTestBackend | undefined) {
  if (!b) return;
  await b.stop();
  fs.rmSync(b.stateStoreRoot, { recursive: true, force: true });
}

/**
 * The queue of a database that an engine follows is drained, but for the
 * shares (controllers) `ignoring` names.
 */
export async function engineIdle(
  knex: Knex,
  timeoutMs = 30_000,
  ignoring: string[] = [],
) {
  const busy = async () => {
    const row = await knex('kratix_queue')
      .where(q =>
        q.whereNotNull('claim_token').orWhere('due_at', '<=', Date.now()),
      )
      .whereNotIn('queue', ignoring)
      .count({ n: '*' })
      .first();
    return Number(row?.n ?? 0);
  };
  // A change a write just made is enqueued a moment after the write
  // returns, so the queue must be found drained twice, a beat apart.
  await eventually(
    async () =>
      (await busy()) === 0 &&
      (await new Promise(r => setTimeout(r, 100))) === undefined &&
      (await busy()) === 0,
    'the engine to be idle',
    timeoutMs,
  );
}

/**
 * Calls of the kratix API with `auth` (a mock user's token by default), to
 * an in-process server or a URL's origin.
 */
export function apiClient(
  server: any,
  auth: string = mockCredentials.user.header(),
) {
  const agent = () => request(server);
  return {
    get: (p: string) =>
      agent()
        .get(PREFIX + p)
        .set('Authorization', auth),
    del: (p: string) =>
      agent()
        .delete(PREFIX + p)
        .set('Authorization', auth),
    post: (p: string, body: unknown) =>
      agent()
        .post(PREFIX + p)
        .set('Authorization', auth)
        .send(body as object),
    apply: (yamlText: string) =>
      agent()
        .post(`${PREFIX}/apply`)
        .set('Authorization', auth)
        .set('Content-Type', 'application/yaml')
        .send(yamlText),
    patch: (p: string, body: unknown) =>
      agent()
        .patch(PREFIX + p)
        .set('Authorization', auth)
        .set('Content-Type', 'application/merge-patch+json')
        .send(JSON.stringify(body)),
    unauthenticated: () => agent(),
  };
}

/**
 * Polls until `check` returns a value; the engine is asynchronous, so every
 * outcome is awaited rather than assumed. Fails with the last seen value.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(
    `timed out waiting for ${what}; last: ${
      last instanceof Error ? last.message : JSON.stringify(last)
    }`,
  );
}

/** Every file under a directory, relative and sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(root, full));
    }
  };
  walk(root);
  return out.sort();
}
