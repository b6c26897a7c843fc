import { createHash } from 'crypto';
import {
  aggregatedFile,
  canaryFiles,
  parseStateFile,
  placementDirectory,
  PlacementInput,
  placementFiles,
  stateFilePath,
} from './layout';

// The default workload group is the directory '.', as in Kratix.
const DEFAULT_GROUP_ID = createHash('md5').update('.').digest('hex');

const staticDeps: PlacementInput = {
  name: 'elastic-cloud-static-deps.worker-1-5058f',
  namespace: 'kratix-platform-system',
  promiseName: 'elastic-cloud',
  groupId: DEFAULT_GROUP_ID,
  workloads: [
    { filepath: 'static/elastic-cloud-dependencies.yaml', content: 'deps\n' },
  ],
};

const resource: PlacementInput = {
  name: 'elastic-cloud-example-instance-configure-abcde.worker-1-5058f',
  namespace: 'default',
  promiseName: 'elastic-cloud',
  resourceName: 'example',
  pipelineName: 'instance-configure',
  groupId: DEFAULT_GROUP_ID,
  workloads: [
    { filepath: 'elasticsearch.yaml', content: 'kind: Elasticsearch\n' },
    { filepath: 'beats/beat.yaml', content: 'kind: Beat\n' },
  ],
};

const paths = (files: { path: string }[]) => files.map(f => f.path);

describe('placementFiles, nestedByMetadata', () => {
  it('puts static dependencies under the promise, without a pipeline', () => {
    expect(DEFAULT_GROUP_ID.startsWith('5058f')).toBe(true);
    expect(
      placementFiles({
        mode: 'nestedByMetadata',
        destinationPath: 'worker-1',
        placement: staticDeps,
      }),
    ).toEqual([
      {
        path: 'worker-1/dependencies/elastic-cloud/5058f/static/elastic-cloud-dependencies.yaml',
        content: 'deps\n',
      },
    ]);
  });

  it('puts promise workflow output under the pipeline', () => {
    const files = placementFiles({
      mode: 'nestedByMetadata',
      destinationPath: 'worker-1',
      placement: {
        ...staticDeps,
        pipelineName: 'promise-configure',
        workloads: [{ filepath: 'ns.yaml', content: '' }],
      },
    });
    expect(paths(files)).toEqual([
      'worker-1/dependencies/elastic-cloud/promise-configure/5058f/ns.yaml',
    ]);
  });

  it('puts resource output under namespace, promise, resource, pipeline and group', () => {
    expect(
      paths(
        placementFiles({
          mode: 'nestedByMetadata',
          destinationPath: 'worker-1',
          placement: resource,
        }),
      ),
    ).toEqual([
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/elasticsearch.yaml',
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats/beat.yaml',
    ]);
    expect(placementDirectory('worker-1', resource)).toBe(
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f',
    );
  });

  it.each(['', '.', './', './/'])(
    'writes no leading ./ for destination path %j',
    destinationPath => {
      expect(
        paths(
          placementFiles({
            mode: 'nestedByMetadata',
            destinationPath,
            placement: staticDeps,
          }),
        ),
      ).toEqual([
        'dependencies/elastic-cloud/5058f/static/elastic-cloud-dependencies.yaml',
      ]);
    },
  );

  it('normalises the destination path', () => {
    expect(placementDirectory('./clusters/worker-1/', staticDeps)).toBe(
      'clusters/worker-1/dependencies/elastic-cloud/5058f',
    );
  });

  it.each([
    ['a workload that climbs out', { filepath: '../../other/x.yaml' }],
    ['an absolute workload', { filepath: '/etc/passwd' }],
    ['an empty segment', { filepath: 'a//b.yaml' }],
  ])('rejects %s', (_, workload) => {
    expect(() =>
      placementFiles({
        mode: 'nestedByMetadata',
        destinationPath: 'worker-1',
        placement: { ...resource, workloads: [{ ...workload, content: '' }] },
      }),
    ).toThrow(/Invalid state store path/);
  });

  it('rejects names that are not one segment', () => {
    expect(() =>
      placementDirectory('worker-1', { ...resource, resourceName: '../x' }),
    ).toThrow('Invalid resource name "../x": must be a single path segment');
    expect(() =>
      placementDirectory('worker-1', { ...resource, namespace: 'a/b' }),
    ).toThrow(/Invalid namespace/);
  });

  it('rejects a destination path that climbs out', () => {
    expect(() => placementDirectory('../worker-1', resource)).toThrow(
      /must not contain "\.\."/,
    );
  });

  it('rejects two workloads at one path and a short group id', () => {
    expect(() =>
      placementFiles({
        mode: 'nestedByMetadata',
        destinationPath: 'w',
        placement: {
          ...resource,
          workloads: [
            { filepath: 'a.yaml', content: '1' },
            { filepath: './a.yaml', content: '2' },
          ],
        },
      }),
    ).toThrow(/more than one workload at "a.yaml"/);
    expect(() =>
      placementDirectory('w', { ...resource, groupId: 'abc' }),
    ).toThrow(/group id/);
  });

  it('refuses aggregatedYAML', () => {
    expect(() =>
      placementFiles({
        mode: 'aggregatedYAML',
        destinationPath: 'w',
        placement: resource,
      }),
    ).toThrow(/aggregatedFile/);
  });
});

