import { describe, expect, it } from 'vitest';
import { item, patterns, refusal, str } from './helpers.js';

describe('plain values', () => {
  it('a plain string is a whole-value case-insensitive pattern', () => {
    expect(patterns('Image', 'C:\\Windows\\cmd.exe')).toEqual([str('C:\\Windows\\cmd.exe')]);
  });
  it('a number becomes the pattern of its string form', () => {
    expect(patterns('EventID', 4688)).toEqual([str('4688')]);
  });
  it('an integral float reads as the integer (pySigma SigmaNumber)', () => {
    expect(patterns('Version', 2.0)).toEqual([str('2')]);
  });
  it('a boolean becomes true/false', () => {
    expect(patterns('Initiated', true)).toEqual([str('true')]);
  });
  it('null means the field is null or absent', () => {
    expect(patterns('PasswordLastSet', null)).toEqual([{ kind: 'null' }]);
  });
  it("'' is the empty-string pattern", () => {
    expect(patterns('CommandLine', '')).toEqual([{ kind: 'string', parts: [], cased: false }]);
  });
  it('keeps the YAML value as written and the value location', () => {
    const parsed = item('EventID', [4688, '4689']);
    expect(parsed.values.map((group) => group.written)).toEqual([4688, '4689']);
    expect(parsed.values[1].location.path).toBe('detection.selection.EventID[1]');
  });
  it('a list is an OR of value groups by default', () => {
    const parsed = item('EventID', [1, 2]);
    expect(parsed).toMatchObject({ field: 'EventID', modifiers: [], combine: 'any', negated: false });
    expect(parsed.values).toHaveLength(2);
  });
  it('refuses a map as a value', () => {
    expect(refusal(() => item('Image', { a: 1 }))).toMatchObject({ code: 'schema' });
  });
});

describe('contains / startswith / endswith', () => {
  it('contains wraps the value in any-wildcards', () => {
    expect(patterns('CommandLine|contains', 'foobar')).toEqual([str('*foobar*')]);
  });
  it('contains does not double a written leading or trailing star', () => {
    expect(patterns('CommandLine|contains', '*foobar')).toEqual([str('*foobar*')]);
    expect(patterns('CommandLine|contains', 'foobar*')).toEqual([str('*foobar*')]);
  });
  it('startswith appends an any-wildcard', () => {
    expect(patterns('Image|startswith', 'C:\\Users\\')).toEqual([str('C:\\Users\\*')]);
  });
  it('endswith prepends an any-wildcard, keeping an escaped star literal', () => {
    expect(patterns('Image|endswith', '\\*.lnk')).toEqual([{ kind: 'string', parts: [{ kind: 'any' }, { kind: 'literal', text: '*.lnk' }], cased: false }]);
  });
  it('contains on the empty string is a single any-wildcard', () => {
    expect(patterns('CommandLine|contains', '')).toEqual([str('*')]);
  });
  it('contains on a number matches its string form', () => {
    expect(patterns('Port|contains', 44)).toEqual([str('*44*')]);
  });
  it('refuses contains on null', () => {
    expect(refusal(() => item('CommandLine|contains', null))).toMatchObject({ code: 'value', reason: "modifier 'contains' needs a string, not null" });
  });
});

describe('cased', () => {
  it('makes a contains pattern case-sensitive in either order', () => {
    expect(patterns('CommandLine|contains|cased', 'IEX')).toEqual([str('*IEX*', true)]);
    expect(patterns('CommandLine|cased|contains', 'IEX')).toEqual([str('*IEX*', true)]);
  });
});

describe('all, null in lists, keywords', () => {
  it('all combines the value groups with AND', () => {
    expect(item('CommandLine|contains|all', ['a', 'b'])).toMatchObject({ combine: 'all', modifiers: ['contains', 'all'] });
  });
  it('refuses all on a single value', () => {
    expect(refusal(() => item('CommandLine|contains|all', 'a'))).toMatchObject({ code: 'modifier', location: { path: 'detection.selection.CommandLine|contains|all', line: 7 } });
  });
  it('refuses all on a one-item list', () => {
    expect(refusal(() => item('CommandLine|all', ['a']))).toMatchObject({ code: 'modifier' });
  });
  it('refuses null inside a list, naming the list entry', () => {
    expect(refusal(() => item('FieldB', ['', null]))).toMatchObject({ code: 'value', location: { path: 'detection.selection.FieldB[1]', line: 9 } });
  });
  it('a keyword list has no field and ORs its values', () => {
    expect(item(null, ['event::clear', 'event::drop'])).toMatchObject({ field: null, combine: 'any', modifiers: [] });
  });
  it("the '|all' key makes a keyword AND", () => {
    expect(item('|all', ['OabVirtualDirectory', ' -ExternalUrl '])).toMatchObject({ field: null, combine: 'all', modifiers: ['all'] });
  });
  it('refuses a keyword null', () => {
    expect(refusal(() => item(null, null))).toMatchObject({ code: 'value' });
  });
  it('refuses an empty list', () => {
    expect(refusal(() => item('Image', []))).toMatchObject({ code: 'value' });
  });
});

