import { describe, expect, it } from 'vitest';
import { compileRule } from '../../src/match/compile.js';
import { SigmaError } from '../../src/rule/errors.js';
import { and, makeRule, not, ofPattern, or, s, search, seedRule, type SearchBody } from './build.js';

const one = (body: SearchBody) => compileRule(makeRule([search('selection', body)]));
const matches = (body: SearchBody, event: Record<string, unknown>) => one(body).matches(event);

describe('string values', () => {
  it('compares plain values case-insensitively as whole values', () => {
    expect(matches({ Image: 'C:\\Windows\\cmd.exe' }, { Image: 'c:\\WINDOWS\\Cmd.EXE' })).toBe(true);
    expect(matches({ Image: 'C:\\Windows\\cmd.exe' }, { Image: 'c:\\windows\\cmd.exe.bak' })).toBe(false);
  });
  it('defines case-insensitive as toLowerCase on both sides, so the Kelvin sign equals k but ß does not equal SS', () => {
    expect(matches({ Name: 'kelvin' }, { Name: '\u212aelvin' })).toBe(true);
    expect(matches({ Name: '\u212aelvin' }, { Name: 'KELVIN' })).toBe(true);
    expect(matches({ Name: 'SS' }, { Name: 'ß' })).toBe(false);
  });
  it('lets a dotted capital I contain a lower-case i after lowering', () => {
    expect(matches({ 'Name|contains': 'i' }, { Name: 'İ' })).toBe(true);
  });
  it('applies contains, startswith and endswith', () => {
    expect(matches({ 'CommandLine|contains': 'ENC' }, { CommandLine: 'powershell -enc AAA' })).toBe(true);
    expect(matches({ 'CommandLine|startswith': 'power' }, { CommandLine: 'xpowershell' })).toBe(false);
    expect(matches({ 'CommandLine|endswith': '.PS1' }, { CommandLine: 'run a.ps1' })).toBe(true);
  });
  it('honours * and ? wildcards in the middle of a value', () => {
    expect(matches({ Image: 'C:\\\\*\\cmd?.exe' }, { Image: 'c:\\x\\y\\CMD1.exe' })).toBe(true);
    expect(matches({ Image: 'C:\\\\*\\cmd?.exe' }, { Image: 'c:\\x\\cmd.exe' })).toBe(false);
  });
  it('treats ? as one code point, so it matches a supplementary character', () => {
    expect(matches({ Name: 'a?b' }, { Name: 'a\u{1F600}b' })).toBe(true);
  });
  it('treats an escaped wildcard as a literal', () => {
    expect(matches({ Name: 'a\\*b' }, { Name: 'a*b' })).toBe(true);
    expect(matches({ Name: 'a\\*b' }, { Name: 'axb' })).toBe(false);
  });
  it('compares cased values exactly', () => {
    expect(matches({ 'Name|cased': 'Abc' }, { Name: 'abc' })).toBe(false);
    expect(matches({ 'Name|contains|cased': 'Abc' }, { Name: 'xAbcx' })).toBe(true);
  });
  it('compares JSON booleans and numbers as their string form', () => {
    expect(matches({ Initiated: 'true' }, { Initiated: true })).toBe(true);
    expect(matches({ Initiated: 'TRUE' }, { Initiated: true })).toBe(true);
    expect(matches({ EventID: 3 }, { EventID: '3' })).toBe(true);
    expect(matches({ EventID: '3' }, { EventID: 3 })).toBe(true);
    expect(matches({ EventID: 3 }, { EventID: 30 })).toBe(false);
  });
  it('matches an array field when any element matches', () => {
    expect(matches({ 'Tags|contains': 'b' }, { Tags: ['a', ['xbx']] })).toBe(true);
    expect(matches({ 'Tags|contains': 'z' }, { Tags: ['a', 'b'] })).toBe(false);
  });
  it('never matches an object value', () => {
    expect(matches({ 'Data|contains': 'a' }, { Data: { a: 'a' } })).toBe(false);
  });
  it('matches the empty string only against an empty value', () => {
    expect(matches({ Name: '' }, { Name: '' })).toBe(true);
    expect(matches({ Name: '' }, { Name: 'x' })).toBe(false);
  });
});

