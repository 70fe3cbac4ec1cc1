import { describe, expect, it } from 'vitest';
import { bestTerm } from '../../../src/kql/compile/prefilter.js';
import { globToRe2, translateRegex } from '../../../src/kql/compile/regex.js';

const plain = { ignoreCase: false, multiline: false, dotAll: false };

describe('Sigma re (RE2) → KQL matches regex', () => {
  it('keeps the pattern as written: both sides are RE2', () => {
    expect(translateRegex('\\d{2,4}[a-z]+\\w*?', plain)).toEqual({ ok: true, pattern: '\\d{2,4}[a-z]+\\w*?', exact: true });
    expect(translateRegex('a.\\s$', plain)).toEqual({ ok: true, pattern: 'a.\\s$', exact: true });
    expect(translateRegex('\\Afoo\\z[[:alpha:]]\\pL\\x{41}a(?i)b', plain)).toEqual({ ok: true, pattern: '\\Afoo\\z[[:alpha:]]\\pL\\x{41}a(?i)b', exact: true });
  });

  it('puts the rule flags in a leading group', () => {
    expect(translateRegex('^a$', { ignoreCase: true, multiline: true, dotAll: true })).toEqual({ ok: true, pattern: '(?ims)^a$', exact: true });
  });

  it('spells named groups (?P<name>...) only where they are syntax', () => {
    expect(translateRegex('(?<n>a)[(?<]\\(?<x', plain)).toMatchObject({ ok: true, pattern: '(?P<n>a)[(?<]\\(?<x' });
    expect(translateRegex('[]a(?<b>]\\Q(?<c>\\E(?<d>e)', plain)).toMatchObject({ ok: true, pattern: '[]a(?<b>]\\Q(?<c>\\E(?P<d>e)' });
  });

  it('refuses what RE2 lacks', () => {
    expect(translateRegex('(?<=a)b', plain)).toMatchObject({ ok: false });
    expect(translateRegex('(a)\\1', plain)).toMatchObject({ ok: false });
    expect(translateRegex('a{1001}', plain)).toMatchObject({ ok: false });
  });

  it('escapes every regex metacharacter of a wildcard literal', () => {
    expect(globToRe2([{ kind: 'literal', text: 'a+b' }, { kind: 'any' }, { kind: 'literal', text: '\n' }], false)).toBe('(?is)^a\\+b.*\\x{A}$');
  });
});

describe('Sysmon term pre-filter', () => {
  const contains = (text: string) => [{ kind: 'any' as const }, { kind: 'literal' as const, text }, { kind: 'any' as const }];

  it('takes only terms bounded by delimiters inside an unanchored literal', () => {
    expect(bestTerm(contains('xfoo\\bar.exe'))).toBe('bar');
    expect(bestTerm(contains('\\Temp\\'))).toBe('Temp');
  });

  it('trusts the anchored ends of an exact value', () => {
    expect(bestTerm([{ kind: 'literal', text: 'powershell.exe' }])).toBe('powershell');
  });

  it('finds no term where an underscore, a non-ASCII letter or a short run borders it', () => {
    expect(bestTerm(contains('a_long_name'))).toBeNull();
    expect(bestTerm(contains('\\caféx\\'))).toBeNull();
    expect(bestTerm(contains('\\ab\\'))).toBeNull();
  });
});
