import {
  formatFieldErrors,
  formatLabels,
  validateLabelKey,
  validateLabels,
  validateLabelValue,
} from './labels';

const NAME_PART_REGEX_ERROR =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('validateLabelKey', () => {
  it.each([
    'environment',
    'pvCapacity',
    'kratix.io/dry-run',
    'a',
    'app.kubernetes.io/name',
    'x'.repeat(63),
    `${'a'.repeat(253)}/name`,
  ])('accepts %s', key => {
    expect(validateLabelKey(key)).toEqual([]);
  });

  it('explains a bad name part with the Kubernetes wording', () => {
    expect(validateLabelKey('bad key')).toEqual([NAME_PART_REGEX_ERROR]);
  });

  it('reports an empty name both as empty and as not matching, as Kubernetes does', () => {
    expect(validateLabelKey('')).toEqual([
      'name part must be non-empty',
      NAME_PART_REGEX_ERROR,
    ]);
  });

  it('limits the name part to 63 characters', () => {
    expect(validateLabelKey('x'.repeat(64))).toEqual([
      'name part must be no more than 63 characters',
    ]);
  });

  it('requires the prefix to be a lowercase DNS subdomain', () => {
    expect(validateLabelKey('Example.com/name')).toEqual([
      "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    expect(validateLabelKey('/name')).toEqual([
      'prefix part must be non-empty',
    ]);
    expect(validateLabelKey(`${'a'.repeat(254)}/name`)).toEqual([
      'prefix part must be no more than 253 characters',
    ]);
  });

  it('rejects more than one slash', () => {
    expect(validateLabelKey('a/b/c')).toEqual([
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
  });
});

describe('validateLabelValue', () => {
  it.each(['', 'dev', 'large', 'my_value', '12345', 'v'.repeat(63)])(
    'accepts %j',
    value => {
      expect(validateLabelValue(value)).toEqual([]);
    },
  );

  it('rejects values that do not start and end with an alphanumeric', () => {
    expect(validateLabelValue('-dev')).toEqual([
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
  });

  it('limits values to 63 characters', () => {
    expect(validateLabelValue('v'.repeat(64))).toEqual([
      'must be no more than 63 characters',
    ]);
  });
});

describe('validateLabels', () => {
  it('accepts a valid map, an empty map and no labels at all', () => {
    expect(
      validateLabels({
        environment: 'dev',
        'kratix.io/dry-run': 'true',
        empty: '',
      }),
    ).toEqual([]);
    expect(validateLabels({})).toEqual([]);
    expect(validateLabels(undefined)).toEqual([]);
    expect(validateLabels(null)).toEqual([]);
  });

  it('reports a bad key against the labels field, k8s style', () => {
    expect(validateLabels({ 'bad key': 'dev' })).toEqual([
      {
        field: 'metadata.labels',
        message: `Invalid value: "bad key": ${NAME_PART_REGEX_ERROR}`,
      },
    ]);
  });

  it('reports a bad value with the value quoted', () => {
    const [error] = validateLabels(
      { environment: 'dev!' },
      'spec.destinationSelectors[0].matchLabels',
    );
    expect(error.field).toBe('spec.destinationSelectors[0].matchLabels');
    expect(error.message).toMatch(
      /^Invalid value: "dev!": a valid label must be an empty string/,
    );
  });

  it('rejects values that are not strings, naming the key', () => {
    expect(validateLabels({ tier: 1, enabled: true })).toEqual([
      {
        field: 'metadata.labels[tier]',
        message: 'Invalid value: 1: must be a string',
      },
      {
        field: 'metadata.labels[enabled]',
        message: 'Invalid value: true: must be a string',
      },
    ]);
  });

  it('rejects anything that is not a map', () => {
    expect(validateLabels(['environment=dev'])).toEqual([
      {
        field: 'metadata.labels',
        message:
          'Invalid value: "array": must be a map of label keys to string values',
      },
    ]);
    expect(validateLabels('environment=dev')[0].message).toBe(
      'Invalid value: "environment=dev": must be a map of label keys to string values',
    );
  });

  it('formats errors the way kubectl prints them', () => {
    expect(formatFieldErrors(validateLabels({ tier: 1 }))).toBe(
      'metadata.labels[tier]: Invalid value: 1: must be a string',
    );
  });
});

describe('formatLabels', () => {
  it('sorts keys like Kubernetes does', () => {
    expect(formatLabels({ pvCapacity: 'large', environment: 'dev' })).toBe(
      'environment=dev,pvCapacity=large',
    );
  });
});
