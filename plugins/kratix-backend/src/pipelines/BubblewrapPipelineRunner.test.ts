import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ContainerSpec } from '@kratix-backstage/plugin-kratix-common';
import fs from 'node:fs';
import path from 'node:path';
import {
  BubblewrapPipelineRunner,
  containerArgv,
} from './BubblewrapPipelineRunner';
import {
  DEFAULT_PIPELINE_TIMEOUT_MS,
  readPipelinesConfig,
} from './pipelinesConfig';
import {
  BWRAP_PATH,
  describeWithBwrap,
  processesMatching,
  processesStarted,
  tempDir,
  uniqueSleepSeconds,
  writeScript,
} from './__testUtils__/sandbox';

const IMAGE = 'example.com/test/image:v1';

describe('containerArgv', () => {
  const mapping = { command: ['/img/run', '--default'] };

  it('uses the mapped command as the entry point', () => {
    expect(containerArgv(mapping, {})).toEqual(['/img/run', '--default']);
  });

  it('appends args to the entry point', () => {
    expect(containerArgv(mapping, { args: ['a', 'b'] })).toEqual([
      '/img/run',
      '--default',
      'a',
      'b',
    ]);
  });

  it('lets command replace the entry point, followed by args', () => {
    expect(
      containerArgv(mapping, { command: ['sh', '-c'], args: ['echo hi'] }),
    ).toEqual(['sh', '-c', 'echo hi']);
  });
});

describe('BubblewrapPipelineRunner.fromConfig', () => {
  const config = (pipelines: object) =>
    new ConfigReader({ kratix: { pipelines } });

  it('maps image references with dots, slashes and colons', () => {
    const runner = BubblewrapPipelineRunner.fromConfig(
      config({ images: { 'ghcr.io/a/b:v0.1.0': '/opt/b/run' } }),
    );
    expect(runner.canRun({ name: 'c', image: 'ghcr.io/a/b:v0.1.0' })).toBe(
      true,
    );
    expect(runner.canRun({ name: 'c', image: 'ghcr.io/a/b:v0.2.0' })).toBe(
      false,
    );
    expect(runner.canRun({ name: 'c', image: 'constructor' })).toBe(false);
  });
});

describe('readPipelinesConfig', () => {
  const read = (pipelines: object) =>
    readPipelinesConfig(
      new ConfigReader({ kratix: { pipelines } }),
      '/srv/app',
    );

  it('resolves relative executables against the working directory', () => {
    expect(
      read({
        images: {
          a: 'pipelines/a/run',
          b: { command: ['./b/run', 'x'] },
          c: { command: ['bash', '/opt/c.sh'] },
        },
      }).images,
    ).toEqual({
      a: { command: ['/srv/app/pipelines/a/run'] },
      b: { command: ['/srv/app/b/run', 'x'] },
      c: { command: ['bash', '/opt/c.sh'] },
    });
  });

  it('reads the timeout as seconds, a duration string or a duration object', () => {
    expect(read({}).timeoutMs).toBe(DEFAULT_PIPELINE_TIMEOUT_MS);
    expect(read({ timeout: 30 }).timeoutMs).toBe(30_000);
    expect(read({ timeout: '2m' }).timeoutMs).toBe(120_000);
    expect(read({ timeout: 'PT1M30S' }).timeoutMs).toBe(90_000);
    expect(read({ timeout: { minutes: 1, seconds: 5 } }).timeoutMs).toBe(
      65_000,
    );
  });

  it('rejects mappings that are not an executable', () => {
    expect(() => read({ images: { a: { command: [] } } })).toThrow(
      /kratix.pipelines.images\["a"\]/,
    );
    expect(() => read({ images: ['a'] })).toThrow(/must be a map/);
  });
});

