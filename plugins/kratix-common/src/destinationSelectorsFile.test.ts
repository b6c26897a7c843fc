import {
  cleanPath,
  DestinationSelectorsError,
  parseDestinationSelectorsFile,
} from './destinationSelectorsFile';

const parse = (text: string, dirs: string[] = []) =>
  parseDestinationSelectorsFile(text, dirs);

function errorOf(text: string, dirs: string[] = []): DestinationSelectorsError {
  try {
    parse(text, dirs);
  } catch (e) {
    expect(e).toBeInstanceOf(DestinationSelectorsError);
    return e as DestinationSelectorsError;
  }
  throw new Error('expected the file to be rejected');
}

describe('parseDestinationSelectorsFile', () => {
  it('reads the seed tutorial file as root selectors', () => {
    expect(parse('[{matchLabels: { pvCapacity: large }}]\n')).toEqual({
      root: { pvCapacity: 'large' },
      directories: [],
    });
  });

  it.each(['', '   \n', '# nothing to add\n', '[]', '---\n'])(
    'treats %j as no selectors',
    text => {
      expect(parse(text)).toEqual({ directories: [] });
    },
  );

  it('splits directory entries from the root entry, keeping file order', () => {
    const text = `
- matchLabels: {environment: dev}
- directory: backup
  matchLabels: {backup: enabled}
- directory: ./monitoring/
  matchLabels: {observability: "true"}
`;
    expect(parse(text, ['backup', 'monitoring', 'other'])).toEqual({
      root: { environment: 'dev' },
      directories: [
        { directory: 'backup', matchLabels: { backup: 'enabled' } },
        { directory: 'monitoring', matchLabels: { observability: 'true' } },
      ],
    });
  });

  it('treats an explicit "." directory as the root entry', () => {
    expect(parse('- directory: .\n  matchLabels: {a: b}\n')).toEqual({
      root: { a: 'b' },
      directories: [],
    });
  });

  it('reads scalars as their text, as Kratix decodes into string fields', () => {
    const text =
      '- matchLabels: {tier: 1, enabled: true, answer: yes, ratio: 1.5, blank: ~}\n';
    expect(parse(text).root).toEqual({
      tier: '1',
      enabled: 'true',
      answer: 'yes',
      ratio: '1.5',
      blank: '',
    });
  });

  it('matches field names case-insensitively, as Go does', () => {
    expect(
      parse('- Directory: backup\n  matchlabels: {a: b}\n', ['backup']),
    ).toEqual({
      directories: [{ directory: 'backup', matchLabels: { a: 'b' } }],
    });
  });

  it('ignores unknown fields, as Kratix does', () => {
    expect(parse('- matchLabels: {a: b}\n  note: ignored\n')).toEqual({
      root: { a: 'b' },
      directories: [],
    });
  });

  describe('rejects, with Kratix wording where Kratix has it', () => {
    it.each([
      [
        '- matchLabels: {}\n',
        'invalid destination-selectors.yaml: entry with index 0 has no selectors',
      ],
      [
        '- matchLabels: {a: b}\n- directory: backup\n',
        'invalid destination-selectors.yaml: entry with index 1 has no selectors',
      ],
      [
        '- \n',
        'invalid destination-selectors.yaml: entry with index 0 has no selectors',
      ],
      [
        '- directory: backup\n  matchLabels: {a: b}\n- directory: ./backup\n  matchLabels: {c: d}\n',
        'duplicate entries in destination-selectors.yaml: directory backup appears more than once',
      ],
      [
        '- matchLabels: {a: b}\n- directory: "."\n  matchLabels: {c: d}\n',
        'duplicate entries in destination-selectors.yaml: more than one root entry (an entry without a directory)',
      ],
      [
        '- directory: backup/daily\n  matchLabels: {a: b}\n',
        'invalid directory in destination-selectors.yaml: backup/daily, sub-directories are not allowed',
      ],
      [
        '- directory: /backup\n  matchLabels: {a: b}\n',
        'invalid directory in destination-selectors.yaml: /backup, sub-directories are not allowed',
      ],
      [
        '- directory: missing\n  matchLabels: {a: b}\n',
        'invalid directory in destination-selectors.yaml: missing, no such directory at the top level of /kratix/output',
      ],
      [
        '- directory: ..\n  matchLabels: {a: b}\n',
        'invalid directory in destination-selectors.yaml: .., no such directory at the top level of /kratix/output',
      ],
    ])('%j', (text, message) => {
      expect(errorOf(text, ['backup']).message).toBe(message);
    });
  });

  it('checks for missing selectors before duplicates, as Kratix does', () => {
    const text = '- directory: x\n  matchLabels: {a: b}\n- directory: x\n';
    expect(errorOf(text, ['x']).message).toBe(
      'invalid destination-selectors.yaml: entry with index 1 has no selectors',
    );
  });

  describe('rejects the wrong shape', () => {
    it.each([
      [
        'matchLabels: {a: b}\n',
        'invalid destination-selectors.yaml: expected a list of entries such as "- matchLabels: {environment: dev}", got a map',
      ],
      [
        '- pvCapacity=large\n',
        'invalid destination-selectors.yaml: entry with index 0 must be a map with matchLabels and an optional directory, got a string',
      ],
      [
        '- matchLabels: [a, b]\n',
        'invalid destination-selectors.yaml: entry with index 0: matchLabels must be a map of label keys to string values, got a list',
      ],
      [
        '- matchLabels: {tier: [1, 2]}\n',
        'invalid destination-selectors.yaml: entry with index 0: matchLabels.tier must be a string, got a list',
      ],
      [
        '- directory: {name: x}\n  matchLabels: {a: b}\n',
        'invalid destination-selectors.yaml: entry with index 0: directory must be a string, got a map',
      ],
      [
        '- matchLabels: {a: b}\n---\n- matchLabels: {c: d}\n',
        'invalid destination-selectors.yaml: expected one YAML document, found 2',
      ],
    ])('%j', (text, message) => {
      expect(errorOf(text).message).toBe(message);
    });

    it('passes on the YAML parser message for broken YAML', () => {
      expect(errorOf('- matchLabels: {a: b\n').message).toMatch(
        /^invalid destination-selectors\.yaml: .+/,
      );
    });
  });

  it('rejects invalid label keys and values with the Kubernetes reason', () => {
    const message = errorOf(
      '- matchLabels: {"bad key": dev, env: "-x"}\n',
    ).message;
    expect(message).toMatch(
      /^invalid destination-selectors\.yaml: entry with index 0: matchLabels: Invalid value: "bad key": name part must consist of alphanumeric characters/,
    );
    expect(message).toContain(
      'matchLabels: Invalid value: "-x": a valid label must be an empty string',
    );
  });
});

describe('cleanPath', () => {
  it.each([
    ['', '.'],
    ['.', '.'],
    ['./', '.'],
    ['backup/', 'backup'],
    ['./backup', 'backup'],
    ['a//b/../c', 'a/c'],
    ['../x', '../x'],
    ['/a/../..', '/'],
  ])('%j -> %j', (input, expected) => {
    expect(cleanPath(input)).toBe(expected);
  });
});
