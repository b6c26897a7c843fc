import { isError } from '@backstage/errors';
import { parseLabelSelector } from '@kratix-backstage/plugin-kratix-common';
import type { Request } from 'express';
import type { ListOptions } from '../store/types';
import { badRequest } from './status';

/** `?labelSelector=` parsed, or undefined when absent or empty. */
export function labelSelectorOf(req: Request): ListOptions['labelSelector'] {
  const query = req.query.labelSelector;
  if (query === undefined || query === '') return undefined;
  if (typeof query !== 'string') {
    throw badRequest('labelSelector must be given once, as a string');
  }
  try {
    return parseLabelSelector(query);
  } catch (error) {
    if (isError(error) && error.name === 'LabelSelectorParseError') {
      throw badRequest(`invalid labelSelector "${query}": ${error.message}`);
    }
    throw error;
  }
}
