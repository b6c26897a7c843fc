import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import {
  GitAuthEnv,
  StateStoreWriter,
  StateStoreWriterFactory,
} from '@kratix-backstage/plugin-kratix-node';
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { GitStateStoreWriter } from './GitStateStoreWriter';
import { redactingWriter } from './redactingWriter';
import { SecretSource, secretDataFor } from './secrets';
import { secretRefSchema, stateStorePathSchema } from './stateStoreSchemas';

export const GIT_STATE_STORE_KIND = 'GitStateStore';

/** Kratix's CRD schema (platform.kratix.io_gitstatestores); `githubApp` is not supported here. */
export const gitStateStoreSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['url', 'secretRef'],
      properties: {
        url: { type: 'string', minLength: 1 },
        branch: {
          type: 'string',
          default: 'main',
          minLength: 1,
          // A ref name git accepts, and nothing git could read as an option.
          pattern: '^(?!-)(?!.*\\.\\.)(?!.*//)[A-Za-z0-9._/-]+(?<![./])$',
        },
        path: stateStorePathSchema,
        authMethod: {
          type: 'string',
          enum: ['basicAuth', 'ssh'],
          default: 'basicAuth',
        },
        secretRef: secretRefSchema,
        gitAuthor: {
          type: 'object',
          default: { name: 'kratix' },
          properties: {
            name: { type: 'string' },
            email: { type: 'string' },
          },
        },
      },
    },
  },
};

type UrlKind = 'http' | 'ssh';

/**
 * The transport of a repository URL. Only network transports: a local path
 * or `file://` would let whoever applies a GitStateStore write to the
 * backend's own disk.
 */
export function repositoryUrlKind(url: string): UrlKind {
  if (url.startsWith('-')) throw new Error(`url "${url}" is not a URL`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 'ssh') return 'ssh';
  if (scheme) {
    throw new Error(
      `url "${url}": the ${scheme}:// transport is not allowed; use https://, http:// or ssh://`,
    );
  }
  // scp-like: [user@]host:path, as `git@github.com:org/repo.git`.
  if (/^([^@/:\s]+@)?[^/:\s]+:[^/]/.test(url) && !url.includes('::')) {
    return 'ssh';
  }
  throw new Error(
    `url "${url}" is not a remote repository URL; use https://, http://, ssh:// or user@host:path`,
  );
}

/**
 * A URL fit for messages: credentials written into it (a token in
 * `https://user:token@host/...`) are left out, and scrubbed wherever git
 * itself repeats them.
 */
function withoutCredentials(url: string): { shown: string; hidden: string[] } {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return { shown: url, hidden: [] };
    const hidden = [parsed.password, decodeURIComponent(parsed.password)];
    parsed.password = '';
    return { shown: parsed.toString(), hidden };
  } catch {
    return { shown: url, hidden: [] };
  }
}

/** Single-quoted for the shell git runs GIT_SSH_COMMAND with. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface GitStateStoreWriterFactoryOptions {
  secrets: SecretSource;
  /** Where working copies are kept, one per store. Default: below the OS temp directory. */
  cacheDir?: string;
  /** Default 5 s, Kratix's: a push refused because the branch moved fetches at once anyway. */
  minimumFetchIntervalMs?: number;
}

/** `GitStateStore`s: a branch of a repository reached over HTTP(S) or SSH. */
export class GitStateStoreWriterFactory implements StateStoreWriterFactory {
  readonly kind = GIT_STATE_STORE_KIND;
  readonly plural = 'gitstatestores';
  readonly schema = gitStateStoreSchema;
  private readonly cacheDir: string;

  constructor(private readonly options: GitStateStoreWriterFactoryOptions) {
    this.cacheDir =
      options.cacheDir ??
      join(tmpdir(), `kratix-git-${process.getuid?.() ?? 'user'}`);
  }

  async create(stateStore: KubeObject): Promise<StateStoreWriter> {
    const name = stateStore.metadata?.name ?? '';
    const fail = (why: string) =>
      new Error(`${GIT_STATE_STORE_KIND} "${name}": ${why}`);
    if (stateStore.kind !== GIT_STATE_STORE_KIND) {
      throw fail(`cannot serve a state store of kind "${stateStore.kind}"`);
    }
    const spec = stateStore.spec ?? {};
    const url = String(spec.url ?? '');
    const branch = String(spec.branch ?? 'main');
    const authMethod = spec.authMethod ?? 'basicAuth';
    let urlKind: UrlKind;
    try {
      urlKind = repositoryUrlKind(url);
    } catch (e) {
      throw fail((e as Error).message);
    }
    const key = createHash('sha256')
      .update(JSON.stringify([name, url, branch]))
      .digest('hex')
      .slice(0, 16);
    await fs.mkdir(this.cacheDir, { recursive: true, mode: 0o700 });
    const workDir = join(this.cacheDir, `${name}-${key}`);

    let auth: GitAuthEnv;
    if (authMethod === 'basicAuth') {
      if (urlKind !== 'http') {
        throw fail(`authMethod basicAuth needs an http(s) url, not "${url}"`);
      }
      const data = secretDataFor(stateStore, this.options.secrets, {
        required: ['password'],
        optional: ['username'],
      });
      const token = Buffer.from(
        `${data.username ?? ''}:${data.password}`,
      ).toString('base64');
      // A header, not the URL: it stays out of .git/config, argv and errors.
      auth = {
        env: {
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: 'http.extraHeader',
          GIT_CONFIG_VALUE_0: `Authorization: Basic ${token}`,
        },
      };
    } else if (authMethod === 'ssh') {
      if (urlKind !== 'ssh') {
        throw fail(`authMethod ssh needs an ssh url, not "${url}"`);
      }
      const data = secretDataFor(stateStore, this.options.secrets, {
        required: ['sshPrivateKey', 'knownHosts'],
      });
      auth = await sshAuth(
        `${workDir}.ssh`,
        data.sshPrivateKey,
        data.knownHosts,
      );
    } else {
      throw fail(`unknown authMethod: ${authMethod}`);
    }

    const { shown, hidden } = withoutCredentials(url);
    const secretValues = [...this.options.secrets.values(), ...hidden];
    return redactingWriter(
      new GitStateStoreWriter({
        url,
        branch,
        path: spec.path,
        author: {
          name: spec.gitAuthor?.name || 'kratix',
          email: spec.gitAuthor?.email ?? '',
        },
        auth,
        workDir,
        minimumFetchIntervalMs: this.options.minimumFetchIntervalMs ?? 5_000,
      }),
      secretValues,
      message => `repository ${shown} (branch ${branch}): ${message}`,
    );
  }
}

async function sshAuth(
  dir: string,
  privateKey: string,
  knownHosts: string,
): Promise<GitAuthEnv> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, 'id');
  const knownHostsFile = join(dir, 'known_hosts');
  const ending = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  await fs.writeFile(keyFile, ending(privateKey), { mode: 0o600 });
  await fs.writeFile(knownHostsFile, ending(knownHosts), { mode: 0o600 });
  return {
    env: {
      GIT_SSH_COMMAND: [
        'ssh',
        '-F',
        '/dev/null',
        '-i',
        shellQuote(keyFile),
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        `UserKnownHostsFile=${shellQuote(knownHostsFile)}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
      ].join(' '),
    },
    dispose: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
