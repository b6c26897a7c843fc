import {
  formatLabelSelector,
  LabelSelectorParseError,
  matchesLabelSelector,
  parseLabelSelector,
} from './labelSelector';

describe('parseLabelSelector', () => {
  it.each([
    ['', []],
    ['   ', []],
    [
      'environment=dev',
      [{ key: 'environment', operator: 'Equals', values: ['dev'] }],
    ],
    [
      'environment==dev',
      [{ key: 'environment', operator: 'Equals', values: ['dev'] }],
    ],
    [
      'environment!=dev',
      [{ key: 'environment', operator: 'NotEquals', values: ['dev'] }],
    ],
    [
      'environment=',
      [{ key: 'environment', operator: 'Equals', values: [''] }],
    ],
    [
      'environment in (prod,dev)',
      [{ key: 'environment', operator: 'In', values: ['dev', 'prod'] }],
    ],
    [
      'environment notin (dev)',
      [{ key: 'environment', operator: 'NotIn', values: ['dev'] }],
    ],
    [
      'environment in (dev,dev)',
      [{ key: 'environment', operator: 'In', values: ['dev'] }],
    ],
    [
      'environment in ()',
      [{ key: 'environment', operator: 'In', values: [''] }],
    ],
    [
      'environment in (dev,)',
      [{ key: 'environment', operator: 'In', values: ['', 'dev'] }],
    ],
    ['pvCapacity', [{ key: 'pvCapacity', operator: 'Exists', values: [] }]],
    [
      '!kratix.io/dry-run',
      [{ key: 'kratix.io/dry-run', operator: 'DoesNotExist', values: [] }],
    ],
    [
      ' environment = dev ,  tier in ( a , b ),!legacy, pvCapacity ',
      [
        { key: 'environment', operator: 'Equals', values: ['dev'] },
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
        { key: 'pvCapacity', operator: 'Exists', values: [] },
      ],
    ],
  ])('parses %j', (query, expected) => {
    expect(parseLabelSelector(query)).toEqual(expected);
  });

  it.each([
    [
      'environment in dev',
      `found 'dev' at position 16, expected '(' after 'in'`,
    ],
    ['environment in (dev', `missing ')' to close the value list of 'in'`],
    ['environment in (a b)', `found 'b' at position 19, expected ',' or ')'`],
    ['environment=dev,', `expected a requirement after the trailing ','`],
    [',environment', `found ',' at position 1, expected a label key`],
    [
      'environment dev',
      `found 'dev' at position 13, expected one of =, ==, !=, in, notin`,
    ],
    [
      'environment=dev=prod',
      `found '=' at position 16, expected ',' or end of input`,
    ],
    ['replicas>1', `operator '>' is not supported; use =, ==, !=, in, notin`],
    [
      '!environment=dev',
      `'!environment' means "has no environment label" and takes no operator or value; found '=' at position 13`,
    ],
    [
      '-bad=dev',
      'invalid label key "-bad": name part must consist of alphanumeric',
    ],
    [
      'environment=de$v',
      'invalid label value "de$v": a valid label must be an empty string',
    ],
  ])('rejects %j with a clear message', (query, detail) => {
    expect(() => parseLabelSelector(query)).toThrow(LabelSelectorParseError);
    expect(() => parseLabelSelector(query)).toThrow(
      `invalid label selector ${JSON.stringify(query)}: ${detail}`,
    );
  });
});

describe('matchesLabelSelector', () => {
  const worker = { environment: 'dev', pvCapacity: 'large' };

  it.each([
    ['', worker, true],
    ['environment=dev', worker, true],
    ['environment=prod', worker, false],
    ['environment!=prod', worker, true],
    ['environment!=dev', worker, false],
    ['zone!=eu', worker, true],
    ['environment in (dev,prod)', worker, true],
    ['environment in (prod)', worker, false],
    ['zone in (eu)', worker, false],
    ['environment notin (prod)', worker, true],
    ['zone notin (eu)', worker, true],
    ['pvCapacity', worker, true],
    ['zone', worker, false],
    ['!zone', worker, true],
    ['!pvCapacity', worker, false],
    ['environment=dev,pvCapacity=large', worker, true],
    ['environment=dev,pvCapacity=small', worker, false],
    ['environment!=dev', undefined, true],
    ['environment', undefined, false],
    ['constructor', {}, false],
  ])('%j against %j is %s', (query, labels, expected) => {
    expect(matchesLabelSelector(parseLabelSelector(query), labels)).toBe(
      expected,
    );
  });
});

describe('formatLabelSelector', () => {
  it('round-trips through the parser', () => {
    const query =
      'environment=dev,tier in (a,b),zone notin (eu),!legacy,pvCapacity,x!=y';
    expect(formatLabelSelector(parseLabelSelector(query))).toBe(query);
  });
});
