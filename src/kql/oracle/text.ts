// Kusto's string comparisons, as the oracle models them.
//
// Case-insensitive operators (=~, !~, in~, contains, startswith, endswith, has, ...): the docs only say "case
// insensitive". Kusto runs on .NET; we model ordinal ignore-case the way .NET's OrdinalIgnoreCase does it: each
// UTF-16 code unit is mapped to its simple (1:1) upper-case form, then code units are compared. JS has no simple
// mapping API, so a code unit is upper-cased with toUpperCase() when that gives exactly one code unit, and kept
// otherwise (ß, ŉ, ǰ... whose full mapping is several characters have no simple upper-case form). Consequences,
// which differ from the matcher's toLowerCase() reading (src/match/README.md):
//   - ASCII: identical to toLowerCase().
//   - KELVIN SIGN U+212A is its own upper case, so "\u212A" =~ "k" is false here (the matcher says true);
//     "İ" (U+0130) contains "i" is false here (the matcher, lowering İ to "i̇", says true).
//   - Astral characters (surrogate pairs) are compared exactly (Deseret etc. case pairs are not folded).
// These are assumptions [I], not checked against the service.

/** The ordinal-ignore-case key of a string (see above). */
export function foldCase(text: string): string {
  let folded = '';
  let changed = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) {
      if (code >= 0x61 && code <= 0x7a) {
        folded += String.fromCharCode(code - 32);
        changed = true;
      } else {
        folded += text[index];
      }
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      folded += text[index];
      continue;
    }
    const upper = text[index]!.toUpperCase();
    if (upper.length === 1 && upper !== text[index]) {
      folded += upper;
      changed = true;
    } else {
      folded += text[index];
    }
  }
  return changed ? folded : text;
}

/**
 * Term characters for has/has_any/has_all. The docs: "each string value is broken into maximal sequences of
 * alphanumeric characters, and each of those sequences is made into a term". We read "alphanumeric" as .NET's
 * char.IsLetterOrDigit (Unicode letters and decimal digits) [I]; '_' is not alphanumeric.
 */
const TERM_CHARACTER = /[\p{L}\p{Nd}]/u;

export function isTermCharacter(character: string): boolean {
  return TERM_CHARACTER.test(character);
}

/**
 * `haystack has needle`: the needle is a whole term of the haystack. Only needles that are themselves one term
 * (alphanumerics only) are modelled; a needle with punctuation is refused by the caller (the docs do not say
 * how it is split). Case-insensitive unless `cased`.
 */
export function hasTerm(haystack: string, needle: string, cased: boolean): boolean {
  if (needle === '') return false;
  const text = cased ? haystack : foldCase(haystack);
  const term = cased ? needle : foldCase(needle);
  for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
    const before = at > 0 ? haystack[at - 1]! : '';
    const after = at + term.length < haystack.length ? haystack[at + term.length]! : '';
    if ((before === '' || !isTermCharacter(before)) && (after === '' || !isTermCharacter(after))) return true;
  }
  return false;
}

/** A needle `has` can take: one term, no separators. */
export function isSingleTerm(needle: string): boolean {
  if (needle === '') return false;
  for (const character of needle) if (!isTermCharacter(character)) return false;
  return true;
}

export type StringPosition = 'equals' | 'contains' | 'startswith' | 'endswith';

export function compareText(haystack: string, needle: string, position: StringPosition, cased: boolean): boolean {
  const left = cased ? haystack : foldCase(haystack);
  const right = cased ? needle : foldCase(needle);
  switch (position) {
    case 'equals':
      return left === right;
    case 'contains':
      return left.includes(right);
    case 'startswith':
      return left.startsWith(right);
    case 'endswith':
      return left.endsWith(right);
  }
}

/** tolower()/toupper(): .NET ToLowerInvariant/ToUpperInvariant are simple 1:1 mappings per code unit [I]. */
export function simpleCase(text: string, to: 'lower' | 'upper'): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const character = text[index]!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += character;
      continue;
    }
    const mapped = to === 'lower' ? character.toLowerCase() : character.toUpperCase();
    out += mapped.length === 1 ? mapped : character;
  }
  return out;
}
