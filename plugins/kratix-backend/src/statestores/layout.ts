/*
 * Where Kratix puts files in a state store, for each Destination
 * `spec.filepath.mode`. Paths are relative to the state store's own root
 * (its `spec.path` is applied by the writer), so they start with the
 * Destination's path. A platform team's GitOps tooling (Flux, Argo CD) is
 * pointed at these directories, so they must match Kratix exactly.
 */
import { FilepathMode, Workload } from '@kratix-backstage/plugin-kratix-common';
import { parse, stringify } from 'yaml';
import {
  joinPath,
  normaliseDirectory,
  validateRelativePath,
  validateSegment,
} from './paths';

export interface StateStoreFile {
  path: string;
  content: string;
}

/** One WorkPlacement, as far as the file layout is concerned. */
export interface PlacementInput {
  /** WorkPlacement name. */
  name: string;
  /** WorkPlacement namespace (the resource request's, or the system one). */
  namespace: string;
  promiseName: string;
  /** Empty or absent for dependencies (promise workflows, static deps). */
  resourceName?: string;
  /** Absent for static dependencies. */
  pipelineName?: string;
  /** Full workload group id (md5 hex of its directory). */
  groupId: string;
  workloads: Workload[];
}

export const DEFAULT_AGGREGATED_FILENAME = 'aggregated.yaml';
/** Directory of the `none` mode state files, below the destination path. */
export const STATE_FILE_DIR = '.kratix';
export const CANARY_NAMESPACE_FILE = 'kratix-canary-namespace.yaml';
export const CANARY_CONFIGMAP_FILE = 'kratix-canary-configmap.yaml';

const DEPENDENCIES_DIR = 'dependencies';
const RESOURCES_DIR = 'resources';
const SHORT_ID_LENGTH = 5;

/*
 * Byte for byte what Kratix writes (sigs.k8s.io/yaml of the typed objects),
 * so a destination moved between Kratix and this engine sees no change.
 */
const CANARY_NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: kratix-worker-system
spec: {}
status: {}
`;
const CANARY_CONFIGMAP = `apiVersion: v1
data:
  canary: this confirms your infrastructure is reading from Kratix state stores
kind: ConfigMap
metadata:
  name: kratix-info
  namespace: kratix-worker-system
