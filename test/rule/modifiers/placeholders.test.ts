import { describe, expect, it } from 'vitest';
import { item, patterns, refusal, str } from './helpers.js';

const placeholders = new Map<string, readonly string[]>([
  ['Workstations', ['ws1', 'lab-*']],
  ['domain', ['corp', 'dev']],
  ['empty', []],
]);

describe('expand', () => {
  it('each placeholder value becomes an alternative of the same value group', () => {
    expect(patterns('WorkstationName|expand', '%Workstations%', placeholders)).toEqual([str('ws1'), str('lab-*')]);
  });
  it('placeholder values are Sigma strings with wildcards', () => {
    expect(patterns('WorkstationName|expand', 'x%Workstations%', placeholders)[1]).toEqual(str('xlab-*'));
  });
  it('contains|expand wraps every alternative', () => {
    expect(patterns('CommandLine|contains|expand', '%domain%', placeholders)).toEqual([str('*corp*'), str('*dev*')]);
  });
  it('several placeholders give their Cartesian product, the first varying slowest', () => {
    expect(patterns('A|expand', '%domain%.%Workstations%', placeholders)).toEqual([str('corp.ws1'), str('corp.lab-*'), str('dev.ws1'), str('dev.lab-*')]);
  });
  it('refuses an unresolved placeholder with code placeholder (spec: must reject)', () => {
    expect(refusal(() => item('A|expand', '%Servers%', placeholders))).toMatchObject({
      code: 'placeholder',
      reason: "placeholder '%Servers%' has no values (supply it with the placeholder values)",
    });
  });
  it('refuses any placeholder when no values are supplied at all', () => {
    expect(refusal(() => item('A|expand', '%Workstations%')).code).toBe('placeholder');
  });
  it('refuses a placeholder with an empty value list', () => {
    expect(refusal(() => item('A|expand', '%empty%', placeholders)).code).toBe('placeholder');
  });
  it('a placeholder right after an escaped percent stays literal', () => {
    expect(patterns('A|expand', '%domain%\\%Workstations%', placeholders)).toEqual([str('corp%Workstations%'), str('dev%Workstations%')]);
  });
  it('without expand %name% is literal', () => {
    expect(patterns('A', '%Workstations%')).toEqual([str('%Workstations%')]);
  });
  it('an escaped percent is plain under expand (spec example \\%plain%name%)', () => {
    expect(patterns('A|expand', '\\%plain%domain%', placeholders)).toEqual([str('%plaincorp'), str('%plaindev')]);
  });
  it('without expand an escaped percent keeps its backslash (backslash escapes only * ? \\)', () => {
    expect(patterns('A', '\\%x')).toEqual([str('\\%x')]);
  });
  it('a value without placeholders passes through expand unchanged', () => {
    expect(patterns('A|expand', 'plain')).toEqual([str('plain')]);
  });
});
