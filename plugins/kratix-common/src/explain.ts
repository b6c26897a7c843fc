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
import type { DestinationCatalog } from './destinationCatalog';
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

/**
 * What a summary is made of: from every verdict (`explainScheduling`) or
 * from the catalog's index (`summarizeScheduling`), which must agree.
 */
interface SummaryFacts {
  /** The matching destinations' names, in order. */
  matching: string[];
  total: number;
  /** Some destination is being deleted or is dry-run. */
  anyExcluded: boolean;
  /** The first verdicts in `closestFirst` order, when none matches. */
  closest: DestinationVerdict[];
}

function summarize(resolved: Labels, facts: SummaryFacts): string {
  const { matching } = facts;
  if (matching.length === 1) return `1 destination matches: ${matching[0]}`;
  if (matching.length > 1) {
    // A dependency may match thousands: the status names a few.
    const named = matching.slice(0, SUMMARY_REASONS);
    const more = matching.length - named.length;
    return `${matching.length} destinations match: ${named.join(', ')}${
      more > 0 ? ` and ${more} more` : ''
    }`;
  }

  const pairs = Object.entries(resolved).map(([k, v]) => `${k}=${v}`);
  const needs = pairs.length
    ? `needs ${pairs.join(', ')}`
    : 'needs no particular labels';
  if (facts.total === 0) return `${needs}; there are no destinations`;

  const labelGapsOnly = pairs.length > 0 && !facts.anyExcluded;
  const verdictPhrase = labelGapsOnly
    ? `no destination has ${pairs.length === 1 ? 'it' : 'them all'}`
    : 'no destination can take it';
  const shown = facts.closest.slice(0, SUMMARY_REASONS).map(reason);
  const more = facts.total - shown.length;
  return `${needs}; ${verdictPhrase}: ${shown.join('; ')}${
    more > 0 ? `; and ${more} more` : ''
  }`;
}

/**
 * `explainScheduling(selectors, catalog.all()).summary`, for the Work
 * controller: from the catalog's label index instead of a verdict for
 * every destination. `matching` is what `catalog.matching(resolved)`
 * names, when the caller has it already (a decision's candidates).
 */
export function summarizeScheduling(
  resolved: Labels,
  catalog: DestinationCatalog,
  matching: string[] = catalog.matching(resolved).map(d => d.name),
): string {
  return summarize(resolved, {
    matching,
    total: catalog.size,
    anyExcluded: catalog.hasExcluded(),
    closest: matching.length
      ? []
      : catalog
          .closest(resolved, SUMMARY_REASONS)
          .map(d => verdictFor(resolved, d)),
  });
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
  const matching = verdicts.filter(v => v.matches).map(v => v.name);
  return {
    resolved,
    requirements,
    overridden,
    destinations: verdicts,
    summary: summarize(resolved, {
      matching,
      total: verdicts.length,
      anyExcluded: verdicts.some(v => v.excluded),
      closest: matching.length
        ? []
        : closestFirst(verdicts).slice(0, SUMMARY_REASONS),
    }),
  };
}
