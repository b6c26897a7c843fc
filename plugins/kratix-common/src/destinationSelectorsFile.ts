/*
 * `/kratix/metadata/destination-selectors.yaml`, written by a workflow to
 * add scheduling constraints or split its output into workload groups.
 * Messages reuse Kratix's wording where Kratix has one, so pipeline authors
 * can search for them.
 */
import { parseAllDocuments } from 'yaml';
import { formatFieldErrors, validateLabels } from './labels';
import { Labels } from './types';

export interface ParsedDestinationSelectors {
  /** Selectors of the entry without `directory`: they apply to the root group. */
  root?: Labels;
  /** Each entry with `directory` becomes its own workload group, scheduled by these labels alone. */
  directories: { directory: string; matchLabels: Labels }[];
}

export class DestinationSelectorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationSelectorsError';
  }
}

const FILE = 'destination-selectors.yaml';
const invalid = (detail: string) =>
  new DestinationSelectorsError(`invalid ${FILE}: ${detail}`);

/**
 * A POSIX path cleaned lexically, like Go's `filepath.Clean` which Kratix
 * applies: `./backup/` and `backup` are the same directory, and an empty
 * directory is the root (`.`).
 */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}

interface Entry {
  directory: string;
  matchLabels: Labels;
}

function readYaml(text: string): unknown {
  // The default YAML 1.2 core schema is what Kratix's decoder (yaml.v3 under
  // sigs.k8s.io/yaml) uses: `yes` and `.` stay strings.
  const docs = parseAllDocuments(text);
  const nonEmpty = Array.from(docs).filter(
    d => d.errors.length > 0 || d.contents !== null,
  );
  if (nonEmpty.length === 0) return null;
  if (nonEmpty.length > 1) {
    throw invalid(`expected one YAML document, found ${nonEmpty.length}`);
  }
  const doc = nonEmpty[0];
  if (doc.errors.length > 0) throw invalid(doc.errors[0].message);
  try {
    return doc.toJS();
  } catch (e) {
    throw invalid((e as Error).message);
  }
}

/**
 * Kratix decodes into string fields and turns scalars into their text
 * (`tier: 1` selects "1", `~` the empty value); only lists and maps fail.
 */
function asString(value: unknown): string | undefined {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return undefined;
}

/** Go's JSON decoding matches field names case-insensitively, so Kratix accepts `matchlabels`. */
function field(entry: Record<string, unknown>, name: string): unknown {
  if (name in entry) return entry[name];
  const key = Object.keys(entry).find(
    k => k.toLowerCase() === name.toLowerCase(),
  );
  return key === undefined ? undefined : entry[key];
}

function toEntry(raw: unknown, index: number): Entry {
  const at = `entry with index ${index}`;
  if (raw === null || raw === undefined)
    return { directory: '.', matchLabels: {} };
  if (kindOf(raw) !== 'map') {
    throw invalid(
      `${at} must be a map with matchLabels and an optional directory, got a ${kindOf(
        raw,
      )}`,
    );
  }
  const entry = raw as Record<string, unknown>;
  const directory = asString(field(entry, 'directory'));
  if (directory === undefined) {
    throw invalid(
      `${at}: directory must be a string, got a ${kindOf(
        field(entry, 'directory'),
      )}`,
    );
  }
  const matchLabels = field(entry, 'matchLabels');
  if (
    matchLabels !== undefined &&
    matchLabels !== null &&
    kindOf(matchLabels) !== 'map'
  ) {
    throw invalid(
      `${at}: matchLabels must be a map of label keys to string values, got a ${kindOf(
        matchLabels,
      )}`,
    );
  }
  const labels: Labels = {};
  for (const [k, v] of Object.entries(
    (matchLabels ?? {}) as Record<string, unknown>,
  )) {
    const value = asString(v);
    if (value === undefined) {
      throw invalid(
        `${at}: matchLabels.${k} must be a string, got a ${kindOf(v)}`,
      );
    }
    labels[k] = value;
  }
  return { directory: cleanPath(directory), matchLabels: labels };
}

/** Fails on the first problem found, in Kratix's order of checks, then ours. */
export function parseDestinationSelectorsFile(
  text: string,
  outputTopLevelDirs: string[],
): ParsedDestinationSelectors {
  const raw = readYaml(text);
  if (raw === null || raw === undefined) return { directories: [] };
  if (!Array.isArray(raw)) {
    throw invalid(
      `expected a list of entries such as "- matchLabels: {environment: dev}", got a ${kindOf(
        raw,
      )}`,
    );
  }
  const entries = raw.map(toEntry);

  entries.forEach((e, i) => {
    if (Object.keys(e.matchLabels).length === 0) {
      throw invalid(`entry with index ${i} has no selectors`);
    }
  });

  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.directory)) {
      throw new DestinationSelectorsError(
        e.directory === '.'
          ? `duplicate entries in ${FILE}: more than one root entry (an entry without a directory)`
          : `duplicate entries in ${FILE}: directory ${e.directory} appears more than once`,
      );
    }
    seen.add(e.directory);
  }

  for (const e of entries) {
    if (e.directory.includes('/')) {
      throw new DestinationSelectorsError(
        `invalid directory in ${FILE}: ${e.directory}, sub-directories are not allowed`,
      );
    }
  }

  entries.forEach((e, i) => {
    const errors = validateLabels(e.matchLabels, 'matchLabels');
    if (errors.length > 0)
      throw invalid(`entry with index ${i}: ${formatFieldErrors(errors)}`);
  });

  const existing = new Set(outputTopLevelDirs.map(cleanPath));
  for (const e of entries) {
    if (e.directory !== '.' && !existing.has(e.directory)) {
      throw new DestinationSelectorsError(
        `invalid directory in ${FILE}: ${e.directory}, no such directory at the top level of /kratix/output`,
      );
    }
  }

  const root = entries.find(e => e.directory === '.');
  return {
    ...(root ? { root: root.matchLabels } : {}),
    directories: entries
      .filter(e => e.directory !== '.')
      .map(e => ({ directory: e.directory, matchLabels: e.matchLabels })),
  };
}
