import { nameList } from './nameList';

describe('nameList', () => {
  it('lists a few names and counts the rest', () => {
    expect(nameList(['worker-1'])).toBe('worker-1');
    expect(nameList(['a', 'b', 'c', 'd'], 2)).toBe('a, b and 2 more');
  });
});