describe('absent and null fields', () => {
  it('makes a value test on an absent or null field false', () => {
    expect(matches({ Image: '*' }, {})).toBe(false);
    expect(matches({ Image: '*' }, { Image: null })).toBe(false);
  });
  it('lets selection and not filter match when the filter field is missing', () => {
    const rule = compileRule(makeRule([search('selection', { EventID: 3 }), search('filter', { 'Host|endswith': '.com' })], and(s('selection'), not(s('filter')))));
    expect(rule.matches({ EventID: 3 })).toBe(true);
    expect(rule.matches({ EventID: 3, Host: 'a.com' })).toBe(false);
  });
  it('matches the null value when the field is absent or null, not when it holds a value', () => {
    expect(matches({ Parent: null }, {})).toBe(true);
    expect(matches({ Parent: null }, { Parent: null })).toBe(true);
    expect(matches({ Parent: null }, { Parent: '' })).toBe(false);
  });
  it('tests presence with exists, counting null as absent', () => {
    expect(matches({ 'Parent|exists': true }, { Parent: '' })).toBe(true);
    expect(matches({ 'Parent|exists': true }, { Parent: null })).toBe(false);
    expect(matches({ 'Parent|exists': false }, {})).toBe(true);
    expect(matches({ 'Parent|exists': false }, { Parent: 'x' })).toBe(false);
  });
  it('holds neq only when the field is present and matches none of the values', () => {
    expect(matches({ 'User|neq': ['SYSTEM', 'root'] }, { User: 'alice' })).toBe(true);
    expect(matches({ 'User|neq': ['SYSTEM', 'root'] }, { User: 'system' })).toBe(false);
    expect(matches({ 'User|neq': ['SYSTEM', 'root'] }, {})).toBe(false);
  });
});

describe('field lookup', () => {
  it('finds a field whose event key has spaces', () => {
    expect(matches({ ThreatName: 'eicar' }, { 'Threat Name': 'EICAR' })).toBe(true);
  });
  it('prefers the exact key over a spaced one', () => {
    expect(matches({ ThreatName: 'a' }, { 'Threat Name': 'a', ThreatName: 'b' })).toBe(false);
  });
  it('does not read Object.prototype members as fields', () => {
    expect(matches({ 'constructor|exists': true }, {})).toBe(false);
    expect(matches({ toString: 'x' }, { toString: 'X' })).toBe(true);
  });
});

describe('keywords', () => {
  it('match a substring of any string, number or boolean in the event, nested included', () => {
    const rule = compileRule(makeRule([search('keywords', ['mimikatz'])]));
    expect(rule.matches({ a: { b: ['x', 'run MIMIKATZ now'] } })).toBe(true);
    expect(rule.matches({ mimikatz: 'key names are not searched' })).toBe(false);
  });
  it('find numbers by their string form', () => {
    expect(compileRule(makeRule([search('keywords', ['4624'])])).matches({ EventID: 4624 })).toBe(true);
  });
  it('require every keyword with all, possibly in different values', () => {
    const rule = compileRule(makeRule([search('keywords', ['alpha', 'beta'], ['all'])]));
    expect(rule.matches({ a: 'alpha', b: 'BETA' })).toBe(true);
    expect(rule.matches({ a: 'alpha' })).toBe(false);
  });
  it('refuse a presence test that needs a field', () => {
    const rule = makeRule([search('keywords', ['x'])]);
    const keywordSearch = rule.detection.searches.get('keywords')!;
    if (keywordSearch.kind === 'keywords') keywordSearch.item.values[0].patterns = [{ kind: 'exists', expected: true }];
    expect(() => compileRule(rule)).toThrow(SigmaError);
  });
});