describeWithBwrap('BubblewrapPipelineRunner', () => {
  const root = tempDir('kratix-bwrap-test-');
  const imageDir = path.join(root, 'image');
  fs.mkdirSync(imageDir);
  const logger = mockServices.logger.mock();

  let work: { inputDir: string; outputDir: string; metadataDir: string };
  let counter = 0;
  beforeEach(() => {
    const dir = path.join(root, `work-${counter++}`);
    work = {
      inputDir: path.join(dir, 'input'),
      outputDir: path.join(dir, 'output'),
      metadataDir: path.join(dir, 'metadata'),
    };
    Object.values(work).forEach(d => fs.mkdirSync(d, { recursive: true }));
    fs.writeFileSync(path.join(work.inputDir, 'object.yaml'), 'kind: Test\n');
  });

  const runnerFor = (
    body: string,
    options: { timeoutMs?: number; maxLogBytes?: number } = {},
  ) =>
    new BubblewrapPipelineRunner({
      images: {
        [IMAGE]: { command: [writeScript(imageDir, `run-${counter}`, body)] },
      },
      timeoutMs: options.timeoutMs ?? 20_000,
      maxLogBytes: options.maxLogBytes ?? 64 * 1024,
      bwrapPath: BWRAP_PATH,
    });

  const run = (
    runner: BubblewrapPipelineRunner,
    container: Partial<ContainerSpec> = {},
    signal: AbortSignal = new AbortController().signal,
  ) =>
    runner.run({
      container: { name: 'stage-0', image: IMAGE, ...container },
      ...work,
      env: { KRATIX_OBJECT_NAME: 'example', GREETING: 'hello world' },
      signal,
      logger,
    });

  it('runs the mapped executable with the /kratix contract and the given environment', async () => {
    const runner = runnerFor(`
      cat /kratix/input/object.yaml > /kratix/output/copy.yaml
      echo "status: {}" > /kratix/metadata/status.yaml
      echo "pwd=$(pwd) home=$HOME path=$PATH name=$KRATIX_OBJECT_NAME greeting=$GREETING"
      echo "env-count=$(env | grep -cv '^_=')"
      touch /kratix/input/forbidden 2>/dev/null && echo "input writable" || echo "input read-only"
      touch /usr/forbidden 2>/dev/null && echo "usr writable" || echo "usr read-only"
    `);
    const result = await run(runner);
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    expect(result.logs).toContain(
      'pwd=/kratix home=/tmp path=/usr/local/bin:/usr/bin:/bin name=example greeting=hello world',
    );
    // PATH, HOME, PWD, SHLVL and our two: nothing leaks from the backend.
    expect(result.logs).toMatch(/env-count=[4-6]\n/);
    expect(result.logs).toContain('input read-only');
    expect(result.logs).toContain('usr read-only');
    expect(
      fs.readFileSync(path.join(work.outputDir, 'copy.yaml'), 'utf8'),
    ).toBe('kind: Test\n');
    expect(fs.existsSync(path.join(work.metadataDir, 'status.yaml'))).toBe(
      true,
    );
  });

  it('shows nothing of the host but /usr and the image directory', async () => {
    const runner = runnerFor(`
      ls /
      test -e /etc/passwd && echo "etc visible" || echo "no etc"
      test -e ${root}/work-0 && echo "other work visible" || echo "no other work"
      test -e /work && echo "work visible" || echo "no work"
    `);
    const result = await run(runner);
    expect(result.exitCode).toBe(0);
    expect(result.logs).toContain('no etc');
    expect(result.logs).toContain('no other work');
    expect(result.logs).toContain('no work');
  });

  it('has no network', async () => {
    const runner = runnerFor(`
      cat /proc/net/dev
      (echo > /dev/tcp/1.1.1.1/53) 2>/dev/null && echo "connected" || echo "no route"
    `);
    const result = await run(runner);
    const interfaces = result.logs
      .split('\n')
      .filter(line => /^\s*\w+:/.test(line))
      .map(line => line.trim().split(':')[0]);
    expect(interfaces).toEqual(['lo']);
    expect(result.logs).toContain('no route');
  });

  it('appends args to the mapped entry point, and lets command replace it', async () => {
    const runner = runnerFor('echo "entrypoint args: $*"');
    const withArgs = await run(runner, { args: ['one', 'two words'] });
    expect(withArgs.logs).toContain('entrypoint args: one two words');

    const withCommand = await run(runner, {
      command: ['sh', '-c', 'echo "command $0 $1"'],
      args: ['a', 'b'],
    });
    expect(withCommand.exitCode).toBe(0);
    expect(withCommand.logs.trim()).toBe('command a b');
  });

  it('returns a non-zero exit code with the logs instead of throwing', async () => {
    const runner = runnerFor(
      'echo "about to fail"; echo "bad input" >&2; exit 3',
    );
    const result = await run(runner);
    expect(result.exitCode).toBe(3);
    expect(result.logs).toContain('about to fail');
    expect(result.logs).toContain('bad input');
  });

  it('keeps the tail of long logs', async () => {
    const runner = runnerFor('for i in $(seq 1 500); do echo "line $i"; done', {
      maxLogBytes: 100,
    });
    const result = await run(runner);
    expect(result.logs).toMatch(
      /^\[\.\.\. \d+ bytes of earlier output dropped \.\.\.\]\n/,
    );
    expect(result.logs).toContain('line 500\n');
    expect(result.logs).not.toContain('line 1\n');
  });

  it('kills a container that outlives its timeout, with everything it started', async () => {
    const seconds = uniqueSleepSeconds();
    const runner = runnerFor(`sleep ${seconds} & sleep ${seconds}`, {
      timeoutMs: 1000,
    });
    const started = Date.now();
    const result = await run(runner);
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The run ends when its output pipes close, which every process that
    // inherited them holds until it exits: none may be left by then.
    expect(processesMatching(seconds)).toEqual([]);
  });

  it('stops when the signal is aborted', async () => {
    const seconds = uniqueSleepSeconds();
    const runner = runnerFor(`sleep ${seconds}`);
    const controller = new AbortController();
    const running = run(runner, {}, controller.signal);
    // Seeing it run also proves the leftover check below can see
    // sandboxed processes at all.
    await processesStarted(seconds);
    controller.abort();
    const result = await running;
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(137);
    expect(processesMatching(seconds)).toEqual([]);
  });

  it('rejects when bwrap itself cannot be started', async () => {
    const runner = new BubblewrapPipelineRunner({
      images: { [IMAGE]: { command: ['/bin/true'] } },
      timeoutMs: 1000,
      maxLogBytes: 1024,
      bwrapPath: path.join(root, 'no-such-bwrap'),
    });
    await expect(run(runner)).rejects.toThrow(/cannot start/);
  });
});
