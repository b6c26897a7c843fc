import {
  Labels,
  ParsedDestinationSelectors,
  WorkloadGroup,
} from '@kratix-backstage/plugin-kratix-common';
import { createHash } from 'node:crypto';
import { OutputFile } from './outputTree';

/** The directory of the group that holds files no selector entry claims. */
export const ROOT_DIRECTORY = '.';

/** Which workflow's `destination-selectors.yaml` the selectors came from. */
export type WorkflowSelectorSource = 'promise-workflow' | 'resource-workflow';

/** Kratix's id: md5 hex of the directory, so the root group's starts `5058f`. */
export function workloadGroupId(directory: string): string {
  return createHash('md5').update(directory).digest('hex');
}

/**
 * Splits the output into workload groups: each directory named in the
 * selectors file is its own group, scheduled by its own entry alone; the
 * remaining files form the root group, which exists only if there are any.
 */
export function buildWorkloadGroups(
  files: OutputFile[],
  selectors: ParsedDestinationSelectors | undefined,
  source: WorkflowSelectorSource,
): WorkloadGroup[] {
  const directories = selectors?.directories ?? [];
  const claimed = new Set<OutputFile>();

  const directoryGroups = directories.map(entry => {
    const prefix = `${entry.directory}/`;
    const workloads = files.filter(file => file.filepath.startsWith(prefix));
    workloads.forEach(file => claimed.add(file));
    return group(
      entry.directory,
      workloads.sort(byPath),
      entry.matchLabels,
      source,
    );
  });

  const rest = files.filter(file => !claimed.has(file)).sort(byPath);
  const rootGroup = rest.length
    ? [group(ROOT_DIRECTORY, rest, selectors?.root, source)]
    : [];
  return [...rootGroup, ...directoryGroups];
}

/** Code-unit order, independent of the host's locale. */
function byPath(a: OutputFile, b: OutputFile): number {
  if (a.filepath === b.filepath) {
    return 0;
  }
  return a.filepath < b.filepath ? -1 : 1;
}

function group(
  directory: string,
  files: OutputFile[],
  matchLabels: Labels | undefined,
  source: WorkflowSelectorSource,
): WorkloadGroup {
  return {
    id: workloadGroupId(directory),
    directory,
    workloads: files.map(({ filepath, content }) => ({ filepath, content })),
    destinationSelectors: matchLabels ? [{ matchLabels, source }] : [],
  };
}