describe('value lists', () => {
  it('ORs values by default and ANDs them with all', () => {
    expect(matches({ 'Cmd|contains': ['a', 'zz'] }, { Cmd: 'xa' })).toBe(true);
    expect(matches({ 'Cmd|contains|all': ['a', 'zz'] }, { Cmd: 'xa' })).toBe(false);
    expect(matches({ 'Cmd|contains|all': ['a', 'zz'] }, { Cmd: 'zza' })).toBe(true);
  });
  it('ORs the patterns within one value group', () => {
    const rule = makeRule([search('selection', { 'Cmd|contains': '-x' })]);
    const selection = rule.detection.searches.get('selection')!;
    if (selection.kind === 'fields') {
      selection.alternatives[0].items[0].values[0].patterns.push({ kind: 'string', parts: [{ kind: 'any' }, { kind: 'literal', text: '/x' }, { kind: 'any' }], cased: false });
    }
    expect(compileRule(rule).matches({ Cmd: 'a /x' })).toBe(true);
  });
  it('ANDs the fields of a map and ORs a list of maps', () => {
    expect(matches({ A: '1', B: '2' }, { A: '1', B: '3' })).toBe(false);
    expect(matches([{ A: '1', B: '2' }, { C: '3' }], { C: '3' })).toBe(true);
  });
});

describe('regular expressions', () => {
  it('search unanchored and case-sensitively unless i', () => {
    expect(matches({ 'Cmd|re': 'b+c' }, { Cmd: 'abbcd' })).toBe(true);
    expect(matches({ 'Cmd|re': 'B+C' }, { Cmd: 'abbcd' })).toBe(false);
    expect(matches({ 'Cmd|re|i': 'B+C' }, { Cmd: 'abbcd' })).toBe(true);
  });
  it('accept Annex B escapes that u mode would refuse', () => {
    expect(matches({ 'Cmd|re': '\\-enc' }, { Cmd: 'x -enc' })).toBe(true);
  });
  it('refuse a regex JavaScript cannot compile, with a value error', () => {
    expect(() => one({ 'Cmd|re': '(?<n>a)(?<n>b)' })).toThrow(expect.objectContaining({ code: 'value' }));
  });
});

describe('numeric comparison', () => {
  it('compares numbers and numeric strings', () => {
    expect(matches({ 'Port|gt': 1000 }, { Port: 1001 })).toBe(true);
    expect(matches({ 'Port|gt': 1000 }, { Port: '1001' })).toBe(true);
    expect(matches({ 'Port|lte': 1000 }, { Port: '1000.0' })).toBe(true);
    expect(matches({ 'Port|gte': 1000 }, { Port: 999 })).toBe(false);
  });
  it('is false for values that are not decimal numbers', () => {
    expect(matches({ 'Port|lt': 10 }, { Port: '' })).toBe(false);
    expect(matches({ 'Port|gt': 1 }, { Port: '0x10' })).toBe(false);
    expect(matches({ 'Port|lt': 10 }, { Port: true })).toBe(false);
  });
});

describe('cidr', () => {
  it('matches IPv4 addresses inside the network only', () => {
    expect(matches({ 'Ip|cidr': '10.0.0.0/8' }, { Ip: '10.255.1.2' })).toBe(true);
    expect(matches({ 'Ip|cidr': '10.0.0.0/8' }, { Ip: '11.0.0.1' })).toBe(false);
    expect(matches({ 'Ip|cidr': '0.0.0.0/0' }, { Ip: '1.2.3.4' })).toBe(true);
    expect(matches({ 'Ip|cidr': '192.168.1.7/32' }, { Ip: '192.168.1.8' })).toBe(false);
  });
  it('matches IPv6 addresses by prefix', () => {
    expect(matches({ 'Ip|cidr': 'fe80::/10' }, { Ip: 'FE80::1%12' })).toBe(true);
    expect(matches({ 'Ip|cidr': 'fc00::/7' }, { Ip: 'fe00::1' })).toBe(false);
  });
  it('matches an IPv4-mapped IPv6 address against IPv4 networks', () => {
    expect(matches({ 'Ip|cidr': '10.0.0.0/8' }, { Ip: '::ffff:10.1.2.3' })).toBe(true);
    expect(matches({ 'Ip|cidr': '::ffff:0:0/96' }, { Ip: '10.1.2.3' })).toBe(false);
  });
  it('refuses an invalid network at compile time', () => {
    expect(() => one({ 'Ip|cidr': '10.0.0.0/33' })).toThrow(expect.objectContaining({ code: 'value' }));
  });
});

