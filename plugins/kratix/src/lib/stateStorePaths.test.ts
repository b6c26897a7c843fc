import * as tutorial from '../__testUtils__/tutorial';
import { joinPath, placementFiles } from './stateStorePaths';

describe('placementFiles', () => {
  it('nests a resource placement by metadata, as Kratix writes it', () => {
    const files = placementFiles(tutorial.requestPlacement(), tutorial.worker1(), 'default', '.');
    expect(files.map(f => f.path)).toEqual([
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/beats.yaml',
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/elasticsearch.yaml',
    ]);
  });

  it('puts static dependencies under dependencies/<promise>/<group> without a pipeline segment', () => {
    const placement = tutorial.requestPlacement();
    placement.spec = {
      ...placement.spec!,
      resourceName: undefined,
      workloads: [{ filepath: 'static/elastic-cloud-dependencies.yaml', content: '' }],
    };
    delete placement.metadata.labels!['kratix.io/pipeline-name'];
    expect(placementFiles(placement, tutorial.worker1(), 'kratix-platform-system', 'stores/a')[0].path).toBe(
      'stores/a/worker-1/dependencies/elastic-cloud/5058f/static/elastic-cloud-dependencies.yaml',
    );
  });

  it('follows the destination path and its aggregatedYAML and none modes', () => {
    const d = tutorial.worker1();
    d.spec = { ...d.spec, path: 'clusters/w1', filepath: { mode: 'aggregatedYAML' } };
    expect(placementFiles(tutorial.requestPlacement(), d, 'default')[0].path).toBe('clusters/w1/aggregated.yaml');
    d.spec.filepath = { mode: 'none' };
    expect(placementFiles(tutorial.requestPlacement(), d, 'default')[1].path).toBe('clusters/w1/elasticsearch.yaml');
  });
});

describe('joinPath', () => {
  it('drops empty and dot segments', () => {
    expect(joinPath('.', 'a/', '', './b', undefined, 'c.yaml')).toBe('a/b/c.yaml');
    expect(joinPath('.', '')).toBe('.');
  });
});
