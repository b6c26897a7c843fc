/*
 * Why a workload group goes where it goes, or nowhere: which label each
 * source asked for, which asks lost to a higher source, and per destination
 * what is missing. Built on the same functions the scheduler uses so the
 * explanation cannot disagree with the decision.
 */
import {
  matchesDestination,
  resolveSelectors,
  selectorsInPrecedenceOrder,
} from './scheduling';
import {
  DestinationCandidate,
  Labels,
  SelectorSource,
  TaggedSelector,
} from './types';

export interface DestinationVerdict {
  name: string;
  matches: boolean;
  missing: { key: string; value: string }[];
  conflicting: { key: string; required: string; actual: string }[];
  excluded?: 'deleting' | 'dry-run' | 'strict-match-labels';
}

export interface SchedulingExplanation {
  resolved: Labels;
  requirements: { key: string; value: string; source: SelectorSource }[];
  /** Asks that lost to an earlier or higher-precedence selector with a different value. */
  overridden: {
    key: string;
    value: string;
    source: SelectorSource;
    by: SelectorSource;
  }[];
  destinations: DestinationVerdict[];
  summary: string;
}

/** How many reasons the summary lists before "and N more". */
const SUMMARY_REASONS = 3;

function verdictFor(
  resolved: Labels,
  d: DestinationCandidate,
): DestinationVerdict {
  const labels = d.labels ?? {};
  const missing: DestinationVerdict['missing'] = [];
  const conflicting: DestinationVerdict['conflicting'] = [];
  for (const [key, value] of Object.entries(resolved)) {
    if (!Object.prototype.hasOwnProperty.call(labels, key))
      missing.push({ key, value });
    else if (labels[key] !== value)
      conflicting.push({ key, required: value, actual: labels[key] });
  }
  let excluded: DestinationVerdict['excluded'];
  if (d.deleting) excluded = 'deleting';
  else if (d.dryRun) excluded = 'dry-run';
  else if (
    Object.keys(resolved).length === 0 &&
    !matchesDestination(resolved, d)
  ) {
    excluded = 'strict-match-labels';
  }
  const matches = !excluded && matchesDestination(resolved, d);
  return {
    name: d.name,
    matches,
    missing,
    conflicting,
    ...(excluded ? { excluded } : {}),
  };
}

function reason(v: DestinationVerdict): string {
  switch (v.excluded) {
    case 'deleting':
      return `${v.name} is being deleted`;
    case 'dry-run':
      return `${v.name} is a dry-run destination`;
    case 'strict-match-labels':
      return `${v.name} has strictMatchLabels and only takes work that selects its labels`;
    default: {
      const parts = [
        ...v.conflicting.map(
          c => `has ${c.key}=${c.actual}, not ${c.required}`,
        ),
        ...(v.missing.length
          ? [`lacks ${v.missing.map(m => `${m.key}=${m.value}`).join(', ')}`]
          : []),
      ];
      return `${v.name} ${parts.join(' and ')}`;
    }
  }
}

/**
 * Closest destinations first (the matching ones, then fewest labels
 * missing or contradicted, excluded ones last); ties keep their order.
 * They tell the reader what would place the group.
 */
export function closestFirst(
  verdicts: DestinationVerdict[],
): DestinationVerdict[] {
  return [...verdicts].sort(byCloseness);
}

function byCloseness(a: DestinationVerdict, b: DestinationVerdict): number {
  const rank = (v: DestinationVerdict) =>
    v.excluded
      ? Number.MAX_SAFE_INTEGER
      : v.missing.length + v.conflicting.length;
  return rank(a) - rank(b);
}

function summarize(resolved: Labels, verdicts: DestinationVerdict[]): string {
  const matching = verdicts.filter(v => v.matches).map(v => v.name);
  if (matching.length === 1) return `1 destination matches: ${matching[0]}`;
  if (matching.length > 1)
    return `${matching.length} destinations match: ${matching.join(', ')}`;

  const pairs = Object.entries(resolved).map(([k, v]) => `${k}=${v}`);
  const needs = pairs.length
    ? `needs ${pairs.join(', ')}`
    : 'needs no particular labels';
  if (verdicts.length === 0) return `${needs}; there are no destinations`;

  const labelGapsOnly = pairs.length > 0 && verdicts.every(v => !v.excluded);
  const verdictPhrase = labelGapsOnly
    ? `no destination has ${pairs.length === 1 ? 'it' : 'them all'}`
    : 'no destination can take it';
  const sorted = closestFirst(verdicts);
  const shown = sorted.slice(0, SUMMARY_REASONS).map(reason);
  const more = sorted.length - shown.length;
  return `${needs}; ${verdictPhrase}: ${shown.join('; ')}${
    more > 0 ? `; and ${more} more` : ''
  }`;
}

export function explainScheduling(
  selectors: TaggedSelector[],
  destinations: DestinationCandidate[],
): SchedulingExplanation {
  const winners = new Map<string, { value: string; source: SelectorSource }>();
  const overridden: SchedulingExplanation['overridden'] = [];
  for (const s of selectorsInPrecedenceOrder(selectors)) {
    for (const [key, value] of Object.entries(s.matchLabels ?? {})) {
      const winner = winners.get(key);
      if (!winner) winners.set(key, { value, source: s.source });
      // An equal ask changes nothing, so it is not reported as overridden.
      else if (winner.value !== value)
        overridden.push({ key, value, source: s.source, by: winner.source });
    }
  }

  const resolved = resolveSelectors(selectors);
  const requirements = Object.keys(resolved).map(key => ({
    key,
    value: resolved[key],
    source: winners.get(key)!.source,
  }));
  const verdicts = destinations.map(d => verdictFor(resolved, d));
  return {
    resolved,
    requirements,
    overridden,
    destinations: verdicts,
    summary: summarize(resolved, verdicts),
  };
}