describe('fieldref', () => {
  it('compares with the other field of the event', () => {
    expect(matches({ 'ParentImage|fieldref': 'Image' }, { Image: 'A.exe', ParentImage: 'a.EXE' })).toBe(true);
    expect(matches({ 'ParentImage|fieldref|endswith': 'Image' }, { Image: 'a.exe', ParentImage: 'c:\\a.exe' })).toBe(true);
  });
  it('is false when the other field is absent', () => {
    expect(matches({ 'ParentImage|fieldref': 'Image' }, { ParentImage: 'a' })).toBe(false);
  });
});

describe('time parts', () => {
  it('extracts parts in UTC from ISO 8601 and Windows date-times', () => {
    expect(matches({ 'UtcTime|hour': 12 }, { UtcTime: '2024-03-01 12:34:56.789' })).toBe(true);
    expect(matches({ 'UtcTime|hour': 10 }, { UtcTime: '2024-03-01T12:34:56+02:00' })).toBe(true);
    expect(matches({ 'UtcTime|month': 3 }, { UtcTime: '2024-03-01T00:00:00Z' })).toBe(true);
  });
  it('uses the ISO week number', () => {
    expect(matches({ 'UtcTime|week': 53 }, { UtcTime: '2021-01-01T00:00:00Z' })).toBe(true);
    expect(matches({ 'UtcTime|week': 1 }, { UtcTime: '2024-12-30T00:00:00Z' })).toBe(true);
  });
  it('is false for text that is not a date-time', () => {
    expect(matches({ 'UtcTime|day': 1 }, { UtcTime: '2024-02-30T00:00:00Z' })).toBe(false);
    expect(matches({ 'UtcTime|day': 1 }, { UtcTime: 'yesterday' })).toBe(false);
  });
});

describe('conditions', () => {
  const searches = [search('sel_a', { A: '1' }), search('sel_b', { B: '1' }), search('filter', { C: '1' })];
  const ids = ['sel_a', 'sel_b', 'filter'];
  it('evaluates or and not', () => {
    const rule = compileRule(makeRule(searches, and(or(s('sel_a'), s('sel_b')), not(s('filter')))));
    expect(rule.matches({ B: '1' })).toBe(true);
    expect(rule.matches({ B: '1', C: '1' })).toBe(false);
  });
  it('evaluates 1 of and all of', () => {
    expect(compileRule(makeRule(searches, ofPattern('one', 'sel_*', ids))).matches({ A: '1' })).toBe(true);
    expect(compileRule(makeRule(searches, ofPattern('all', 'sel_*', ids))).matches({ A: '1' })).toBe(false);
    expect(compileRule(makeRule(searches, ofPattern('all', 'sel_*', ids))).matches({ A: '1', B: '1' })).toBe(true);
  });
  it('refuses a condition naming an unknown search', () => {
    expect(() => compileRule(makeRule(searches, s('nope')))).toThrow(expect.objectContaining({ code: 'condition' }));
  });
});

