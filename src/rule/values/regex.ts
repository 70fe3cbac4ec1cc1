// re (modifiers appendix "Regular Expression"): the flavour is a PCRE subset. We match with JavaScript
// RegExp (no `u` flag), whose Annex B syntax accepts some PCRE spellings with another meaning (`\A` is a
// literal A, `[]a]` is an empty class, `\v` is one character, `[[:alpha:]]` is a class of `[:alph`).
// Nothing is translated: such constructs are refused with the reason, and the rest must compile.

export interface RegexFlags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

/** Escapes whose meaning is the same in PCRE and in JavaScript without `u`. */
const SAME_MEANING_LETTER_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'n', 'r', 't', 'f']);

function countCapturingGroups(source: string): number {
  let count = 0;
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index];
    if (char === '\\') index++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(' && (source[index + 1] !== '?' || (source[index + 2] === '<' && source[index + 3] !== '=' && source[index + 3] !== '!'))) count++;
  }
  return count;
}

/** Checks one escape at `index` (the backslash); returns the refusal reason or the escape's length. */
function checkEscape(source: string, index: number, inClass: boolean, groupCount: number): string | number {
  const next = source[index + 1];
  if (next === undefined) return 'the pattern ends with a lone backslash';
  if (!/[A-Za-z0-9]/.test(next)) return 2;
  if (SAME_MEANING_LETTER_ESCAPES.has(next) && !(inClass && next === 'B')) return 2;
  if (next === 'x') {
    return /^[0-9A-Fa-f]{2}$/.test(source.slice(index + 2, index + 4)) ? 4 : `'\\x' needs exactly two hex digits here ('\\x{...}' is PCRE-only)`;
  }
  if (next === 'u') {
    return /^[0-9A-Fa-f]{4}$/.test(source.slice(index + 2, index + 6)) ? 6 : `'\\u' needs exactly four hex digits`;
  }
  if (next === 'c') return /[A-Za-z]/.test(source[index + 2] ?? '') ? 3 : `'\\c' needs a letter`;
  if (next === '0') return /[0-9]/.test(source[index + 2] ?? '') ? 'octal escapes are not supported; use \\xhh' : 2;
  if (/[1-9]/.test(next)) {
    if (inClass) return 'octal escapes are not supported; use \\xhh';
    const digits = /^[0-9]+/.exec(source.slice(index + 1))![0];
    if (Number(digits) > groupCount) return `'\\${digits}' refers to a group that does not exist (octal escapes are not supported)`;
    return 1 + digits.length;
  }
  if (next === 'k' && !inClass) {
    const named = /^k<([A-Za-z_][A-Za-z0-9_]*)>/.exec(source.slice(index + 1));
    return named ? 1 + named[0].length : `'\\k' is supported only as '\\k<name>'`;
  }
  const pcreMeaning: Record<string, string> = {
    A: 'start of subject', Z: 'end of subject', z: 'end of subject', G: 'first match position', Q: 'quoting',
    E: 'end of quoting', K: 'match reset', h: 'horizontal space', H: 'non-horizontal space', v: 'vertical space',
    V: 'non-vertical space', R: 'newline sequence', X: 'Unicode cluster', N: 'non-newline', p: 'Unicode property',
    P: 'Unicode property', e: 'escape character', a: 'bell character', g: 'back reference', o: 'octal',
    C: 'single code unit',
  };
  const meaning = pcreMeaning[next];
  return meaning
    ? `'\\${next}' (PCRE ${meaning}) has no equivalent in the supported regex syntax`
    : `'\\${next}' is not a valid escape`;
}

/** Returns null when `source` is accepted, else the reason it is refused. */
export function checkRegex(source: string, flags: RegexFlags): string | null {
  const groupCount = countCapturingGroups(source);
  let inClass = false;
  for (let index = 0; index < source.length; ) {
    const char = source[index];
    if (char === '\\') {
      const checked = checkEscape(source, index, inClass, groupCount);
      if (typeof checked === 'string') return checked;
      index += checked;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      else if (char === '[' && /^\[[:.=]/.test(source.slice(index))) {
        return `POSIX class '${/^\[[:.=][^\]]*\]?/.exec(source.slice(index))![0]}' is not supported; write the characters out`;
      }
      index++;
      continue;
    }
    if (char === '[') {
      inClass = true;
      index += source[index + 1] === '^' ? 2 : 1;
      if (source[index] === ']') return `']' first in a character class means a literal in PCRE but an empty class in JavaScript; write '\\]'`;
      continue;
    }
    if (char === '(' && source[index + 1] === '?') {
      const rest = source.slice(index + 2);
      if (/^(:|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.test(rest)) {
        index += 2;
        continue;
      }
      if (/^[imsxnUJ^-]*[):]/.test(rest)) return `inline flag group '(?${/^[^):]*[):]/.exec(rest)![0]}' is not supported; use the re sub-modifiers i, m, s`;
      return `group '(?${rest.slice(0, 2)}' (PCRE-only construct) is not supported`;
    }
    if (char === '{' && /^\{,[0-9]+\}/.test(source.slice(index))) {
      return `'${/^\{,[0-9]+\}/.exec(source.slice(index))![0]}' is a quantifier in recent PCRE but literal text in JavaScript; write '{0,n}' or escape the brace`;
    }
    index++;
  }
  try {
    new RegExp(source, (flags.ignoreCase ? 'i' : '') + (flags.multiline ? 'm' : '') + (flags.dotAll ? 's' : ''));
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
  return null;
}

/** A leading `(?i)`, `(?m)`, `(?s)` (or a combination) sets that flag for the whole pattern in PCRE, exactly
 *  what the re sub-modifiers do; SigmaHQ rules written before `re|i` existed use it (16 rules). It is moved
 *  into the flags so the source compiles in JavaScript; an inline flag group anywhere else is refused. */
export function liftLeadingInlineFlags(source: string, flags: RegexFlags): { source: string; flags: RegexFlags } {
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (!leading) return { source, flags };
  const letters = leading[1];
  return {
    source: source.slice(leading[0].length),
    flags: {
      ignoreCase: flags.ignoreCase || letters.includes('i'),
      multiline: flags.multiline || letters.includes('m'),
      dotAll: flags.dotAll || letters.includes('s'),
    },
  };
}
