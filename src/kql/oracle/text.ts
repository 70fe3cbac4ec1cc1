// Kusto's string comparisons, as the oracle models them.
//
// Case-insensitive operators (=~, !~, in~, contains, startswith, endswith, has, has_any, ...): the docs say
// "Case-insensitive operators are currently supported only for ASCII-text. For non-ASCII comparison, use the
// tolower() function" (docs/research/kusto-case-folding.md). So ASCII letters fold [documented], and what the
// service does with a non-ASCII letter is not known. The oracle never guesses: it evaluates a case-insensitive
// test under every reading the service could plausibly use —
//   ascii        A-Z ≡ a-z only (the most literal reading of the note),
//   simple upper / simple lower   per code point, Unicode simple case mapping (.NET ToUpperInvariant /
//                ToLowerInvariant / OrdinalIgnoreCase on any runtime),
//   full upper / full lower       whole-string Unicode case mapping (ICU; the matcher's toLowerCase()),
// and answers only when they all agree. Otherwise the verdict is unknown (null) and the oracle refuses the row
// ('undecidable') unless the rest of the predicate decides it (Kleene and/or, src/kql/oracle.ts).
// Consequences: "\u212A" =~ "k", "İ" contains "i", "ı" =~ "i", "ſ" =~ "s", "ß" contains "ss", "É" =~ "é" are
// all unknown; any comparison of two ASCII strings, or where no non-ASCII letter can change the answer
// ("é-x" contains "X"), is decided.
//
// tolower()/toupper() are documented to convert case, and the same note recommends tolower() for non-ASCII text,
// so they do map non-ASCII letters; whether by the simple or the full mapping is not documented: where the two
// differ (İ, ß, final sigma, ...) the result is unknown.
// Astral characters (surrogate pairs) are read per code point in every reading.

type CaseReading = (text: string) => string;

const ASCII_ONLY = /^[\x00-\x7f]*$/;

function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}

function perCodePoint(text: string, to: 'lower' | 'upper'): string {
  let out = '';
  for (const character of text) {
    const mapped = to === 'lower' ? character.toLowerCase() : character.toUpperCase();
    // UnicodeData's simple lowercase of U+0130 is 'i'; JS only has the full mapping "i\u0307".
    if (character === '\u0130' && to === 'lower') out += 'i';
    else out += [...mapped].length === 1 ? mapped : character;
  }
  return out;
}

/** Every reading of a case-insensitive comparison the service might use (see above); the first is ASCII. */
const READINGS: readonly CaseReading[] = [
  asciiUpper,
  (text) => perCodePoint(text, 'upper'),
  (text) => perCodePoint(text, 'lower'),
  (text) => text.toUpperCase(),
  (text) => text.toLowerCase(),
];

/** The verdict of a test under every reading: the common answer, or null when the readings disagree. */
function underEveryReading(haystack: string, needle: string, test: (haystack: string, needle: string) => boolean): boolean | null {
  const ascii = test(asciiUpper(haystack), asciiUpper(needle));
  if (ASCII_ONLY.test(haystack) && ASCII_ONLY.test(needle)) return ascii;
  for (let index = 1; index < READINGS.length; index++) {
    const read = READINGS[index]!;
    if (test(read(haystack), read(needle)) !== ascii) return null;
  }
  return ascii;
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

const TERMS = /[\p{L}\p{Nd}]+/gu;

/**
 * `haystack has needle`: the needle is a whole term of the haystack. Only needles that are themselves one term
 * (alphanumerics only) are modelled; a needle with punctuation is refused by the caller (the docs do not say
 * how it is split). Terms are cut from the stored text; case-insensitive unless `cased` (each reading folds the
 * terms and the needle); null when the readings disagree.
 */
export function hasTerm(haystack: string, needle: string, cased: boolean): boolean | null {
  if (needle === '') return false;
  const terms: readonly string[] = haystack.match(TERMS) ?? [];
  if (cased) return terms.includes(needle);
  const under = (read: CaseReading) => {
    const term = read(needle);
    return terms.some((candidate) => read(candidate) === term);
  };
  const ascii = under(asciiUpper);
  if (ASCII_ONLY.test(haystack) && ASCII_ONLY.test(needle)) return ascii;
  return READINGS.every((read) => under(read) === ascii) ? ascii : null;
}

/** A needle `has` can take: one term, no separators. */
export function isSingleTerm(needle: string): boolean {
  if (needle === '') return false;
  for (const character of needle) if (!isTermCharacter(character)) return false;
  return true;
}

export type StringPosition = 'equals' | 'contains' | 'startswith' | 'endswith';

const POSITION_TESTS: Readonly<Record<StringPosition, (haystack: string, needle: string) => boolean>> = {
  equals: (haystack, needle) => haystack === needle,
  contains: (haystack, needle) => haystack.includes(needle),
  startswith: (haystack, needle) => haystack.startsWith(needle),
  endswith: (haystack, needle) => haystack.endsWith(needle),
};

/** A string test; case-insensitive unless `cased`, null when Kusto's answer is not known (see above). */
export function compareText(haystack: string, needle: string, position: StringPosition, cased: boolean): boolean | null {
  const test = POSITION_TESTS[position];
  return cased ? test(haystack, needle) : underEveryReading(haystack, needle, test);
}

/** tolower()/toupper(): the simple and the full mapping, or null where they differ (see above). */
export function caseMapped(text: string, to: 'lower' | 'upper'): string | null {
  if (ASCII_ONLY.test(text)) return to === 'lower' ? text.toLowerCase() : text.toUpperCase();
  const simple = perCodePoint(text, to);
  const full = to === 'lower' ? text.toLowerCase() : text.toUpperCase();
  return simple === full ? simple : null;
}
