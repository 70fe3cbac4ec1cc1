// Sigma string values: escape processing and wildcard parts (rules spec "String Wildcard", "Escape Character";
// the parse follows pySigma's SigmaString so the same YAML means the same pattern in both).
import type { StringPart } from '../model.js';

/** Parses a Sigma string as written: `*` any, `?` one; a backslash escapes only `*`, `?` and itself, and is
 *  kept as a plain character before anything else and at the end (`':\Temp\'` is `:\Temp\`). */
export function parseSigmaString(written: string): StringPart[] {
  const parts: StringPart[] = [];
  let literal = '';
  let escaped = false;
  for (const char of written) {
    if (escaped) {
      literal += char === '*' || char === '?' || char === '\\' ? char : '\\' + char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (char === '*' || char === '?') {
      if (literal !== '') parts.push({ kind: 'literal', text: literal });
      literal = '';
      parts.push({ kind: char === '*' ? 'any' : 'one' });
    } else {
      literal += char;
    }
  }
  if (escaped) literal += '\\';
  if (literal !== '') parts.push({ kind: 'literal', text: literal });
  return parts;
}

/** Parts whose text is used as is (no wildcard or escape meaning), e.g. a number's string form. */
export function literalParts(text: string): StringPart[] {
  return text === '' ? [] : [{ kind: 'literal', text }];
}

/** Joins parts, merging adjacent literal runs and dropping empty ones, so equal patterns compare equal. */
export function concatParts(...sequences: readonly (readonly StringPart[])[]): StringPart[] {
  const merged: StringPart[] = [];
  for (const sequence of sequences) {
    for (const part of sequence) {
      const last = merged[merged.length - 1];
      if (part.kind === 'literal') {
        if (part.text === '') continue;
        if (last?.kind === 'literal') merged[merged.length - 1] = { kind: 'literal', text: last.text + part.text };
        else merged.push(part);
      } else {
        merged.push(part);
      }
    }
  }
  return merged;
}

export function hasWildcard(parts: readonly StringPart[]): boolean {
  return parts.some((part) => part.kind !== 'literal');
}

/** The text of wildcard-free parts. */
export function literalText(parts: readonly StringPart[]): string {
  return parts.map((part) => (part.kind === 'literal' ? part.text : '')).join('');
}

/** The parts written back as a Sigma string (wildcards as `*`/`?`, literal wildcards and backslashes escaped
 *  where needed), for messages. */
export function formatParts(parts: readonly StringPart[]): string {
  return parts
    .map((part) => {
      if (part.kind === 'any') return '*';
      if (part.kind === 'one') return '?';
      return part.text.replace(/\\(?=[*?\\]|$)/g, '\\\\').replace(/[*?]/g, '\\$&');
    })
    .join('');
}
