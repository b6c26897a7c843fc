import {
  DestinationObject,
  LABEL_PIPELINE_NAME,
  WorkPlacementObject,
} from '@kratix-backstage/plugin-kratix-common';

/** Joins path segments, dropping empty and `.` ones, as the state store writer does. */
export function joinPath(...segments: (string | undefined)[]): string {
  const parts = segments
    .flatMap(s => (s ?? '').split('/'))
    .filter(p => p !== '' && p !== '.');
  return parts.join('/') || '.';
}

export interface WrittenFile {
  destination: string;
  /** The workload's path inside the pipeline output. */
  filepath: string;
  /** Where it lands, relative to the root of the destination's state store. */
  path: string;
}

/**
 * Where a placement's files are written in the destination's state store,
 * following Kratix's layouts (nestedByMetadata, aggregatedYAML, none).
 */
export function placementFiles(
  placement: WorkPlacementObject,
  destination: DestinationObject | undefined,
  namespace: string,
  storePath?: string,
): WrittenFile[] {
  const spec = placement.spec;
  if (!spec) return [];
  const name = spec.targetDestinationName;
  const destPath = destination?.spec?.path ?? name;
  const mode = destination?.spec?.filepath?.mode ?? 'nestedByMetadata';
  const root = joinPath(storePath, destPath);
  const pipeline = placement.metadata.labels?.[LABEL_PIPELINE_NAME];
  const shortId = spec.id.slice(0, 5);
  return (spec.workloads ?? []).map(w => {
    let path: string;
    if (mode === 'aggregatedYAML')
      path = joinPath(root, destination?.spec?.filepath?.filename ?? 'aggregated.yaml');
    else if (mode === 'none') path = joinPath(root, w.filepath);
    else if (spec.resourceName)
      path = joinPath(
        root,
        'resources',
        namespace,
        spec.promiseName,
        spec.resourceName,
        pipeline,
        shortId,
        w.filepath,
      );
    else
      path = joinPath(root, 'dependencies', spec.promiseName, pipeline, shortId, w.filepath);
    return { destination: name, filepath: w.filepath, path };
  });
}
