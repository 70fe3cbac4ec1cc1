// Every refusal of the modifier layer with its code, its location and its whole reason: a rule author reads the
// reason to fix the rule, so a reason that loses its words is a bug too. And the value shapes that are accepted
// at the edges of those refusals.
import { describe, expect, it } from 'vitest';
import { parseDetectionItem } from '../../../src/rule/modifiers.js';
import { at, item, patterns, refusal, str } from './helpers.js';

const VALUE = 'value';
const MODIFIER = 'modifier';
const SCHEMA = 'schema';

// key, value, code, reason; the location is the item's (detection.selection.<key>) unless a list entry is named.
const REFUSALS: Array<[string, unknown, string, string, string?]> = [
  ['F|exists', 5, VALUE, "modifier 'exists' needs a boolean (true or false), not a number 5"],
  ['F|gt', true, VALUE, "modifier 'gt' needs a number, not a boolean true"],
  ['F|gt', 'x', VALUE, "modifier 'gt' needs a number, not a string 'x'"],
  ['F|base64', 'a*', VALUE, "modifier 'base64' cannot encode a value with wildcards ('a*'); escape them as \\* or \\?"],
  ['F|re|contains', 'a', MODIFIER, "modifier 'contains' cannot follow 're' (a regular expression is already an unanchored search; write the pattern instead)"],
  ['F|re|startswith', 'a', MODIFIER, "modifier 'startswith' cannot follow 're' (a regular expression is already an unanchored search; write the pattern instead)"],
  ['F|cased', null, VALUE, "modifier 'cased' needs a string, not null"],
  ['F|i', 'x', VALUE, "modifier 'i' needs a regular expression (write 're' first), not a string 'x'"],
  ['F|base64offset', 'a', VALUE, "modifier 'base64offset' needs a longer value: 'a' leaves an empty encoded variant"],
  ['F|cidr', 5, VALUE, "modifier 'cidr' needs a string, not a number 5"],
  ['F|cidr', '10.0.0.0/33', VALUE, "modifier 'cidr': '10.0.0.0/33' has an invalid prefix length (0..32 for IPv4)"],
  ['|fieldref', 'x', MODIFIER, "modifier 'fieldref' needs a field"],
  ['F|fieldref', 5, VALUE, "modifier 'fieldref' needs a field name, not a number 5"],
  ['F|fieldref', 'a*', VALUE, "modifier 'fieldref' needs a field name without wildcards, not 'a*'"],
  ['F|fieldref', '', VALUE, "modifier 'fieldref' needs a field name, not an empty string"],
  ['F|hour', 'x', VALUE, "modifier 'hour' needs an integer, not a string 'x'"],
  ['F|hour', 1.5, VALUE, "modifier 'hour' needs an integer, not a number 1.5"],
  ['F|gt|hour', 5, MODIFIER, "modifier 'hour' cannot follow 'gt' (it needs an integer, not a numeric comparison)"],
  ['F|minute|hour', 5, MODIFIER, "modifier 'hour' cannot follow 'minute' (it needs an integer, not a date part)"],
  ['F|minute', -1, VALUE, "modifier 'minute' needs an integer between 0 and 59, not -1"],
  ['F|minute', 60, VALUE, "modifier 'minute' needs an integer between 0 and 59, not 60"],
  ['F|hour', -1, VALUE, "modifier 'hour' needs an integer between 0 and 23, not -1"],
  ['F|hour', 24, VALUE, "modifier 'hour' needs an integer between 0 and 23, not 24"],
  ['F|day', 0, VALUE, "modifier 'day' needs an integer between 1 and 31, not 0"],
  ['F|day', 32, VALUE, "modifier 'day' needs an integer between 1 and 31, not 32"],
  ['F|week', 0, VALUE, "modifier 'week' needs an integer between 1 and 53, not 0"],
  ['F|week', 54, VALUE, "modifier 'week' needs an integer between 1 and 53, not 54"],
  ['F|month', 0, VALUE, "modifier 'month' needs an integer between 1 and 12, not 0"],
  ['F|month', 13, VALUE, "modifier 'month' needs an integer between 1 and 12, not 13"],
  ['F', Infinity, VALUE, 'value Infinity is not a finite number'],
  ['F', Number.NaN, VALUE, 'value NaN is not a finite number'],
  ['F', { a: 1 }, SCHEMA, 'a value must be a string, number, boolean or null, not a map'],
  ['F', new Date(0), SCHEMA, 'a value must be a string, number, boolean or null, not a timestamp (quote it)'],
  ['F', () => 1, SCHEMA, 'a value must be a string, number, boolean or null, not function'],
  ['F', ['x', ['y']], SCHEMA, 'a value must be a string, number, boolean or null, not a list', 'detection.selection.F[1]'],
  ['F|all', 'x', MODIFIER, "modifier 'all' needs a list of two or more values; a single value is not allowed (spec: Generic Modifiers)"],
  ['F|all', ['x'], MODIFIER, "modifier 'all' needs a list of two or more values; a single value is not allowed (spec: Generic Modifiers)"],
  ['F', [], VALUE, 'the value list is empty'],
  ['F', ['a', null], VALUE, 'null is not allowed inside a list of values; use a separate selection (spec: Special Field Values)', 'detection.selection.F[1]'],
  ['F', ['a', undefined], VALUE, 'null is not allowed inside a list of values; use a separate selection (spec: Special Field Values)', 'detection.selection.F[1]'],
  ['|cidr', '10.0.0.0/8', VALUE, 'a CIDR network needs a field; a keyword cannot hold it'],
  ['|gt', 5, VALUE, 'a numeric comparison needs a field; a keyword cannot hold it'],
  ['|hour', 5, VALUE, 'a date part needs a field; a keyword cannot hold it'],
  ['F|re|gt', 'a', MODIFIER, "modifier 'gt' cannot follow 're' (it needs a number, not a regular expression)"],
  ['F|fieldref|gt', 'a', MODIFIER, "modifier 'gt' cannot follow 'fieldref' (it needs a number, not a field reference)"],
  ['F|contains|exists', true, MODIFIER, "modifier 'exists' cannot be combined with other modifiers ('contains')"],
  ['F|re|cidr', 'a', MODIFIER, "modifier 'cidr' applies only to an unmodified value; it follows 're'"],
];

