import { mockServices } from '@backstage/backend-test-utils';
import {
  ContainerSpec,
  KubeObject,
  PipelineObject,
  PromiseObject,
} from '@kratix-backstage/plugin-kratix-common';
import { InProcessPipeline } from '@kratix-backstage/plugin-kratix-node';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BubblewrapPipelineRunner } from './BubblewrapPipelineRunner';
import { kratixEnv } from './kratixEnv';
import { runPipeline, RunPipelineOptions } from './runPipeline';
import { workloadGroupId } from './workloadGroups';
import {
  BWRAP_PATH,
  describeWithBwrap,
  processesMatching,
  processesStarted,
  tempDir,
  uniqueSleepSeconds,
  writeScript,
} from './__testUtils__/sandbox';

const EXAMPLES = path.resolve(__dirname, '../../../../examples');
const ELASTIC_IMAGE =
  'ghcr.io/syntasso/kratix-marketplace/elastic-cloud-configure-pipeline:v0.1.0';

const logger = mockServices.logger.mock();

const request: KubeObject = {
  apiVersion: 'example.com/v1',
  kind: 'thing',
  metadata: { name: 'one', namespace: 'default' },
  spec: {},
};

const pipelineOf = (...containers: ContainerSpec[]): PipelineObject => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'configure' },
  spec: { containers },
});

