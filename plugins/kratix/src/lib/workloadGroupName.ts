/**
 * A workload group as a sentence names it. Kratix calls the group of a
 * workflow's top-level output directory `.`, which reads as a stray dot.
 */
export function workloadGroupName(directory: string): string {
  return directory === '.' ? 'default workload group' : `workload group ${directory}/`;
}
