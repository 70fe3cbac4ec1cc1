// The refusals of compileRule's value tests, with their whole reason (issue 15: the messages survived mutation).
import { describe, expect, it } from 'vitest';
import type { ValuePattern } from '../../src/rule/model.js';
import { makeRule, refusalOf, search } from './build.js';

function refusalOfPattern(pattern: ValuePattern): { code: string; reason: string } {
  const rule = makeRule([search('selection', { F: 'x' })]);
  const selection = rule.detection.searches.get('selection')!;
  if (selection.kind === 'fields') selection.alternatives[0].items[0].values[0].patterns = [pattern];
  return refusalOf(rule);
}

describe('value tests the matcher refuses', () => {
  it('refuses a literal with a lone surrogate', () => {
    expect(refusalOfPattern({ kind: 'string', parts: [{ kind: 'literal', text: 'a\ud800' }], cased: false })).toEqual({ code: 'value', reason: 'value contains a lone UTF-16 surrogate' });
    expect(refusalOfPattern({ kind: 'string', parts: [{ kind: 'any' }, { kind: 'literal', text: '\udc00' }], cased: false })).toEqual({ code: 'value', reason: 'value contains a lone UTF-16 surrogate' });
  });
  it('refuses a comparison with a bound that is not finite', () => {
    expect(refusalOfPattern({ kind: 'compare', op: 'gte', value: Number.POSITIVE_INFINITY })).toEqual({ code: 'value', reason: 'gte needs a finite number, got Infinity' });
  });
  it('refuses an invalid network', () => {
    expect(refusalOfPattern({ kind: 'cidr', family: 4, network: '10.0.0.0', prefixLength: 33 })).toEqual({ code: 'value', reason: 'invalid IPv4 network 10.0.0.0/33' });
  });
  it('refuses a regular expression RE2 cannot run, naming why', () => {
    const refused = refusalOfPattern({ kind: 're', source: '(a)\\1', flags: { ignoreCase: false, multiline: false, dotAll: false } });
    expect(refused.code).toBe('value');
    expect(refused.reason).toMatch(/^regular expression not supported by the matcher: .+/);
  });
});