describe('placementFiles, none', () => {
  it('writes flat files and a state file naming them', () => {
    const files = placementFiles({
      mode: 'none',
      destinationPath: 'worker-1',
      placement: resource,
    });
    expect(files).toEqual([
      { path: 'worker-1/elasticsearch.yaml', content: 'kind: Elasticsearch\n' },
      { path: 'worker-1/beats/beat.yaml', content: 'kind: Beat\n' },
      {
        path: `worker-1/.kratix/default-${resource.name}.yaml`,
        content:
          'files:\n- worker-1/beats/beat.yaml\n- worker-1/elasticsearch.yaml\n',
      },
    ]);
    expect(stateFilePath('worker-1', resource)).toBe(files[2].path);
    expect(parseStateFile(files[2].content)).toEqual([
      'worker-1/beats/beat.yaml',
      'worker-1/elasticsearch.yaml',
    ]);
  });

  it('writes an empty list for a placement without workloads', () => {
    const files = placementFiles({
      mode: 'none',
      destinationPath: '.',
      placement: { ...resource, workloads: [] },
    });
    expect(files).toEqual([
      { path: `.kratix/default-${resource.name}.yaml`, content: 'files: []\n' },
    ]);
    expect(parseStateFile(files[0].content)).toEqual([]);
  });

  it('keeps workloads out of the state file directory', () => {
    expect(() =>
      placementFiles({
        mode: 'none',
        destinationPath: 'w',
        placement: {
          ...resource,
          workloads: [{ filepath: '.kratix/default-other.yaml', content: '' }],
        },
      }),
    ).toThrow(/reserves for its state files/);
  });

  it('rejects a malformed state file', () => {
    expect(() => parseStateFile('files: 3\n')).toThrow(
      /Invalid .kratix state file/,
    );
    expect(parseStateFile('')).toEqual([]);
  });
});

describe('aggregatedFile', () => {
  const placement = (
    name: string,
    workloads: [string, string][],
  ): PlacementInput => ({
    name,
    namespace: 'default',
    promiseName: 'p',
    resourceName: name,
    groupId: DEFAULT_GROUP_ID,
    workloads: workloads.map(([filepath, content]) => ({ filepath, content })),
  });

  it('orders by placement name, then file path, whatever the input order', () => {
    const b = placement('b', [
      ['z.yaml', 'b-z'],
      ['a.yaml', 'b-a\n'],
    ]);
    const a = placement('a', [['m.yaml', 'a-m']]);
    const c = placement('c', [['0.yaml', 'c-0\n']]);
    const expected = {
      path: 'worker-1/aggregated.yaml',
      content: 'a-m\n---\nb-a\n---\nb-z\n---\nc-0\n',
    };
    expect(
      aggregatedFile({ destinationPath: 'worker-1', placements: [c, b, a] }),
    ).toEqual(expected);
    expect(
      aggregatedFile({ destinationPath: 'worker-1', placements: [a, c, b] }),
    ).toEqual(expected);
  });

  it('uses the filename and gives empty content without placements', () => {
    expect(
      aggregatedFile({
        destinationPath: '',
        filename: 'catalog.yaml',
        placements: [],
      }),
    ).toEqual({ path: 'catalog.yaml', content: '' });
  });
});

describe('canaryFiles', () => {
  const namespace =
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kratix-worker-system\nspec: {}\nstatus: {}\n';
  const configMap =
    'apiVersion: v1\ndata:\n  canary: this confirms your infrastructure is reading from Kratix state stores\nkind: ConfigMap\nmetadata:\n  name: kratix-info\n  namespace: kratix-worker-system\n';

  it('splits them between dependencies/ and resources/ for nestedByMetadata', () => {
    expect(canaryFiles('nestedByMetadata', 'worker-1')).toEqual([
      {
        path: 'worker-1/dependencies/kratix-canary-namespace.yaml',
        content: namespace,
      },
      {
        path: 'worker-1/resources/kratix-canary-configmap.yaml',
        content: configMap,
      },
    ]);
  });

  it.each(['none', 'aggregatedYAML'] as const)(
    'puts them flat under the destination for %s',
    mode => {
      expect(canaryFiles(mode, 'worker-1')).toEqual([
        { path: 'worker-1/kratix-canary-namespace.yaml', content: namespace },
        { path: 'worker-1/kratix-canary-configmap.yaml', content: configMap },
      ]);
    },
  );

  it('has no leading ./ at the store root', () => {
    expect(paths(canaryFiles('nestedByMetadata', '.'))).toEqual([
      'dependencies/kratix-canary-namespace.yaml',
      'resources/kratix-canary-configmap.yaml',
    ]);
  });

  it('refuses an aggregated file name that a canary would overwrite', () => {
    expect(() =>
      canaryFiles('aggregatedYAML', 'w', 'kratix-canary-namespace.yaml'),
    ).toThrow(/canary/);
  });
});