describe('the seed rule', () => {
  const rule = compileRule(seedRule());
  it('matches a connection from a suspicious folder to an unlisted host', () => {
    expect(rule.matches({ Initiated: 'true', Image: 'C:\\Users\\Public\\x.exe', DestinationHostname: 'evil.example' })).toBe(true);
  });
  it('matches when the destination host is missing', () => {
    expect(rule.matches({ Initiated: true, Image: 'C:\\Temp\\x.exe' })).toBe(true);
  });
  it('is filtered by a listed domain suffix, whatever its case', () => {
    expect(rule.matches({ Initiated: 'true', Image: 'C:\\Temp\\x.exe', DestinationHostname: 'RAW.GitHubUserContent.com' })).toBe(false);
  });
  it('does not match an uninitiated connection or a normal image', () => {
    expect(rule.matches({ Initiated: 'false', Image: 'C:\\Temp\\x.exe' })).toBe(false);
    expect(rule.matches({ Initiated: 'true', Image: 'C:\\Windows\\System32\\svchost.exe' })).toBe(false);
  });
});

describe('explain', () => {
  it('returns null when the rule does not match', () => {
    expect(compileRule(seedRule()).explain({ Initiated: 'false' })).toBeNull();
  });
  it('lists every matched search, negated ones included, with the values that made each item hold', () => {
    const rule = compileRule(makeRule([search('selection', { Initiated: 'true', 'Image|contains': [':\\Temp\\', '\\Music\\'] }), search('filter', { 'Host|endswith': '.com' })], or(s('selection'), not(s('filter')))));
    const explanation = rule.explain({ Initiated: true, Image: 'C:\\Users\\bob\\MUSIC\\a.exe', Host: 'x.com' });
    expect(explanation).toEqual({
      matchedSearches: ['selection', 'filter'],
      unmatchedSearches: [],
      reasons: [
        { identifier: 'selection', field: 'Initiated', modifiers: [], ruleValue: 'true', eventValue: 'true' },
        { identifier: 'selection', field: 'Image', modifiers: ['contains'], ruleValue: '\\Music\\', eventValue: 'C:\\Users\\bob\\MUSIC\\a.exe' },
        { identifier: 'filter', field: 'Host', modifiers: ['endswith'], ruleValue: '.com', eventValue: 'x.com' },
      ],
    });
  });
  it('lists the searches that were false, in declaration order: a match by negation alone explains itself', () => {
    const rule = compileRule(makeRule([search('selection', { cookie: 'x' }), search('other', { 'Image|endswith': '.exe' })], not(s('selection'))));
    const explanation = rule.explain({ Image: 'C:\\a.exe' });
    expect(explanation).toEqual({ matchedSearches: ['other'], unmatchedSearches: ['selection'], reasons: [expect.objectContaining({ identifier: 'other' })] });
    expect(rule.explain({ cookie: 'x' })).toBeNull();
  });
  it('lists a search false on the event even when another search made the rule match', () => {
    const rule = compileRule(makeRule([search('filter_a', { A: '1' }), search('selection', { B: '2' }), search('filter_b', { C: '3' })], and(s('selection'), not(s('filter_a')), not(s('filter_b')))));
    expect(rule.explain({ B: '2' })).toMatchObject({ matchedSearches: ['selection'], unmatchedSearches: ['filter_a', 'filter_b'] });
  });
  it('gives one reason per value for all, and the array element that matched', () => {
    const explanation = one({ 'Cmd|contains|all': ['a', 'b'] }).explain({ Cmd: ['zzz', 'ab'] });
    expect(explanation?.reasons.map((r) => [r.ruleValue, r.eventValue])).toEqual([
      ['a', 'ab'],
      ['b', 'ab'],
    ]);
  });
  it('omits the event value for a null test', () => {
    expect(one({ Parent: null }).explain({})?.reasons).toEqual([{ identifier: 'selection', field: 'Parent', modifiers: [], ruleValue: null }]);
  });
  it('names the keyword value found', () => {
    const explanation = compileRule(makeRule([search('keywords', ['mimi'])])).explain({ a: ['x', 'MIMIKATZ'] });
    expect(explanation?.reasons).toEqual([{ identifier: 'keywords', field: null, modifiers: [], ruleValue: 'mimi', eventValue: 'MIMIKATZ' }]);
  });
});