describe('modifier chain', () => {
  it('names an unknown modifier exactly', () => {
    expect(refusal(() => item('Image|contanis', 'x'))).toMatchObject({ code: 'modifier', reason: "unknown modifier 'contanis'" });
  });
  it('modifier names are case-sensitive', () => {
    expect(refusal(() => item('Image|Contains', 'x')).reason).toBe("unknown modifier 'Contains'");
  });
  it('refuses an empty modifier name', () => {
    expect(refusal(() => item('Image|', 'x')).reason).toBe("unknown modifier ''");
  });
  it('refuses a repeated modifier', () => {
    expect(refusal(() => item('Image|contains|contains', 'x'))).toMatchObject({ code: 'modifier', reason: "modifier 'contains' appears twice" });
  });
  it('records aliases under their canonical names', () => {
    expect(item('CommandLine|re|ignorecase|multiline|dotall', 'a').modifiers).toEqual(['re', 'i', 'm', 's']);
    expect(item('CommandLine|wide|base64', 'a').modifiers).toEqual(['utf16le', 'base64']);
  });
  it('neq negates the item', () => {
    expect(item('User|neq', 'SYSTEM')).toMatchObject({ negated: true, modifiers: ['neq'] });
  });
  it('the error message names file, line and path', () => {
    expect(() => item('Image|contanis', 'x')).toThrow("rules/test.yml:7 detection.selection.Image|contanis: unknown modifier 'contanis'");
  });
});

describe('exists', () => {
  it('true and false test presence', () => {
    expect(patterns('PasswordLastSet|exists', true)).toEqual([{ kind: 'exists', expected: true }]);
    expect(patterns('PasswordLastSet|exists', false)).toEqual([{ kind: 'exists', expected: false }]);
  });
  it('refuses a non-boolean value', () => {
    expect(refusal(() => item('Field|exists', 'true'))).toMatchObject({ code: 'value', reason: "modifier 'exists' needs a boolean (true or false), not a string 'true'" });
  });
  it('refuses any other modifier with it', () => {
    expect(refusal(() => item('Field|exists|contains', true))).toMatchObject({ code: 'modifier', reason: "modifier 'exists' cannot be combined with other modifiers ('contains')" });
  });
  it('refuses it without a field', () => {
    expect(refusal(() => item('|exists', true))).toMatchObject({ code: 'modifier', reason: "modifier 'exists' needs a field" });
  });
});

describe('gt / gte / lt / lte', () => {
  it.each(['gt', 'gte', 'lt', 'lte'] as const)('%s compares with a number', (op) => {
    expect(patterns(`DestinationPort|${op}`, 1024)).toEqual([{ kind: 'compare', op, value: 1024 }]);
  });
  it('refuses a numeric string (pySigma: compare expects number)', () => {
    expect(refusal(() => item('DestinationPort|gt', '1024'))).toMatchObject({ code: 'value' });
  });
  it('refuses contains after a comparison', () => {
    expect(refusal(() => item('DestinationPort|gt|contains', 1))).toMatchObject({ code: 'modifier', reason: "modifier 'contains' cannot follow 'gt' (it needs a string, not a numeric comparison)" });
  });
});

describe('time parts', () => {
  it.each([
    ['minute', 59],
    ['hour', 0],
    ['day', 31],
    ['week', 53],
    ['month', 12],
    ['year', 2025],
  ] as const)('%s takes an integer', (part, value) => {
    expect(patterns(`UtcTime|${part}`, value)).toEqual([{ kind: 'timepart', part, value }]);
  });
  it('refuses a value outside the part range', () => {
    expect(refusal(() => item('UtcTime|hour', 24))).toMatchObject({ code: 'value', reason: "modifier 'hour' needs an integer between 0 and 23, not 24" });
  });
  it('refuses a fraction', () => {
    expect(refusal(() => item('UtcTime|month', 1.5))).toMatchObject({ code: 'value' });
  });
});

describe('fieldref', () => {
  it('references another field for exact comparison', () => {
    expect(patterns('TargetUserName|fieldref', 'SubjectUserName')).toEqual([{ kind: 'fieldref', field: 'SubjectUserName', position: 'exact', cased: false }]);
  });
  it.each([
    ['contains', 'contains'],
    ['startswith', 'startswith'],
    ['endswith', 'endswith'],
  ] as const)('fieldref|%s sets the position', (modifier, position) => {
    expect(patterns(`ParentImage|fieldref|${modifier}`, 'Image')).toEqual([{ kind: 'fieldref', field: 'Image', position, cased: false }]);
  });
  it('startswith and endswith together make contains', () => {
    expect(patterns('A|fieldref|startswith|endswith', 'B')).toEqual([{ kind: 'fieldref', field: 'B', position: 'contains', cased: false }]);
  });
  it('combines with cased before or after', () => {
    expect(patterns('A|fieldref|cased', 'B')).toEqual([{ kind: 'fieldref', field: 'B', position: 'exact', cased: true }]);
    expect(patterns('A|cased|fieldref', 'B')).toEqual([{ kind: 'fieldref', field: 'B', position: 'exact', cased: true }]);
  });
  it('refuses wildcards in the field name', () => {
    expect(refusal(() => item('A|fieldref', 'Imag*'))).toMatchObject({ code: 'value' });
  });
  it('refuses a keyword fieldref', () => {
    expect(refusal(() => item('|fieldref', 'B'))).toMatchObject({ code: 'modifier' });
  });
});
