import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { InvalidObjectError, MethodNotAllowedError } from '../admission/errors';
import {
  AlreadyExistsError,
  ResourceVersionConflictError,
} from '../store/errors';
import { notFound } from '../objects/errors';
import { StatusError, toStatus } from './status';

describe('toStatus', () => {
  it.each([
    [new NotFoundError('x'), 404, 'NotFound'],
    [new AlreadyExistsError('x'), 409, 'AlreadyExists'],
    [new ResourceVersionConflictError('x'), 409, 'Conflict'],
    // By class, never by message: only the object service says AlreadyExists.
    [new ConflictError('promise p already exists'), 409, 'Conflict'],
    [new InputError('x'), 400, 'BadRequest'],
    [new MethodNotAllowedError('x'), 405, 'MethodNotAllowed'],
    [new NotAllowedError('x'), 403, 'Forbidden'],
    [new AuthenticationError('x'), 401, 'Unauthorized'],
    [new Error('x'), 500, 'InternalError'],
  ])('%s → %i %s', (error, code, reason) => {
    expect(toStatus(error)).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      code,
      reason,
    });
  });

  it('gives an Invalid status the failing fields', () => {
    const status = toStatus(
      new InvalidObjectError('Destination', 'worker-1', [
        { field: 'metadata.labels', message: 'Invalid value: "-x"' },
      ]),
    );
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      code: 422,
      reason: 'Invalid',
      message:
        'Destination "worker-1" is invalid: metadata.labels: Invalid value: "-x"',
      details: {
        name: 'worker-1',
        kind: 'Destination',
        causes: [
          {
            field: 'metadata.labels',
            message: 'Invalid value: "-x"',
            reason: 'FieldValueInvalid',
          },
        ],
      },
    });
  });

  it('answers a StatusError as it is, without the cause in the message', () => {
    const error = notFound(
      {
        group: 'platform.kratix.io',
        version: 'v1alpha1',
        kind: 'Promise',
        plural: 'promises',
        namespaced: false,
      },
      'x',
    );
    expect(toStatus(error).message).toBe(
      'promises.platform.kratix.io "x" not found',
    );
    const wrapped = new StatusError(
      409,
      'Conflict',
      'outer',
      {},
      new Error('inner'),
    );
    expect(toStatus(wrapped).message).toBe('outer');
    expect(wrapped.cause).toBeInstanceOf(Error);
  });

  it('maps body-parser errors and anything thrown', () => {
    expect(
      toStatus(
        Object.assign(new SyntaxError('bad'), {
          type: 'entity.parse.failed',
          status: 400,
        }),
      ),
    ).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(
      toStatus(
        Object.assign(new Error('big'), {
          type: 'entity.too.large',
          status: 413,
        }),
      ),
    ).toMatchObject({ code: 413, reason: 'RequestEntityTooLarge' });
    expect(toStatus('a string')).toMatchObject({
      code: 500,
      reason: 'InternalError',
    });
  });
});
