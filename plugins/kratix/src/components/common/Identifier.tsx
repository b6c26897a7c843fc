import { Fragment } from 'react';

/**
 * A file path breaks after its slashes, a field path after its dots, and a
 * name with neither where a capital starts a word.
 */
function breaks(name: string): RegExp {
  if (name.includes('/')) return /(?<=\/)/;
  if (name.includes('.')) return /(?<=\.)/;
  return /(?<=[a-z0-9])(?=[A-Z])/;
}

/**
 * A file or field path, or a condition's type or reason, wrapped only
 * between its parts: Backstage's theme lets table cells break inside any
 * word, which cut `enableDataCollection` and `ConfigureWorkflowCompleted`
 * in two. `<wbr>` adds no text, so the name copies, and is found, as one.
 */
export function Identifier(props: { name: string }) {
  const { name } = props;
  const parts = name.split(breaks(name));
  // break-word, unlike the theme's break-word word-break, leaves a column
  // its widest part: a part is split only when it cannot fit at all.
  return (
    <span style={{ wordBreak: 'normal', overflowWrap: 'break-word' }}>
      {parts.map((word, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {word}
        </Fragment>
      ))}
    </span>
  );
}
