import { DestinationCandidate, Labels, TaggedSelector } from '../types';

export const promise = (matchLabels: Labels): TaggedSelector => ({
  source: 'promise',
  matchLabels,
});
export const promiseWorkflow = (matchLabels: Labels): TaggedSelector => ({
  source: 'promise-workflow',
  matchLabels,
});
export const resourceWorkflow = (matchLabels: Labels): TaggedSelector => ({
  source: 'resource-workflow',
  matchLabels,
});
export const dest = (
  name: string,
  labels: Labels = {},
  extra: Partial<DestinationCandidate> = {},
): DestinationCandidate => ({ name, labels, ...extra });
