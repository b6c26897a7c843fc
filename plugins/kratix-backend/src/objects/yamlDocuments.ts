import { LineCounter, parseAllDocuments } from 'yaml';
import { badRequest } from './errors';

/** One non-empty document of a YAML stream. */
export interface YamlDocument {
  /** 0-based position in the stream, empty documents included. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
  value: unknown;
}

/**
 * Parses a (multi-document) YAML stream, skipping empty documents. Any
 * syntax error in any document throws a 400 naming the document and line,
 * so nothing is written when part of the input is broken.
 */
export function parseYamlDocuments(text: string): YamlDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true });
  // An empty stream parses to an "EmptyStream" array-like without documents.
  const list = Array.isArray(docs) ? docs : [];
  const result: YamlDocument[] = [];
  list.forEach((doc, index) => {
    const line = lineCounter.linePos(doc.range?.[0] ?? 0).line;
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      throw badRequest(
        `error parsing YAML document ${index + 1}: ${firstLine(error.message)}`,
        {
          document: index,
          ...(at ? { line: at.line, column: at.col } : { line }),
        },
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw badRequest(
        `error parsing YAML document ${index + 1} (line ${line}): ${
          e instanceof Error ? e.message : String(e)
        }`,
        { document: index, line },
      );
    }
    if (value === null || value === undefined) {
      return;
    }
    result.push({ index, line, value });
  });
  return result;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/:\s*$/, '');
}
