import express, { Request, RequestHandler } from 'express';
import { LineCounter, parseAllDocuments } from 'yaml';
import { isPlainObject } from './mergePatch';
import { badRequest, unsupportedMediaType } from './status';

/** Request bodies larger than this are answered 413. */
export const BODY_LIMIT = '5mb';

export const JSON_TYPES = ['application/json'];
export const YAML_TYPES = [
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
];

/**
 * Body parsers for the object routes: JSON (and every `+json` type, so a
 * merge patch parses and other patch types reach the 415 check) and YAML
 * as text, parsed by the handler.
 */
export function objectBodyParsers(): RequestHandler[] {
  return [
    express.json({
      limit: BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
    }),
    express.text({ limit: BODY_LIMIT, type: YAML_TYPES }),
  ];
}

/** The `/apply` body: YAML (or JSON, a YAML subset) of any content type. */
export function applyBodyParser(): RequestHandler {
  return express.text({ limit: BODY_LIMIT, type: () => true });
}

/** One non-empty document of a YAML stream. */
export interface YamlDocument {
  /** 0-based position in the stream, empty documents included. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
  value: unknown;
}

/**
 * Parses a (multi-document) YAML stream, skipping empty documents. Any
 * syntax error in any document throws a 400 naming the document and line,
 * so nothing is written when part of the input is broken.
 */
export function parseYamlDocuments(text: string): YamlDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true });
  // An empty stream parses to an "EmptyStream" array-like without documents.
  const list = Array.isArray(docs) ? docs : [];
  const result: YamlDocument[] = [];
  list.forEach((doc, index) => {
    const line = lineCounter.linePos(doc.range?.[0] ?? 0).line;
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      throw badRequest(
        `error parsing YAML document ${index + 1}: ${firstLine(error.message)}`,
        {
          document: index,
          ...(at ? { line: at.line, column: at.col } : { line }),
        },
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw badRequest(
        `error parsing YAML document ${index + 1} (line ${line}): ${
          e instanceof Error ? e.message : String(e)
        }`,
        { document: index, line },
      );
    }
    if (value === null || value === undefined) {
      return;
    }
    result.push({ index, line, value });
  });
  return result;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/:\s*$/, '');
}

/**
 * The single object a POST or PUT carries, as JSON or YAML according to its
 * Content-Type.
 */
export function readObjectBody(req: Request): Record<string, unknown> {
  let body: unknown;
  if (req.is(JSON_TYPES)) {
    body = req.body;
  } else if (req.is(YAML_TYPES)) {
    const docs = parseYamlDocuments(
      typeof req.body === 'string' ? req.body : '',
    );
    if (docs.length > 1) {
      throw badRequest(
        `the request body holds ${docs.length} YAML documents; send one object, or use POST /apply for several`,
      );
    }
    body = docs[0]?.value;
  } else if (req.is('*/*') === null) {
    // No body at all.
    throw badRequest('the request body must be an object, got nothing');
  } else {
    throw unsupportedMediaType(req.get('content-type'), [
      ...JSON_TYPES,
      ...YAML_TYPES,
    ]);
  }
  if (!isPlainObject(body)) {
    throw badRequest(
      `the request body must be an object, got ${describe(body)}`,
    );
  }
  return body;
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
