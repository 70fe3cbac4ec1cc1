// A JSON array of events, streamed: the scanner finds element boundaries (tracking strings, escapes and
// nesting) and hands each element's raw text on, so only one element is ever held as a partial string.
import { EventReadError, type JsonTextBatch, type ReadErrorItem } from './types.js';

const Phase = {
  Open: 0, // before '['
  ElementStart: 1, // after '[' or ',': whitespace, then an element (or ']' right after '[')
  Element: 2, // inside an element
  Closed: 3, // after the closing ']'
} as const;
type Phase = (typeof Phase)[keyof typeof Phase];

const LF = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

function isWhitespace(code: number): boolean {
  return code === SPACE || code === LF || code === CR || code === TAB;
}

/** Splits a JSON array into element texts, numbered from 0, each with the 1-based line it starts on.
 *  Elements are not parsed here; a broken element (`{"a": tru}`) is the consumer's to report, and the
 *  scan goes on. A broken array (no '[', unterminated, text after ']') yields one 'structure' error and
 *  ends the stream: past it, element boundaries cannot be trusted. */
export async function* splitJsonArray(chunks: AsyncIterable<string>, source: string): AsyncGenerator<JsonTextBatch | ReadErrorItem> {
  let phase = Phase.Open as Phase;
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let afterComma = false;
  let pending = '';
  let elementLine = 1;
  let nextIndex = 0;
  const structureError = (reason: string, index: number | null): ReadErrorItem => ({
    kind: 'error',
    error: new EventReadError('structure', source, line, index, 'element', reason),
  });

  for await (const chunk of chunks) {
    const batch: JsonTextBatch = { kind: 'json-texts', firstIndex: nextIndex, texts: [], startLines: [] };
    let segmentStart = 0;
    const endElement = (end: number): void => {
      batch.texts.push((pending + chunk.slice(segmentStart, end)).trimEnd());
      batch.startLines!.push(elementLine);
      pending = '';
      nextIndex++;
    };
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk.charCodeAt(i);
      if (code === LF) line++;
      switch (phase) {
        case Phase.Open:
          if (isWhitespace(code)) continue;
          if (code !== OPEN_BRACKET) {
            yield structureError(`not a JSON array: starts with '${chunk[i]}'`, null);
            return;
          }
          phase = Phase.ElementStart;
          continue;
        case Phase.ElementStart:
          if (isWhitespace(code)) continue;
          if (code === CLOSE_BRACKET) {
            if (afterComma) {
              if (batch.texts.length > 0) yield batch;
              yield structureError("a ',' before the closing ']'", null);
              return;
            }
            phase = Phase.Closed;
            continue;
          }
          if (code === COMMA) {
            if (batch.texts.length > 0) yield batch;
            yield structureError("an empty element (',' where an element should be)", nextIndex);
            return;
          }
          phase = Phase.Element;
          segmentStart = i;
          elementLine = line;
          depth = 0;
          inString = false;
          escaped = false;
          break; // this character belongs to the element
        case Phase.Closed:
          if (isWhitespace(code)) continue;
          if (batch.texts.length > 0) yield batch;
          yield structureError(`text after the closing ']': '${chunk[i]}'`, null);
          return;
        case Phase.Element:
          break;
      }
      // Phase.Element
      if (inString) {
        if (escaped) escaped = false;
        else if (code === BACKSLASH) escaped = true;
        else if (code === QUOTE) inString = false;
      } else if (code === QUOTE) {
        inString = true;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth++;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        if (depth > 0) depth--;
        else if (code === CLOSE_BRACKET) {
          endElement(i);
          phase = Phase.Closed;
        }
        // A '}' with nothing open stays in the element, whose JSON.parse then reports it.
      } else if (code === COMMA && depth === 0) {
        endElement(i);
        phase = Phase.ElementStart;
        afterComma = true;
      }
    }
    if (phase === Phase.Element) pending += chunk.slice(segmentStart);
    if (batch.texts.length > 0) yield batch;
  }
  if (phase === Phase.Open) yield structureError('no JSON array in the input', null);
  else if (phase !== Phase.Closed) yield structureError("unterminated JSON array: no closing ']'", phase === Phase.Element ? nextIndex : null);
}
