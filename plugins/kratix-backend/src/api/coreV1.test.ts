import { EVENT_KIND, POD_KIND } from '../engine/kinds';
import { logTail, parseFieldSelector } from './coreV1';

describe('parseFieldSelector', () => {
  it('reads =, == and != terms on the fields Kubernetes selects Events by', () => {
    expect(
      parseFieldSelector(
        'involvedObject.name=w,involvedObject.kind==Work,type!=Normal',
        EVENT_KIND,
      ),
    ).toEqual([
      { field: 'involvedObject.name', value: 'w', equal: true },
      { field: 'involvedObject.kind', value: 'Work', equal: true },
      { field: 'type', value: 'Normal', equal: false },
    ]);
  });

  it('refuses fields the kind cannot be selected by, and malformed terms', () => {
    expect(() => parseFieldSelector('involvedObject.name=x', POD_KIND)).toThrow(
      '"involvedObject.name" is not a known field selector',
    );
    expect(() => parseFieldSelector('reason', EVENT_KIND)).toThrow(
      'invalid fieldSelector term "reason"',
    );
  });
});

describe('logTail', () => {
  it("gives kubectl logs' --tail and --limit-bytes answers", () => {
    const log = 'one\ntwo\nthree\n';
    expect(logTail(log)).toBe(log);
    expect(logTail(log, 2)).toBe('two\nthree\n');
    expect(logTail(log, 0)).toBe('');
    expect(logTail(log, 10)).toBe(log);
    expect(logTail(log, undefined, 5)).toBe('one\nt');
  });
});