`;

function shortId(groupId: string): string {
  if (typeof groupId !== 'string' || groupId.length < SHORT_ID_LENGTH) {
    throw new Error(
      `Invalid workload group id ${JSON.stringify(
        groupId,
      )}: needs at least ${SHORT_ID_LENGTH} characters`,
    );
  }
  return validateSegment(
    groupId.slice(0, SHORT_ID_LENGTH),
    'workload group id',
  );
}

/**
 * The directory a placement owns in `nestedByMetadata` mode. Kratix replaces
 * and deletes it as a whole, so it is exported for callers doing the same.
 */
export function placementDirectory(
  destinationPath: string,
  placement: PlacementInput,
): string {
  const dest = normaliseDirectory(destinationPath);
  const promise = validateSegment(placement.promiseName, 'promise name');
  const pipeline = placement.pipelineName
    ? validateSegment(placement.pipelineName, 'pipeline name')
    : undefined;
  const id = shortId(placement.groupId);
  if (!placement.resourceName) {
    return joinPath(dest, DEPENDENCIES_DIR, promise, pipeline, id);
  }
  return joinPath(
    dest,
    RESOURCES_DIR,
    validateSegment(placement.namespace, 'namespace'),
    promise,
    validateSegment(placement.resourceName, 'resource name'),
    pipeline,
    id,
  );
}

/** Where `none` mode records the files a placement owns. */
export function stateFilePath(
  destinationPath: string,
  placement: Pick<PlacementInput, 'name' | 'namespace'>,
): string {
  const file = `${validateSegment(
    placement.namespace,
    'namespace',
  )}-${validateSegment(placement.name, 'placement name')}.yaml`;
  return joinPath(normaliseDirectory(destinationPath), STATE_FILE_DIR, file);
}

/** The files listed by a `none` mode state file (paths from the store root). */
export function parseStateFile(content: string): string[] {
  const files = (parse(content) as { files?: unknown } | null)?.files;
  if (files === undefined || files === null) {
    return [];
  }
  if (!Array.isArray(files) || files.some(f => typeof f !== 'string')) {
    throw new Error(
      'Invalid .kratix state file: "files" must be a list of paths',
    );
  }
  return files;
}

/** Workload paths, validated and unique: two workloads cannot share a file. */
function workloadPaths(placement: PlacementInput): string[] {
  const seen = new Set<string>();
  return placement.workloads.map(w => {
    const path = validateRelativePath(w.filepath);
    if (seen.has(path)) {
      throw new Error(
        `WorkPlacement "${placement.name}" has more than one workload at "${path}"`,
      );
    }
    seen.add(path);
    return path;
  });
}

/** The files one placement puts in the store, for `nestedByMetadata` and `none`. */
export function placementFiles(input: {
  mode: FilepathMode;
  destinationPath: string;
  placement: PlacementInput;
}): StateStoreFile[] {
  const { mode, destinationPath, placement } = input;
  const paths = workloadPaths(placement);
  switch (mode) {
    case 'nestedByMetadata': {
      const dir = placementDirectory(destinationPath, placement);
      return placement.workloads.map((w, i) => ({
        path: joinPath(dir, paths[i]),
        content: w.content,
      }));
    }
    case 'none': {
      const dest = normaliseDirectory(destinationPath);
      const files = placement.workloads.map((w, i) => {
        // A workload there could overwrite another placement's state file.
        if (paths[i].split('/')[0] === STATE_FILE_DIR) {
          throw new Error(
            `WorkPlacement "${placement.name}": workload "${paths[i]}" is inside ${STATE_FILE_DIR}/, which Kratix reserves for its state files`,
          );
        }
        return { path: joinPath(dest, paths[i]), content: w.content };
      });
      const owned = files.map(f => f.path).sort();
      return [
        ...files,
        {
          path: stateFilePath(destinationPath, placement),
          content: stringify({ files: owned }, { indentSeq: false }),
        },
      ];
    }
    case 'aggregatedYAML':
      throw new Error(
        'aggregatedYAML destinations hold one file for all placements: use aggregatedFile()',
      );
    default:
      throw new Error(`Unsupported filepath mode ${JSON.stringify(mode)}`);
  }
}

const compare = (a: string, b: string) => {
  if (a === b) return 0;
  return a < b ? -1 : 1;
};

/**
 * The single file of an `aggregatedYAML` destination. Ordered so that the
 * same set of placements always gives the same bytes (no rewrite, no Git
 * commit) whatever order the caller found them in. Content is empty when
 * there are no workloads; Kratix then removes the file instead of writing it.
 */
export function aggregatedFile(input: {
  destinationPath: string;
  filename?: string;
  placements: PlacementInput[];
}): StateStoreFile {
  const path = joinPath(
    normaliseDirectory(input.destinationPath),
    validateRelativePath(input.filename || DEFAULT_AGGREGATED_FILENAME),
  );
  const placements = [...input.placements].sort(
    (a, b) => compare(a.name, b.name) || compare(a.namespace, b.namespace),
  );
  const documents = placements.flatMap(placement => {
    const paths = workloadPaths(placement);
    return placement.workloads
      .map((w, i) => ({ path: paths[i], content: w.content }))
      .sort((a, b) => compare(a.path, b.path))
      .map(w => w.content);
  });
  // Each document ends its own line so `---` always starts one.
  const content = documents
    .map(d => (d === '' || d.endsWith('\n') ? d : `${d}\n`))
    .join('---\n');
  return { path, content };
}

/**
 * The files Kratix writes to a new Destination to prove it can (the
 * Destination becomes Ready once they are written). `nestedByMetadata` puts
 * them where GitOps tools watch, one in each top-level directory; the other
 * modes put them flat next to the workloads. `filename` (aggregatedYAML) is
 * only checked: Kratix never puts the canaries in the aggregated file.
 */
export function canaryFiles(
  mode: FilepathMode,
  destinationPath: string,
  filename?: string,
): StateStoreFile[] {
  const dest = normaliseDirectory(destinationPath);
  if (mode === 'nestedByMetadata') {
    return [
      {
        path: joinPath(dest, DEPENDENCIES_DIR, CANARY_NAMESPACE_FILE),
        content: CANARY_NAMESPACE,
      },
      {
        path: joinPath(dest, RESOURCES_DIR, CANARY_CONFIGMAP_FILE),
        content: CANARY_CONFIGMAP,
      },
    ];
  }
  if (mode !== 'none' && mode !== 'aggregatedYAML') {
    throw new Error(`Unsupported filepath mode ${JSON.stringify(mode)}`);
  }
  if (mode === 'aggregatedYAML') {
    const aggregated = validateRelativePath(
      filename || DEFAULT_AGGREGATED_FILENAME,
    );
    if ([CANARY_NAMESPACE_FILE, CANARY_CONFIGMAP_FILE].includes(aggregated)) {
      throw new Error(
        `filepath.filename "${aggregated}" would be overwritten by Kratix's canary file`,
      );
    }
  }
  return [
    { path: joinPath(dest, CANARY_NAMESPACE_FILE), content: CANARY_NAMESPACE },
    { path: joinPath(dest, CANARY_CONFIGMAP_FILE), content: CANARY_CONFIGMAP },
  ];
}