describe('modifier refusals', () => {
  it.each(REFUSALS)('refuses %s: %o (%s)', (key, value, code, reason, path) => {
    const refused = refusal(() => item(key, value));
    expect(refused).toMatchObject({ code, reason });
    expect(refused.location.path).toBe(path ?? `detection.selection.${key}`);
  });
  it('refuses several values where one was expected', () => {
    const values = [{ value: 'a', location: at('detection.selection.F') }, { value: 'b', location: at('detection.selection.F') }];
    expect(refusal(() => parseDetectionItem('F', values, false, at('detection.selection.F')))).toMatchObject({ code: SCHEMA, reason: 'a single value was expected, got 2' });
  });
});

describe('values at the edges of those refusals', () => {
  it('reads a plain number, and minus zero, as its string form', () => {
    expect(patterns('F', 5)).toEqual([str('5')]);
    expect(patterns('F', -0)).toEqual([str('0')]);
    expect(patterns('F', 1.5)).toEqual([str('1.5')]);
  });
  it('reads a YAML integer too large for a double by its digits', () => {
    const parsed = item('F', 12345678901234567890n);
    expect(parsed.values[0].written).toBe('12345678901234567890');
    expect(parsed.values[0].patterns).toEqual([str('12345678901234567890')]);
    expect(item('F', 7n).values[0]).toMatchObject({ written: 7, patterns: [str('7')] });
    expect(patterns('F|gt', 12n)).toEqual([{ kind: 'compare', op: 'gt', value: 12 }]);
  });
  it('reads an absent value as null', () => {
    expect(item('F', undefined).values[0]).toMatchObject({ written: null, patterns: [{ kind: 'null' }] });
  });
  it('makes numbers and booleans strings for string modifiers, uncased unless cased says so', () => {
    expect(patterns('F|contains', true)).toEqual([str('*true*')]);
    expect(patterns('F|startswith', 5)).toEqual([str('5*')]);
    expect(patterns('F|cased', 5)).toEqual([str('5', true)]);
    expect(patterns('F|cased', false)).toEqual([str('false', true)]);
  });
  it('wraps an empty value in a single wildcard', () => {
    expect(patterns('F|startswith', '')).toEqual([str('*')]);
    expect(patterns('F|endswith', '')).toEqual([str('*')]);
    expect(patterns('F|contains', '')).toEqual([str('*')]);
  });
  it('sets each regex flag by its own modifier', () => {
    expect(patterns('F|re|i', 'x')).toEqual([{ kind: 're', source: 'x', flags: { ignoreCase: true, multiline: false, dotAll: false } }]);
    expect(patterns('F|re|m', 'x')).toEqual([{ kind: 're', source: 'x', flags: { ignoreCase: false, multiline: true, dotAll: false } }]);
    expect(patterns('F|re|s', 'x')).toEqual([{ kind: 're', source: 'x', flags: { ignoreCase: false, multiline: false, dotAll: true } }]);
  });
  it('keeps cased through base64 and base64offset, and leaves numbers uncased', () => {
    expect(patterns('F|cased|base64', 'abc')).toEqual([str('YWJj', true)]);
    expect(patterns('F|base64', 'abc')).toEqual([str('YWJj')]);
    expect(patterns('F|base64', 5)).toEqual([str('NQ==')]);
    expect(patterns('F|cased|base64offset', 'abc').every((p) => p.kind === 'string' && p.cased)).toBe(true);
    expect(patterns('F|base64offset', 'abc').every((p) => p.kind === 'string' && p.cased === false)).toBe(true);
    expect(patterns('F|base64offset', 123).every((p) => p.kind === 'string' && p.cased === false)).toBe(true);
  });
  it('lets all and neq stand before a modifier that needs an unmodified value', () => {
    expect(patterns('F|neq|re', 'a')).toEqual([{ kind: 're', source: 'a', flags: { ignoreCase: false, multiline: false, dotAll: false } }]);
    expect(item('F|all|cidr', ['10.0.0.0/8', '192.168.0.0/16']).values.map((group) => group.patterns[0].kind)).toEqual(['cidr', 'cidr']);
    expect(item('F|neq|cidr', '10.0.0.0/8')).toMatchObject({ negated: true, values: [{ patterns: [{ kind: 'cidr' }] }] });
  });
  it('accepts every time part at both ends of its range', () => {
    for (const [part, low, high] of [['minute', 0, 59], ['hour', 0, 23], ['day', 1, 31], ['week', 1, 53], ['month', 1, 12], ['year', 1, 9999]] as const) {
      expect(patterns(`F|${part}`, low)).toEqual([{ kind: 'timepart', part, value: low }]);
      expect(patterns(`F|${part}`, high)).toEqual([{ kind: 'timepart', part, value: high }]);
    }
  });
});
