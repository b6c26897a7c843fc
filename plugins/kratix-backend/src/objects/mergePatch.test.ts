import { applyMergePatch } from './mergePatch';

describe('applyMergePatch', () => {
  // RFC 7386, Appendix A
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('labels a destination without touching the rest', () => {
    const destination = {
      metadata: { name: 'worker-1', labels: { zone: 'a' } },
      spec: { path: 'worker-1' },
    };
    const patched = applyMergePatch(destination, {
      metadata: { labels: { environment: 'dev' } },
    });
    expect(patched).toEqual({
      metadata: { name: 'worker-1', labels: { zone: 'a', environment: 'dev' } },
      spec: { path: 'worker-1' },
    });
    expect(destination.metadata.labels).toEqual({ zone: 'a' });
  });

  it('cannot reach the prototype', () => {
    const patched = applyMergePatch(
      {},
      JSON.parse('{"__proto__": {"polluted": true}}'),
    ) as Record<string, unknown>;
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype);
  });
});