describeWithBwrap('runPipeline', () => {
  const imageDir = tempDir('kratix-run-pipeline-test-');
  let scripts = 0;

  /** A runner whose images are bash scripts, one per image name. */
  const runnerFor = (
    images: Record<string, string>,
    timeoutMs = 20_000,
  ): BubblewrapPipelineRunner =>
    new BubblewrapPipelineRunner({
      images: Object.fromEntries(
        Object.entries(images).map(([image, body]) => [
          image,
          { command: [writeScript(imageDir, `run-${scripts++}`, body)] },
        ]),
      ),
      timeoutMs,
      maxLogBytes: 64 * 1024,
      bwrapPath: BWRAP_PATH,
    });

  /** One container, image `img`, running `body`. */
  const runScript = (body: string, options: Partial<RunPipelineOptions> = {}) =>
    runPipeline({
      pipeline: pipelineOf({ name: 'stage-0', image: 'img' }),
      object: request,
      env: { KRATIX_WORKFLOW_TYPE: 'resource' },
      runners: [runnerFor({ img: body })],
      inProcess: new Map(),
      logger,
      ...options,
    });

  describe('the elastic-cloud example', () => {
    const promise = parseYaml(
      fs.readFileSync(
        path.join(EXAMPLES, 'elastic-cloud/promise.yaml'),
        'utf8',
      ),
    ) as PromiseObject;
    const pipeline = promise.spec!.workflows!.resource!.configure![0];
    const runner = new BubblewrapPipelineRunner({
      images: {
        [ELASTIC_IMAGE]: {
          command: [path.join(EXAMPLES, 'elastic-cloud/pipeline/run')],
        },
      },
      timeoutMs: 20_000,
      maxLogBytes: 64 * 1024,
      bwrapPath: BWRAP_PATH,
    });
    const exampleRequest = parseYaml(
      fs.readFileSync(path.join(EXAMPLES, 'resource-request.yaml'), 'utf8'),
    ) as KubeObject;

    const runExample = (object: KubeObject) =>
      runPipeline({
        pipeline,
        object,
        env: kratixEnv({
          action: 'configure',
          workflowType: 'resource',
          promise,
          pipelineName: pipeline.metadata.name,
          object,
        }),
        runners: [runner],
        inProcess: new Map(),
        logger,
      });

    it('is the tutorial Promise', () => {
      expect(pipeline.metadata.name).toBe('instance-configure');
      expect(pipeline.spec.containers).toEqual([
        { name: 'pipeline-stage-0', image: ELASTIC_IMAGE },
      ]);
      expect(promise.spec!.destinationSelectors).toEqual([
        { matchLabels: { environment: 'dev' } },
      ]);
      expect(exampleRequest.spec).toEqual({ enableDataCollection: true });
    });

    it('with data collection: Beats, Elasticsearch, Kibana, and pvCapacity=large', async () => {
      const result = await runExample(exampleRequest);
      if (!result.ok) throw new Error(result.message);
      expect(result.logs).toContain(
        'Setting additional cluster selectors: pvCapacity=large',
      );
      expect(result.workloadGroups).toHaveLength(1);
      const [group] = result.workloadGroups;
      expect(group.directory).toBe('.');
      expect(group.id).toMatch(/^5058f/);
      expect(group.workloads.map(w => w.filepath)).toEqual([
        'beats.yaml',
        'elasticsearch.yaml',
        'kibana.yaml',
      ]);
      expect(group.destinationSelectors).toEqual([
        { matchLabels: { pvCapacity: 'large' }, source: 'resource-workflow' },
      ]);
      for (const workload of group.workloads) {
        const object = parseYaml(workload.content);
        expect(object.metadata).toEqual({
          name: 'example',
          namespace: 'default',
        });
      }
      const beats = parseYaml(group.workloads[0].content);
      expect(beats).toMatchObject({
        apiVersion: 'beat.k8s.elastic.co/v1beta1',
        kind: 'Beat',
        spec: { elasticsearchRef: { name: 'example' } },
      });
    });

    it('without data collection: no Beats and no extra selectors', async () => {
      const result = await runExample({
        ...exampleRequest,
        metadata: { name: 'quiet', namespace: 'team-a' },
        spec: { enableDataCollection: false },
      });
      if (!result.ok) throw new Error(result.message);
      expect(result.logs).not.toContain('pvCapacity');
      const [group] = result.workloadGroups;
      expect(group.workloads.map(w => w.filepath)).toEqual([
        'elasticsearch.yaml',
        'kibana.yaml',
      ]);
      expect(group.destinationSelectors).toEqual([]);
      expect(parseYaml(group.workloads[0].content).metadata).toEqual({
        name: 'quiet',
        namespace: 'team-a',
      });
    });
  });

  it('runs containers in order over shared directories, with the container env', async () => {
    const runners = [
      runnerFor({
        first: 'echo "from first" > /kratix/output/a.yaml',
        second:
          'echo "second saw: $(cat /kratix/output/a.yaml) $KRATIX_WORKFLOW_TYPE $COLOUR"; echo "b: 1" > /kratix/output/b.yaml',
      }),
    ];
    const result = await runPipeline({
      pipeline: pipelineOf(
        { name: 'one', image: 'first' },
        {
          name: 'two',
          image: 'second',
          env: [{ name: 'COLOUR', value: 'blue' }],
        },
      ),
      object: request,
      env: { KRATIX_WORKFLOW_TYPE: 'resource' },
      runners,
      inProcess: new Map(),
      logger,
    });
    if (!result.ok) throw new Error(result.message);
    expect(result.logs).toContain('second saw: from first resource blue');
    expect(result.logs).toMatch(/==> container "one"[^]*==> container "two"/);
    expect(result.workloadGroups[0].workloads).toEqual([
      { filepath: 'a.yaml', content: 'from first\n' },
      { filepath: 'b.yaml', content: 'b: 1\n' },
    ]);
  });

  it('writes the object as YAML to /kratix/input/object.yaml', async () => {
    const result = await runScript(
      'cp /kratix/input/object.yaml /kratix/output/',
    );
    if (!result.ok) throw new Error(result.message);
    expect(parseYaml(result.workloadGroups[0].workloads[0].content)).toEqual(
      request,
    );
  });

  it('fails with ImageNotMapped when no runner can run an image', async () => {
    const result = await runPipeline({
      pipeline: {
        ...pipelineOf({ name: 'c', image: 'ghcr.io/nobody/x:v1' }),
        metadata: { name: 'p' },
      },
      object: request,
      env: {},
      runners: [runnerFor({ img: 'true' })],
      inProcess: new Map(),
      logger,
    });
    expect(result).toMatchObject({
      ok: false,
      reason: 'ImageNotMapped',
      message:
        'no pipeline runner can run image "ghcr.io/nobody/x:v1" (container "c" of pipeline "p"); map it in kratix.pipelines.images',
    });
  });

  it('fails with InvalidPipeline, not an exception, on a malformed container spec', async () => {
    const run = (container: Record<string, unknown>) =>
      runPipeline({
        pipeline: pipelineOf({
          name: 'c',
          image: 'img',
          ...container,
        } as ContainerSpec),
        object: request,
        env: {},
        runners: [runnerFor({ img: 'true' })],
        inProcess: new Map(),
        logger,
      });
    expect(await run({ env: 'A=1' })).toMatchObject({
      ok: false,
      reason: 'InvalidPipeline',
      message:
        'container "c" of pipeline "configure": env must be a list of {name, value}',
    });
    expect(await run({ env: [{ name: 'A', value: 1 }] })).toMatchObject({
      ok: false,
      reason: 'InvalidPipeline',
      message: expect.stringContaining('env[0] must be {name, value}'),
    });
    expect(await run({ args: 'run' })).toMatchObject({
      ok: false,
      reason: 'InvalidPipeline',
      message:
        'container "c" of pipeline "configure": args must be a list of strings',
    });
    expect(
      await run({ env: [{ name: 'A', value: '1' }], args: [] }),
    ).toMatchObject({ ok: true });
  });

  it('stops at the first failing container and reports its exit code and log tail', async () => {
    const result = await runPipeline({
      pipeline: pipelineOf(
        { name: 'breaks', image: 'fail' },
        { name: 'never', image: 'ok' },
      ),
      object: request,
      env: {},
      runners: [
        runnerFor({
          fail: 'for i in $(seq 1 50); do echo "noise $i"; done; echo "cannot reach the database" >&2; exit 3',
          ok: 'echo "should not run"',
        }),
      ],
      inProcess: new Map(),
      logger,
    });
    if (result.ok) throw new Error('expected a failure');
    expect(result.reason).toBe('ContainerFailed');
    expect(result.message).toMatch(
      /^container "breaks" of pipeline "configure" failed with exit code 3/,
    );
    expect(result.message).toContain('cannot reach the database');
    expect(result.message).toContain('noise 50');
    expect(result.message).not.toContain('noise 1\n');
    expect(result.logs).toContain('noise 1\n');
    expect(result.logs).not.toContain('should not run');
  });

  it('fails with Timeout when a container hangs, leaving no process behind', async () => {
    const seconds = uniqueSleepSeconds();
    const result = await runPipeline({
      pipeline: pipelineOf({ name: 'hangs', image: 'sleepy' }),
      object: request,
      env: {},
      runners: [
        runnerFor({ sleepy: `echo "waiting"; sleep ${seconds}` }, 1000),
      ],
      inProcess: new Map(),
      logger,
    });
    if (result.ok) throw new Error('expected a failure');
    expect(result.reason).toBe('Timeout');
    expect(result.message).toMatch(
      /^container "hangs" of pipeline "configure" timed out after 1s/,
    );
    expect(result.message).toContain('waiting');
    // The run ends when the container's output pipes close: nothing that
    // holds them can be left.
    expect(processesMatching(seconds)).toEqual([]);
  });

  it('fails with Aborted when the caller aborts a running container', async () => {
    const seconds = uniqueSleepSeconds();
    const controller = new AbortController();
    const running = runScript(`sleep ${seconds}`, {
      signal: controller.signal,
    });
    await processesStarted(seconds);
    controller.abort();
    expect(await running).toMatchObject({ ok: false, reason: 'Aborted' });
    expect(processesMatching(seconds)).toEqual([]);
  });

  it('refuses a symlink in the output, even to a readable host file', async () => {
    const result = await runScript('ln -s /etc/passwd /kratix/output/passwd');
    expect(result).toMatchObject({
      ok: false,
      reason: 'InvalidOutput',
      message:
        'output path "passwd" escapes /kratix/output: symbolic links are not allowed',
    });
  });

  it('refuses a symlinked directory and special files in the output', async () => {
    expect(
      await runScript('mkdir /kratix/output/d; ln -s / /kratix/output/d/root'),
    ).toMatchObject({
      ok: false,
      reason: 'InvalidOutput',
      message: expect.stringContaining('output path "d/root" escapes'),
    });
    expect(await runScript('mkfifo /kratix/output/pipe')).toMatchObject({
      ok: false,
      reason: 'InvalidOutput',
      message: 'output path "pipe" is not a regular file or directory',
    });
  });

  it('refuses a symlinked metadata file', async () => {
    const result = await runScript(
      'ln -s /etc/hostname /kratix/metadata/status.yaml',
    );
    expect(result).toMatchObject({ ok: false, reason: 'InvalidOutput' });
  });

  it('enforces the output limits', async () => {
    const manyFiles = await runScript(
      'for i in 1 2 3; do echo x > /kratix/output/f$i.yaml; done',
      { limits: { maxOutputFiles: 2 } },
    );
    expect(manyFiles).toMatchObject({
      ok: false,
      reason: 'OutputTooLarge',
      message: expect.stringContaining('more than 2 files'),
    });
    const bigFile = await runScript(
      'head -c 2000 /dev/zero > /kratix/output/big.yaml',
      { limits: { maxOutputBytes: 1000 } },
    );
    expect(bigFile).toMatchObject({
      ok: false,
      reason: 'OutputTooLarge',
      message: expect.stringContaining('larger than 1000 bytes'),
    });
  });

  it('makes a workload group of each directory named in destination-selectors.yaml', async () => {
    const result = await runScript(`
      mkdir -p /kratix/output/backup /kratix/output/other
      echo "kind: Job" > /kratix/output/backup/job.yaml
      echo "kind: CronJob" > /kratix/output/backup/cron.yaml
      echo "kind: Deployment" > /kratix/output/app.yaml
      echo "kind: Service" > /kratix/output/other/svc.yaml
      printf '%s\n' \
        '- matchLabels: { environment: dev }' \
        '- directory: backup' \
        '  matchLabels: { tier: backup }' \
        > /kratix/metadata/destination-selectors.yaml
    `);
    if (!result.ok) throw new Error(result.message);
    expect(result.workloadGroups).toEqual([
      {
        id: workloadGroupId('.'),
        directory: '.',
        workloads: [
          { filepath: 'app.yaml', content: 'kind: Deployment\n' },
          { filepath: 'other/svc.yaml', content: 'kind: Service\n' },
        ],
        destinationSelectors: [
          { matchLabels: { environment: 'dev' }, source: 'resource-workflow' },
        ],
      },
      {
        id: workloadGroupId('backup'),
        directory: 'backup',
        workloads: [
          { filepath: 'backup/cron.yaml', content: 'kind: CronJob\n' },
          { filepath: 'backup/job.yaml', content: 'kind: Job\n' },
        ],
        destinationSelectors: [
          { matchLabels: { tier: 'backup' }, source: 'resource-workflow' },
        ],
      },
    ]);
  });

  it('has no root group when every file is in a directory group, and tags promise workflow selectors', async () => {
    const result = await runScript(
      `
      mkdir -p /kratix/output/backup
      echo "kind: Job" > /kratix/output/backup/job.yaml
      echo "[{directory: backup, matchLabels: {tier: backup}}]" > /kratix/metadata/destination-selectors.yaml
    `,
      { env: { KRATIX_WORKFLOW_TYPE: 'promise' } },
    );
    if (!result.ok) throw new Error(result.message);
    expect(
      result.workloadGroups.map(g => [g.directory, g.destinationSelectors]),
    ).toEqual([
      [
        'backup',
        [{ matchLabels: { tier: 'backup' }, source: 'promise-workflow' }],
      ],
    ]);
  });

  it('fails clearly on an invalid destination-selectors.yaml', async () => {
    const noSelectors = await runScript(
      'echo "kind: X" > /kratix/output/a.yaml; echo "- directory: nowhere" > /kratix/metadata/destination-selectors.yaml',
    );
    expect(noSelectors).toMatchObject({
      ok: false,
      reason: 'InvalidDestinationSelectors',
      message: expect.stringContaining('entry with index 0 has no selectors'),
    });
    const missingDir = await runScript(
      'echo "[{directory: nowhere, matchLabels: {a: b}}]" > /kratix/metadata/destination-selectors.yaml',
    );
    expect(missingDir).toMatchObject({
      ok: false,
      reason: 'InvalidDestinationSelectors',
      message: expect.stringContaining('nowhere'),
    });
  });

  it('returns status.yaml and workflow-control.yaml', async () => {
    const result = await runScript(`
      echo "message: ready" > /kratix/metadata/status.yaml
      echo "suspend: true" > /kratix/metadata/workflow-control.yaml
    `);
    expect(result).toMatchObject({
      ok: true,
      workloadGroups: [],
      status: { message: 'ready' },
      workflowControl: { suspend: true },
    });
  });

  it('fails with InvalidStatus on a status.yaml that is not a YAML map', async () => {
    expect(
      await runScript(
        'echo "message: [unclosed" > /kratix/metadata/status.yaml',
      ),
    ).toMatchObject({ ok: false, reason: 'InvalidStatus' });
    expect(
      await runScript('echo "- a list" > /kratix/metadata/status.yaml'),
    ).toMatchObject({
      ok: false,
      reason: 'InvalidStatus',
      message: expect.stringContaining('status.yaml: expected a YAML map'),
    });
  });

  it('fails with InvalidStatus on status.yaml conditions that are not a list of typed maps', async () => {
    expect(
      await runScript(
        'echo "conditions: all good" > /kratix/metadata/status.yaml',
      ),
    ).toMatchObject({
      ok: false,
      reason: 'InvalidStatus',
      message:
        'invalid /kratix/metadata/status.yaml: conditions must be a list of conditions (maps with type and status), got string "all good"',
    });
    expect(
      await runScript(
        'printf "conditions:\\n  - {type: Ready, status: \\"True\\"}\\n  - {status: \\"False\\"}\\n" > /kratix/metadata/status.yaml',
      ),
    ).toMatchObject({
      ok: false,
      reason: 'InvalidStatus',
      message:
        'invalid /kratix/metadata/status.yaml: conditions[1] must be a map with a non-empty type, got a map without a type',
    });
    expect(
      await runScript(
        'printf "conditions:\\n  - {type: Ready, status: \\"True\\"}\\n" > /kratix/metadata/status.yaml',
      ),
    ).toMatchObject({
      ok: true,
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });

  it('runs in-process pipelines registered for the image, before any runner', async () => {
    let seenOutputDir = '';
    const inProcess: InProcessPipeline = {
      image: 'ghcr.io/example/in-process:v1',
      async run({ object, env, outputDir, metadataDir, logger: log }) {
        seenOutputDir = outputDir;
        log.info(
          `configuring ${object.metadata.name} for ${env.KRATIX_PROMISE_NAME}`,
        );
        fs.writeFileSync(path.join(outputDir, 'cm.yaml'), 'kind: ConfigMap\n');
        fs.writeFileSync(
          path.join(metadataDir, 'destination-selectors.yaml'),
          '- matchLabels: {zone: eu}\n',
        );
      },
    };
    const result = await runPipeline({
      pipeline: pipelineOf({ name: 'ts', image: inProcess.image }),
      object: request,
      env: { KRATIX_PROMISE_NAME: 'things' },
      // A runner claiming the same image must lose to the in-process one.
      runners: [runnerFor({ [inProcess.image]: 'exit 1' })],
      inProcess: new Map([[inProcess.image, inProcess]]),
      logger,
    });
    if (!result.ok) throw new Error(result.message);
    expect(result.logs).toContain('info: configuring one for things');
    expect(result.workloadGroups).toEqual([
      {
        id: workloadGroupId('.'),
        directory: '.',
        workloads: [{ filepath: 'cm.yaml', content: 'kind: ConfigMap\n' }],
        destinationSelectors: [
          { matchLabels: { zone: 'eu' }, source: 'resource-workflow' },
        ],
      },
    ]);
    // The working directory is gone once the pipeline has finished.
    expect(seenOutputDir).not.toBe('');
    expect(fs.existsSync(path.dirname(seenOutputDir))).toBe(false);
  });

  it('reports a throwing in-process pipeline as ContainerFailed, and one that hangs as Timeout', async () => {
    const failing: InProcessPipeline = {
      image: 'failing',
      run: async () => {
        throw new Error('no quota left');
      },
    };
    const hanging: InProcessPipeline = {
      image: 'hanging',
      run: () => new Promise(() => {}),
    };
    const run = (image: string) =>
      runPipeline({
        pipeline: pipelineOf({ name: 'ts', image }),
        object: request,
        env: {},
        runners: [],
        inProcess: new Map([
          [failing.image, failing],
          [hanging.image, hanging],
        ]),
        logger,
        inProcessTimeoutMs: 200,
      });
    expect(await run('failing')).toMatchObject({
      ok: false,
      reason: 'ContainerFailed',
      message: expect.stringContaining('no quota left'),
    });
    expect(await run('hanging')).toMatchObject({
      ok: false,
      reason: 'Timeout',
    });
  });
});
