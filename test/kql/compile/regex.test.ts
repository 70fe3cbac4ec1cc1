import { describe, expect, it } from 'vitest';
import { bestTerm } from '../../../src/kql/compile/prefilter.js';
import { globToRe2, translateRegex } from '../../../src/kql/compile/regex.js';

const plain = { ignoreCase: false, multiline: false, dotAll: false };

describe('JS regex → RE2', () => {
  it('keeps ASCII classes and quantifiers as written', () => {
    expect(translateRegex('\\d{2,4}[a-z]+\\w*?', plain)).toEqual({ ok: true, pattern: '\\d{2,4}[a-z]+\\w*?', exact: true });
  });

  it("writes JS's '.' and '\\s' out exactly", () => {
    expect(translateRegex('a.\\s', plain)).toEqual({ ok: true, pattern: expect.stringContaining('[^\\n\\r\\x{2028}\\x{2029}]'), exact: true });
    const spaced = translateRegex('\\s', plain);
    expect(spaced.ok && spaced.pattern).toContain('\\x{A0}');
  });

  it('turns named groups into (?P<name>...) and literal braces into escapes', () => {
    expect(translateRegex('(?<n>a){x}', plain)).toMatchObject({ ok: true, pattern: '(?P<n>a)\\{x\\}' });
  });

  it('marks multiline anchors and non-ASCII case folding inexact', () => {
    expect(translateRegex('^a$', { ...plain, multiline: true })).toMatchObject({ ok: true, exact: false, pattern: '(?m)^a$' });
    expect(translateRegex('é', { ...plain, ignoreCase: true })).toMatchObject({ ok: true, exact: false });
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
