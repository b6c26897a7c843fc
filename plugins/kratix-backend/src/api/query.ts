import type { Request } from 'express';
import type { ListOptions } from '../store/types';
import { selectorOf } from '../objects/objectService';
import { badRequest } from '../objects/errors';

/** A query parameter given at most once. */
export function singleQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw badRequest(`${name} must be given once, as a string`);
  }
  return value;
}

/** `?labelSelector=` as given (once), or undefined when absent or empty. */
export function labelSelectorParamOf(req: Request): string | undefined {
  return singleQuery(req, 'labelSelector') || undefined;
}

/** `?labelSelector=` parsed, or undefined when absent or empty. */
export function labelSelectorOf(req: Request): ListOptions['labelSelector'] {
  return selectorOf(labelSelectorParamOf(req));
}
