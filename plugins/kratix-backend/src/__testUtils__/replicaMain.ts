/*
 * One replica, run by replicaProcess.ts in a process of its own so that a
 * test can SIGKILL it: Backstage's production backend (backend-defaults)
 * with the kratix plugin and the echo pipeline, configured by the
 * `--config` files it is given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createBackend } from '@backstage/backend-defaults';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { kratixPipelinesExtensionPoint } from '@kratix-backstage/plugin-kratix-node';
import { kratixPlugin } from '../plugin';
import { echoPipeline } from './echoPipeline';
import {
  READY_MARKER,
  SLOW_PIPELINES_VARIABLE,
  SlowPipelines,
} from './replicaProcess';

/**
 * The echo pipeline, optionally slowed down, each run leaving a file named
 * after its object in a directory while it runs: a test that kills the
 * replica then knows which runs it cut short.
 */
const echoPipelineModule = (slow?: SlowPipelines) =>
  createBackendModule({
    pluginId: 'kratix',
    moduleId: 'echo-pipeline',
    register(env) {
      env.registerInit({
        deps: { pipelines: kratixPipelinesExtensionPoint },
        async init({ pipelines }) {
          pipelines.addInProcessPipeline({
            image: echoPipeline.image,
            async run(context) {
              if (!slow) return echoPipeline.run(context);
              const marker = path.join(
                slow.inFlightDir,
                context.object.metadata.name,
              );
              fs.writeFileSync(marker, '');
              await new Promise(r => setTimeout(r, slow.delayMs));
              await echoPipeline.run(context);
              return fs.rmSync(marker);
            },
          });
        },
      });
    },
  });

async function answers(url: string, token: string) {
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function main() {
  const baseUrl = process.env.KRATIX_REPLICA_URL!;
  const token = process.env.KRATIX_REPLICA_TOKEN!;
  // The parent holds our stdin open: when it goes, even by SIGKILL, so do
  // we, and no replica outlives its test.
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();

  const backend = createBackend();
  backend.add(kratixPlugin);
  const slow = process.env[SLOW_PIPELINES_VARIABLE];
  backend.add(echoPipelineModule(slow ? JSON.parse(slow) : undefined));
  await backend.start();
  // Started is not serving: ready once an authorised call is answered.
  const probe = `${baseUrl}/apis/platform.kratix.io/v1alpha1/destinations`;
  while (!(await answers(probe, token))) {
    await new Promise(r => setTimeout(r, 100));
  }
  process.stdout.write(`\n${READY_MARKER} ${baseUrl}\n`);
}

main().catch(error => {
  process.stderr.write(`replica failed to start: ${error?.stack ?? error}\n`);
  process.exit(1);
});
