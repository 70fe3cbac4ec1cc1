import { describe, expect, it } from 'vitest';
import { kustoLoadTimings, loadKustoLanguage } from '../../../src/kql/language-service.js';

describe('loadKustoLanguage', () => {
  it('returns the same loaded library on every call', () => {
    expect(loadKustoLanguage()).toBe(loadKustoLanguage());
  });

  it('records how long loading and the first analysis took', () => {
    loadKustoLanguage();
    const timings = kustoLoadTimings();
    expect(timings?.loadMs).toBeGreaterThanOrEqual(0);
    expect(timings?.firstAnalysisMs).toBeGreaterThanOrEqual(0);
  });

  it('names syntax kinds by their Kusto.Language names', () => {
    const language = loadKustoLanguage();
    const code = language.parse('T | where a == 1');
    const kinds: string[] = [];
    code.Syntax.WalkNodes((node) => kinds.push(language.kindName(node.Kind)));
    const expected = ['PipeExpression', 'FilterOperator', 'EqualExpression', 'NameReference'];
    expect(kinds).toEqual(expect.arrayContaining(expected));
  });
});
