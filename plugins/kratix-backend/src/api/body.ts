import express, { Request, RequestHandler } from 'express';
import { badRequest } from '../objects/errors';
import { isPlainObject } from '../objects/mergePatch';
import { parseYamlDocuments } from '../objects/yamlDocuments';
import { unsupportedMediaType } from './status';

/** The media type of a JSON merge patch (RFC 7386). */
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

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
