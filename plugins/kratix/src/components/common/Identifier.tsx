import { Fragment } from 'react';

/** A dotted path breaks after its dots; a name without dots, where a capital starts a word. */
const AFTER_DOT = /(?<=\.)/;
const WORD_START = /(?<=[a-z0-9])(?=[A-Z])/;

/**
 * A field path or a condition's type or reason, wrapped only between its
 * parts: Backstage's theme lets table cells break inside any word, which cut
 * `enableDataCollection` and `ConfigureWorkflowCompleted` in two. `<wbr>`
 * adds no text, so the name copies, and is found, as one.
 */
export function Identifier(props: { name: string }) {
  const { name } = props;
  const parts = name.split(name.includes('.') ? AFTER_DOT : WORD_START);
  return (
    <span style={{ wordBreak: 'normal', overflowWrap: 'normal' }}>
      {parts.map((word, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {word}
        </Fragment>
      ))}
    </span>
  );
}
