/*
 * A replica of the Kratix backend in a child process of its own, so a test
 * can do to it what happens to real replicas: SIGKILL, mid-work, with no
 * chance to release anything. In-process backends (testBackend.ts) can
 * only be stopped politely.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { Knex } from 'knex';
import { JsonObject } from '@backstage/types';
import {
  apiClient,
  ELASTIC_IMAGE,
  EXAMPLES,
  PREFIX,
  tempDir,
} from './testBackend';

/** What replicaMain.ts prints, then its API's URL, once the API answers. */
export const READY_MARKER = 'KRATIX_REPLICA_READY';
export const SLOW_PIPELINES_VARIABLE = 'KRATIX_REPLICA_SLOW_PIPELINES';

export interface SlowPipelines {
  /** Each echo pipeline run takes at least this long. */
  delayMs: number;
  /** Holds a file named after each object whose run is under way. */
  inFlightDir: string;
}

const ENTRY = path.join(__dirname, 'replicaMain.ts');
const STARTUP_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;
/** Lines of the child's output kept for error messages. */
const KEPT_LINES = 80;

export interface ReplicaProcess {
  name: string;
  pid: number;
  /** `http://127.0.0.1:<port>/api/kratix` */
  baseUrl: string;
  api: ReturnType<typeof apiClient>;
  /** Resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM (Backstage's graceful shutdown), SIGKILL if that hangs. */
  stop(): Promise<void>;
  /** The last lines the process wrote, stderr and stdout. */
  output(): string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test runner that exits (or fails) must not leave replicas behind. */
function killOnExit(child: ChildProcess) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/**
 * The connection of a PostgreSQL database a test holds, for a replica's
 * `backend.database`: the same server and database, by config.
 */
function postgresConnection(knex: Knex) {
  const connection = (knex.client as any).config.connection;
  if (typeof connection !== 'object' || !connection.database) {
    throw new Error('replicas need a PostgreSQL database (TestDatabases)');
  }
  return connection as JsonObject & { database: string };
}

/**
 * Starts a replica: Backstage's production backend with the kratix plugin
 * (config shaped as startKratixBackend's) on the test's PostgreSQL
 * database and filesystem state store, in a child process. Calls are
 * authorised with a static external-access token, as a script's would be.
 */
export async function startReplicaProcess(options: {
  name: string;
  knex: Knex;
  stateStoreRoot: string;
  /** Merged into `kratix`. */
  config?: JsonObject;
  /** Slowed-down echo pipelines, to be killed in the middle of. */
  slowPipelines?: SlowPipelines;
}): Promise<ReplicaProcess> {
  // Another process may take the free port before the child binds it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (e) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String(e))) throw e;
    }
  }
}

async function startOnce(
  options: Parameters<typeof startReplicaProcess>[0],
  port: number,
): Promise<ReplicaProcess> {
  const origin = `http://127.0.0.1:${port}`;
  const baseUrl = `${origin}${PREFIX}`;
  const token = randomBytes(24).toString('base64url');
  const { database, ...server } = postgresConnection(options.knex);
  const configDir = tempDir(`kratix-replica-${options.name}-`);
  const configFile = path.join(configDir, 'app-config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      backend: {
        baseUrl: origin,
        listen: { host: '127.0.0.1', port },
        database: {
          client: 'pg',
          connection: server,
          plugin: {
            kratix: {
              connection: {
                database,
                // Tells the replicas' sessions apart in pg_stat_activity.
                application_name: `kratix-replica-${options.name}`,
              },
            },
          },
        },
        auth: {
          externalAccess: [
            {
              type: 'static',
              options: {
                token: '${KRATIX_REPLICA_TOKEN}',
                subject: 'replica-test',
              },
            },
          ],
        },
      },
      kratix: {
        bootstrap: [path.join(EXAMPLES, 'platform/worker-1.yaml')],
        filesystemStateStore: { rootDir: options.stateStoreRoot },
        pipelines: {
          timeout: 30,
          images: {
            [ELASTIC_IMAGE]: path.join(EXAMPLES, 'elastic-cloud/pipeline/run'),
          },
        },
        ...options.config,
      },
    }),
  );

  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      ENTRY,
      '--config',
      configFile,
    ],
    {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        KRATIX_REPLICA_URL: baseUrl,
        KRATIX_REPLICA_TOKEN: token,
        ...(options.slowPipelines
          ? { [SLOW_PIPELINES_VARIABLE]: JSON.stringify(options.slowPipelines) }
          : {}),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  killOnExit(child);
  const exited = new Promise<void>(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  void exited.then(() =>
    fs.rmSync(configDir, { recursive: true, force: true }),
  );

  const lines: string[] = [];
  const keep = (stream: string) => (line: string) => {
    lines.push(`[${stream}] ${line}`);
    if (lines.length > KEPT_LINES) lines.shift();
  };
  // Always drained: a full pipe would block the child.
  readline.createInterface({ input: child.stderr! }).on('line', keep('err'));
  const stdout = readline.createInterface({ input: child.stdout! });
  stdout.on('line', keep('out'));
  const output = () => lines.join('\n');

  const kill = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    await exited;
  };

  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined = undefined;
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new Error(
          `replica ${options.name} ${why}; its last output:\n${output()}`,
        ),
      );
    };
    timer = setTimeout(
      () => fail(`did not answer within ${STARTUP_TIMEOUT_MS} ms`),
      STARTUP_TIMEOUT_MS,
    );
    stdout.on('line', line => {
      if (line.startsWith(READY_MARKER)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) =>
      fail(`exited before it was ready (code ${code}, signal ${signal})`),
    );
  });

  return {
    name: options.name,
    pid: child.pid!,
    baseUrl,
    api: apiClient(origin, `Bearer ${token}`),
    kill,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await kill('SIGTERM');
      clearTimeout(timer);
    },
    output,
  };
}
