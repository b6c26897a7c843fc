import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BackendFeature,
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { JsonObject } from '@backstage/types';
// Tests run the real Kratix plugin beside the module, as the portal does.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import kratixPlugin from '@kratix-backstage/plugin-kratix-backend';
import {
  KratixObjectService,
  kratixObjectServiceRef,
} from '@kratix-backstage/plugin-kratix-node';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const EXAMPLES = path.join(REPO_ROOT, 'examples');
const ELASTIC_IMAGE =
  'ghcr.io/syntasso/kratix-marketplace/elastic-cloud-configure-pipeline:v0.1.0';

export const readExample = (file: string) =>
  fs.readFileSync(path.join(EXAMPLES, file), 'utf8');

/**
 * The permission policy of a test: everything allowed except the
 * permissions named in `denied` (by name, or `write` for every Kratix
 * permission that is not a read).
 */
export class TestPolicy {
  denied = new Set<string>();
  /** Conditional decisions by permission name, as a policy returns them. */
  conditional = new Map<string, PolicyDecision>();
  /** Every permission asked for, in order. */
  asked: string[] = [];

  decide(permission: { name: string; attributes?: { action?: string } }) {
    this.asked.push(permission.name);
    const write =
      permission.name.startsWith('kratix.') &&
      permission.attributes?.action !== 'read';
    return this.denied.has(permission.name) ||
      (write && this.denied.has('write'))
      ? AuthorizeResult.DENY
      : AuthorizeResult.ALLOW;
  }

  decideConditional(permission: { name: string }): PolicyDecision {
    return (
      this.conditional.get(permission.name) ?? {
        result: this.decide(permission),
      }
    );
  }
}

export interface KratixTestBackend {
  objects: KratixObjectService;
  server: import('http').Server;
  stateStoreRoot: string;
  policy: TestPolicy;
  stop(): Promise<void>;
}

/**
 * A real Backstage backend with the Kratix plugin in the tutorial's
 * starting state (worker-1 without labels), the elastic-cloud pipeline
 * mapped to its local script, and `features` beside it. The object service
 * is the one the plugin binds, taken through its service ref.
 */
export async function startKratixBackend(
  options: { config?: JsonObject; features?: BackendFeature[] } = {},
): Promise<KratixTestBackend> {
  const stateStoreRoot = fs.mkdtempSync(
    path.join(os.tmpdir(), 'kratix-scaffolder-statestore-'),
  );
  const policy = new TestPolicy();
  let objects: KratixObjectService | undefined;
  const capture = createBackendPlugin({
    pluginId: 'kratix-test-capture',
    register(env) {
      env.registerInit({
        deps: { kratix: kratixObjectServiceRef },
        async init({ kratix }) {
          objects = kratix;
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      kratixPlugin,
      capture,
      ...(options.features ?? []),
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      createServiceFactory({
        service: coreServices.permissions,
        deps: {},
        factory: () =>
          mockServices.permissions.mock({
            authorize: async (requests: any[]) =>
              requests.map(r => ({ result: policy.decide(r.permission) })),
            authorizeConditional: async (requests: any[]) =>
              requests.map(r => policy.decideConditional(r.permission)),
          } as any),
      }),
      mockServices.rootConfig.factory({
        data: {
          ...(options.config ?? {}),
          kratix: {
            bootstrap: [path.join(EXAMPLES, 'platform/worker-1.yaml')],
            filesystemStateStore: { rootDir: stateStoreRoot },
            pipelines: {
              timeout: 30,
              images: {
                [ELASTIC_IMAGE]: path.join(
                  EXAMPLES,
                  'elastic-cloud/pipeline/run',
                ),
              },
            },
            ...((options.config?.kratix as JsonObject) ?? {}),
          },
        },
      }),
    ],
  });
  return {
    objects: objects!,
    server: backend.server,
    stateStoreRoot,
    policy,
    stop: async () => {
      await backend.stop();
      fs.rmSync(stateStoreRoot, { recursive: true, force: true });
    },
  };
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
