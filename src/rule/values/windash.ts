// windash (modifiers appendix "String Modifiers"): Windows accepts several dash characters for a command-line
// flag. pySigma expands only a `-` or `/` at a regex `\B[-/]\b` position (start of a word-like flag), so the
// second dash of `-param-1` stays; we follow it so both tools build the same alternatives.
import type { StringPart } from '../model.js';
import { concatParts } from './sigma-string.js';

/** The replacements for each flag character, in pySigma's order. */
export const WINDASH_CHARACTERS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;

// Python's `\w` on str is Unicode-aware (letters, digits, underscore); JS `\b` is ASCII-only, so the
// boundary test is written out.
const WORD_CHARACTER = /^[\p{L}\p{N}_]$/u;

function isWordCharacter(char: string | undefined): boolean {
  return char !== undefined && WORD_CHARACTER.test(char);
}

/** Splits a literal run into pieces: plain text, and `null` for every flag position. */
function splitAtFlags(text: string): (string | null)[] {
  const chars = Array.from(text);
  const pieces: (string | null)[] = [];
  let plain = '';
  for (let index = 0; index < chars.length; index++) {
    const char = chars[index];
    const isFlag = (char === '-' || char === '/') && !isWordCharacter(chars[index - 1]) && isWordCharacter(chars[index + 1]);
    if (isFlag) {
      pieces.push(plain, null);
      plain = '';
    } else {
      plain += char;
    }
  }
  pieces.push(plain);
  return pieces;
}

/** All alternatives of a value under windash: the Cartesian product over its flag positions, the first
 *  position varying slowest (pySigma's order). A value without flag positions yields itself. */
export function expandWindash(parts: readonly StringPart[]): StringPart[][] {
  const segments: (StringPart | null)[] = [];
  for (const part of parts) {
    if (part.kind !== 'literal') {
      segments.push(part);
      continue;
    }
    for (const piece of splitAtFlags(part.text)) segments.push(piece === null ? null : { kind: 'literal', text: piece });
  }
  let alternatives: StringPart[][] = [[]];
  for (const segment of segments) {
    const choices: StringPart[] = segment === null ? WINDASH_CHARACTERS.map((text) => ({ kind: 'literal', text })) : [segment];
    alternatives = alternatives.flatMap((prefix) => choices.map((choice) => concatParts(prefix, [choice])));
  }
  return alternatives;
}
