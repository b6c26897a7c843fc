import type { Request } from 'express';
import type { ListOptions } from '../store/types';
import { selectorOf } from '../objects/objectService';
import { badRequest } from '../objects/errors';

/** `?labelSelector=` as given (once), or undefined when absent or empty. */
export function labelSelectorParamOf(req: Request): string | undefined {
  const query = req.query.labelSelector;
  if (query === undefined || query === '') return undefined;
  if (typeof query !== 'string') {
    throw badRequest('labelSelector must be given once, as a string');
  }
  return query;
}

/** `?labelSelector=` parsed, or undefined when absent or empty. */
export function labelSelectorOf(req: Request): ListOptions['labelSelector'] {
  return selectorOf(labelSelectorParamOf(req));
}
