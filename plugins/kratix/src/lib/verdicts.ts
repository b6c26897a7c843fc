import type {
  DestinationVerdict,
  SelectorSource,
} from '@kratix-backstage/plugin-kratix-common';

/** "worker-1 lacks pvCapacity=large", in the scheduling core's words. */
export function verdictText(v: DestinationVerdict): string {
  switch (v.excluded) {
    case 'deleting':
      return `${v.name} is being deleted`;
    case 'dry-run':
      return `${v.name} is a dry-run destination and takes no normal work`;
    case 'strict-match-labels':
      return `${v.name} has strictMatchLabels and only takes work that selects its labels`;
    default:
  }
  if (v.matches) return `${v.name} matches`;
  const parts = [
    ...v.conflicting.map(c => `has ${c.key}=${c.actual}, not ${c.required}`),
    ...(v.missing.length
      ? [`lacks ${v.missing.map(m => `${m.key}=${m.value}`).join(', ')}`]
      : []),
  ];
  return `${v.name} ${parts.join(' and ')}`;
}

export const SOURCE_NAMES: Record<SelectorSource, string> = {
  promise: 'the Promise',
  'promise-workflow': 'a promise workflow',
  'resource-workflow': 'a resource workflow',
};
