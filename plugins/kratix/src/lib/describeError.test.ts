import { KratixApiError } from '../api/errors';
import { describeError } from './describeError';

describe('describeError', () => {
  it('turns a 403 into the missing permission and what it allows', () => {
    const d = describeError(
      new KratixApiError({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'not allowed: kratix.platform.manage' }),
    );
    expect(d.title).toBe('Permission denied');
    expect(d.permission).toBe('kratix.platform.manage');
    expect(d.message).toBe(
      'You need the kratix.platform.manage permission to change Promises, Destinations and state stores. Ask an administrator of this portal to grant it.',
    );
  });

  it('keeps the field causes of a 422', () => {
    const d = describeError(
      new KratixApiError({
        kind: 'Status',
        code: 422,
        reason: 'Invalid',
        message: 'Destination "x" is invalid',
        details: { causes: [{ field: 'metadata.labels', message: 'bad key' }] },
      }),
    );
    expect(d).toEqual({
      title: 'Invalid',
      message: 'Destination "x" is invalid',
      causes: [{ field: 'metadata.labels', message: 'bad key' }],
    });
  });

  it('describes other errors by their message', () => {
    expect(describeError(new Error('network down'))).toEqual({ title: 'Error', message: 'network down', causes: [] });
  });
});
