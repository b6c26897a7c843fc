import fs from 'node:fs';
import path from 'node:path';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  kratixPipelinesExtensionPoint,
  kratixStateStoresExtensionPoint,
  StateStoreWriter,
} from '@kratix-backstage/plugin-kratix-node';
import { kratixTestDatabases } from './__testUtils__/databases';
import {
  eventually,
  startKratixBackend,
  tempDir,
} from './__testUtils__/testBackend';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();

/** A Promise whose resource pipeline is TypeScript inside the backend. */
const promiseYaml = `
apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata:
  name: greeting
spec:
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: { name: greetings.example.org }
    spec:
      group: example.org
      names: { kind: Greeting, plural: greetings }
      scope: Namespaced
      versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  properties:
                    to: { type: string }
  workflows:
    resource:
      configure:
        - apiVersion: platform.kratix.io/v1alpha1
          kind: Pipeline
          metadata: { name: greet }
          spec:
            containers:
              - name: greet
                image: example.org/in-process/greet:v1
---
apiVersion: example.org/v1
kind: Greeting
metadata: { name: hello, namespace: team-a }
spec: { to: world }
`;

const inProcessPipeline = createBackendModule({
  pluginId: 'kratix',
  moduleId: 'greet-pipeline',
  register(env) {
    env.registerInit({
      deps: { pipelines: kratixPipelinesExtensionPoint },
      async init({ pipelines }) {
        pipelines.addInProcessPipeline({
          image: 'example.org/in-process/greet:v1',
          async run({ object, outputDir, metadataDir, env: kratixEnv }) {
            fs.writeFileSync(
              path.join(outputDir, 'greeting.yaml'),
              `kind: ConfigMap\ndata:\n  text: hello ${object.spec.to} from ${kratixEnv.KRATIX_PIPELINE_NAME}\n`,
            );
            fs.writeFileSync(
              path.join(metadataDir, 'status.yaml'),
              'greeted: true\n',
            );
          },
        });
      },
    });
  },
});

/** A state store kind a module adds: files kept in memory. */
function memoryStoreModule(files: Map<string, string>) {
  return createBackendModule({
    pluginId: 'kratix',
    moduleId: 'memory-state-store',
    register(env) {
      env.registerInit({
        deps: { stores: kratixStateStoresExtensionPoint },
        async init({ stores }) {
          const writer: StateStoreWriter = {
            async update({ write, remove }) {
              for (const f of write) files.set(f.path, f.content);
              for (const p of remove) files.delete(p);
            },
            async read(p) {
              return files.get(p);
            },
            async list(dir) {
              return [...files.keys()].filter(k => k.startsWith(dir)).sort();
            },
          };
          stores.addStateStoreWriterFactory({
            kind: 'MemoryStateStore',
            create: async () => writer,
          });
        },
      });
    },
  });
}

describe.each(databases.eachSupportedId())(
  'extension points on %s',
  databaseId => {
    it('runs an in-process pipeline a module registered, and writes through a state store a module added', async () => {
      const files = new Map<string, string>();
      const backend = await startKratixBackend({
        knex: await databases.init(databaseId),
        stateStoreRoot: tempDir('kratix-ext-'),
        features: [inProcessPipeline, memoryStoreModule(files)],
      });
      try {
        await backend.api
          .apply(
            `
apiVersion: platform.kratix.io/v1alpha1
kind: MemoryStateStore
metadata: { name: memory }
---
apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata: { name: in-memory, labels: { kind: memory } }
spec:
  stateStoreRef: { kind: MemoryStateStore, name: memory }
`,
          )
          .expect(200);
        // worker-1 (filesystem) also matches; take it out of the picture.
        await backend.api
          .del('/apis/platform.kratix.io/v1alpha1/destinations/worker-1')
          .expect(200);
        await backend.api.apply(promiseYaml).expect(200);

        const request = await eventually(async () => {
          const r = (
            await backend.api.get(
              '/apis/example.org/v1/namespaces/team-a/greetings/hello',
            )
          ).body;
          return r.status?.destinations?.length > 0 && r;
        }, 'the greeting to be scheduled');
        expect(request.status.greeted).toBe(true);
        expect(request.status.destinations).toEqual(['in-memory']);
        await eventually(
          async () => files.size > 2,
          'files in the memory store',
        );
        const written = [...files.entries()].find(([p]) =>
          p.endsWith('greeting.yaml'),
        );
        expect(written?.[0]).toMatch(
          /^in-memory\/resources\/team-a\/greeting\/hello\/greet\/5058f\/greeting\.yaml$/,
        );
        expect(written?.[1]).toContain('hello world from greet');
      } finally {
        await backend.stop();
      }
    });
  },
);
