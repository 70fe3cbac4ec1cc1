import { describe, expect, it } from 'vitest';
import { item, patterns, refusal } from './helpers.js';

const noFlags = { ignoreCase: false, multiline: false, dotAll: false };

describe('re', () => {
  it('keeps the regex raw: backslashes are not Sigma escapes', () => {
    expect(patterns('CommandLine|re', '\\s-[FTd]\\s')).toEqual([{ kind: 're', source: '\\s-[FTd]\\s', flags: noFlags }]);
  });
  it('i, m and s set the flags', () => {
    expect(patterns('CommandLine|re|i|m|s', 'a.b')).toEqual([{ kind: 're', source: 'a.b', flags: { ignoreCase: true, multiline: true, dotAll: true } }]);
  });
  it('ignorecase is an alias of i', () => {
    expect(patterns('CommandLine|re|ignorecase', 'a')).toEqual([{ kind: 're', source: 'a', flags: { ...noFlags, ignoreCase: true } }]);
  });
  it('a leading (?i) becomes the ignore-case flag (16 SigmaHQ rules)', () => {
    expect(patterns('cs-uri|re', '(?i)(ipfs\\.io/|ipfs\\.io\\s).+')).toEqual([{ kind: 're', source: '(ipfs\\.io/|ipfs\\.io\\s).+', flags: { ...noFlags, ignoreCase: true } }]);
  });
  it('keeps an inline flag group elsewhere: RE2 reads it', () => {
    expect(patterns('A|re', 'a(?i)b')[0]).toMatchObject({ kind: 're', source: 'a(?i)b', flags: noFlags });
  });
  it('refuses a regex that does not compile', () => {
    expect(refusal(() => item('A|re', 'a(b'))).toMatchObject({ code: 'value', location: { path: 'detection.selection.A|re' } });
  });
  it.each([
    ['(?<=a)b', 'lookaround assertions need a backtracking engine'],
    ['a(?!b)', 'lookaround assertions need a backtracking engine'],
    ['(a)\\1', 'back references need a backtracking engine'],
    ['(?<n>a)\\k<n>', 'back references need a backtracking engine'],
    ['(?>atomic)', 'atomic groups and possessive quantifiers are PCRE-only'],
    ['a++', 'atomic groups and possessive quantifiers are PCRE-only'],
    ['a\\vb', "'\\v' is PCRE's vertical-space class"],
    ['[\\v]', "'\\v' is PCRE's vertical-space class"],
    ['a{,3}', "'{,3}' is a quantifier in recent PCRE but literal text in RE2"],
    ['foo\\Z', 'not a valid RE2 pattern: invalid escape sequence'],
    ['\\u0041', 'not a valid RE2 pattern: invalid escape sequence'],
    ['a{1001}', 'not a valid RE2 pattern: invalid repeat count'],
  ])('refuses %s with the reason', (source, reason) => {
    const error = refusal(() => item('A|re', source));
    expect(error.code).toBe('value');
    expect(error.reason).toContain(reason);
  });
  it.each([
    '^C:\\\\Windows\\\\.*\\.exe$',
    '\\w+`(?:\\w+|-|.)`[\\w+|\\s]',
    '\\Afoo\\z',
    '[[:alpha:]]+',
    '[]a]',
    '(?P<name>x)(?<other>y)',
    '\\p{L}\\pN',
    '\\x{41}\\x41\\t\\-\\_',
    '\\Qa.b\\E',
    '[^\\]a-z]',
    'a{,3',
    '\\Q\\v{,3}\\E',
  ])('accepts %s', (source) => {
    expect(patterns('A|re', source)[0]).toMatchObject({ kind: 're', source });
  });
  it('refuses re after a value modifier', () => {
    expect(refusal(() => item('A|contains|re', 'x'))).toMatchObject({ code: 'modifier', reason: "modifier 're' applies only to an unmodified value; it follows 'contains'" });
  });
  it('refuses contains after re', () => {
    expect(refusal(() => item('A|re|contains', 'x'))).toMatchObject({ code: 'modifier' });
  });
  it('refuses a re flag without re', () => {
    expect(refusal(() => item('A|i', 'x'))).toMatchObject({ code: 'value' });
  });
});
