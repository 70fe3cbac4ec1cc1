// How the matcher reads event values and addresses (src/match/values.ts, src/match/cidr.ts) at the edges the
// mutation runs of issue 15 found untested: field names Object.prototype also has, spaced keys that are not
// the field, explanation values JSON cannot or can only partly write, and IPv6 text that is not an address.
import { describe, expect, it } from 'vitest';
import { compileCidr } from '../../src/match/cidr.js';
import { compileRule } from '../../src/match/compile.js';
import { makeRule, search, type SearchBody } from './build.js';

const one = (body: SearchBody) => compileRule(makeRule([search('selection', body)]));

describe('field lookup', () => {
  it('finds a field named like an Object.prototype member through its spaced key', () => {
    expect(one({ toString: 'x' }).matches({ 'to String': 'X' })).toBe(true);
    expect(one({ toString: 'x' }).matches({ 'to String': 'y' })).toBe(false);
  });
  it('treats such a field holding null as absent', () => {
    expect(one({ toString: null }).matches({ toString: null })).toBe(true);
    expect(one({ 'toString|exists': true }).matches({ toString: null })).toBe(false);
  });
  it('does not take a spaced key whose letters differ from the field, or are only its beginning', () => {
    expect(one({ AB: 'v' }).matches({ 'X Y': 'v' })).toBe(false);
    expect(one({ AB: 'v' }).matches({ 'A Y': 'v' })).toBe(false);
    expect(one({ ABCD: 'v' }).matches({ ' A B ': 'v' })).toBe(false);
    expect(one({ ABCD: 'v' }).matches({ ' A B CD': 'v' })).toBe(true);
  });
});

describe('event values in explanations', () => {
  it('shows an array or an object as JSON', () => {
    expect(one({ 'Image|neq': 'a.exe' }).explain({ Image: ['b.exe', 'c.exe'] })?.reasons).toEqual([
      { identifier: 'selection', field: 'Image', modifiers: ['neq'], ruleValue: 'a.exe', eventValue: '["b.exe","c.exe"]' },
    ]);
    expect(one({ 'X|exists': true }).explain({ X: { a: 1 } })?.reasons).toEqual([
      { identifier: 'selection', field: 'X', modifiers: ['exists'], ruleValue: true, eventValue: '{"a":1}' },
    ]);
  });
  it('shows a value JSON cannot write by its string form', () => {
    expect(one({ 'X|exists': true }).explain({ X: 10n })?.reasons).toEqual([
      { identifier: 'selection', field: 'X', modifiers: ['exists'], ruleValue: true, eventValue: '10' },
    ]);
  });
});

describe('IPv6 text that is not an address', () => {
  const anyIPv6 = compileCidr(6, '::', 0)!;
  it('accepts an address with or without a zone index', () => {
    expect(anyIPv6('fe80::1')).toBe(true);
    expect(anyIPv6('fe80::1%eth0')).toBe(true);
    expect(anyIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(true);
  });
  it('refuses an empty zone index, two ::, too few or too many groups', () => {
    for (const text of ['fe80::1%', '1::2::3', '1:2:3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::']) expect(anyIPv6(text), text).toBe(false);
  });
  it('refuses an embedded IPv4 address anywhere but in the last 32 bits', () => {
    for (const text of ['1.2.3.4:1:2:3:4:5:6', '1.2.3.4::', '1.2.3.4::1']) expect(anyIPv6(text), text).toBe(false);
  });
  it('is no network with a prefix length outside 0 to 128', () => {
    expect(compileCidr(6, 'fe80::', -1)).toBeNull();
    expect(compileCidr(6, 'fe80::', 129)).toBeNull();
    expect(compileCidr(6, 'fe80::', 128)).not.toBeNull();
  });
});
