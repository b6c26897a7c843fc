import { parseApiVersion } from './apiVersion';

describe('parseApiVersion', () => {
  it('splits a group from its version', () => {
    expect(parseApiVersion('platform.kratix.io/v1alpha1')).toEqual({
      group: 'platform.kratix.io',
      version: 'v1alpha1',
    });
  });

  it('gives the core group as the empty string', () => {
    expect(parseApiVersion('v1')).toEqual({ group: '', version: 'v1' });
  });
});
