// expand (rules spec "Placeholders"): `%name%` is a placeholder only under `expand`; `\%` is a plain percent.
// A tool that cannot resolve a placeholder must reject the rule, so an unknown or empty placeholder is an
// error, never a silent wildcard.
import type { PlaceholderValues, StringPart } from '../model.js';
import { concatParts, parseSigmaString } from './sigma-string.js';

/** pySigma's `(?<!\\)%(?P<name>\w+)%`, with Python's Unicode `\w`. It runs on literal runs after escape
 *  processing, where an escaped percent is still `\%`. */
const PLACEHOLDER = /(?<!\\)%([\p{L}\p{N}_]+)%/gu;

export type PlaceholderExpansion =
  | { ok: true; alternatives: StringPart[][] }
  | { ok: false; reason: string };

type Piece = StringPart | { kind: 'placeholder'; name: string };

function splitPlaceholders(parts: readonly StringPart[]): Piece[] {
  const pieces: Piece[] = [];
  for (const part of parts) {
    if (part.kind !== 'literal') {
      pieces.push(part);
      continue;
    }
    let last = 0;
    for (const match of part.text.matchAll(PLACEHOLDER)) {
      pieces.push({ kind: 'literal', text: part.text.slice(last, match.index).replaceAll('\\%', '%') });
      pieces.push({ kind: 'placeholder', name: match[1] });
      last = match.index + match[0].length;
    }
    pieces.push({ kind: 'literal', text: part.text.slice(last).replaceAll('\\%', '%') });
  }
  return pieces;
}

/** Replaces every placeholder by each of its values (Cartesian product, first placeholder varying slowest).
 *  Placeholder values are Sigma strings themselves, so `srv*` is a wildcard pattern (spec example). */
export function expandPlaceholders(parts: readonly StringPart[], placeholders: PlaceholderValues | undefined): PlaceholderExpansion {
  let alternatives: StringPart[][] = [[]];
  for (const piece of splitPlaceholders(parts)) {
    if (piece.kind !== 'placeholder') {
      alternatives = alternatives.map((prefix) => concatParts(prefix, [piece]));
      continue;
    }
    const values = placeholders?.get(piece.name);
    if (values === undefined) return { ok: false, reason: `placeholder '%${piece.name}%' has no values (supply it with the placeholder values)` };
    if (values.length === 0) return { ok: false, reason: `placeholder '%${piece.name}%' has an empty value list` };
    const choices = values.map(parseSigmaString);
    alternatives = alternatives.flatMap((prefix) => choices.map((choice) => concatParts(prefix, choice)));
  }
  return { ok: true, alternatives };
}
