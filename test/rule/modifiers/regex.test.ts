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
  it('refuses an inline flag group elsewhere', () => {
    expect(refusal(() => item('A|re', 'a(?i)b'))).toMatchObject({ code: 'value', reason: "modifier 're': inline flag group '(?i)' is not supported; use the re sub-modifiers i, m, s" });
  });
  it('refuses a regex that does not compile', () => {
    expect(refusal(() => item('A|re', 'a(b'))).toMatchObject({ code: 'value', location: { path: 'detection.selection.A|re' } });
  });
  it.each([
    ['\\Afoo', 'PCRE anchor that JS reads as a literal A'],
    ['foo\\z', 'PCRE end anchor'],
    ['[[:alpha:]]+', 'POSIX class'],
    ['[]a]', 'leading ] in a class'],
    ['(?P<name>x)', 'Python named group'],
    ['(?>atomic)', 'atomic group'],
    ['a++', 'possessive quantifier'],
    ['\\p{L}', 'Unicode property'],
    ['a\\vb', 'PCRE vertical-space class'],
    ['\\x{41}', 'PCRE braced hex'],
    ['a{,3}', 'PCRE2 {,n} quantifier'],
    ['(a)\\2', 'back reference to a missing group'],
  ])('refuses %s (%s)', (source) => {
    expect(refusal(() => item('A|re', source)).code).toBe('value');
  });
  it.each(['^C:\\\\Windows\\\\.*\\.exe$', '\\w+`(?:\\w+|-|.)`[\\w+|\\s]', '(?<=a)b(?!c)', '(a)\\1', '\\x41\\u0042\\t\\-\\_', '[^\\]a-z]'])('accepts %s', (source) => {
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
