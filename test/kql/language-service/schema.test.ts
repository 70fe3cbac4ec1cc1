import { describe, expect, it } from 'vitest';
import { analyzeKql, kqlErrors } from '../../../src/kql/analysis.js';
import { KqlServiceError } from '../../../src/kql/language-service.js';
import { declareDatabase, type KqlDatabaseSchema, type KqlType } from '../../../src/kql/schema.js';
import { asimNetworkSessionColumns, asimNetworkSessionParameters } from './fixtures.js';

function refusal(database: KqlDatabaseSchema): KqlServiceError {
  try {
    declareDatabase(database);
  } catch (error) {
    if (error instanceof KqlServiceError) return error;
    throw error;
  }
  throw new Error('declareDatabase accepted the database');
}

const withFunction = (fn: KqlDatabaseSchema['functions'][number]): KqlDatabaseSchema => ({
  name: 'db',
  tables: [{ name: 'T', columns: [{ name: 'a', type: 'string' }] }],
  functions: [fn],
});

describe('declareDatabase', () => {
  it('makes a function result columns known with their types', () => {
    const database = declareDatabase(withFunction({
      name: '_Im_NetworkSession',
      parameters: asimNetworkSessionParameters,
      resultColumns: asimNetworkSessionColumns,
    }));
    const query =
      '_Im_NetworkSession(dstportnumber=443) | where DstPortNumber > 1024 and EventCount > 0 | project SrcIpAddr';
    expect(analyzeKql(query, database).diagnostics).toEqual([]);
    expect(kqlErrors(analyzeKql('_Im_NetworkSession | where SrcIpAddr > 5', database))).toHaveLength(1);
  });

  it('declares a function from a body over a declared table', () => {
    const database = declareDatabase(withFunction({
      name: 'OnlyA',
      parameters: [{ name: 'value', type: 'string' }],
      body: '{ T | where a == value }',
    }));
    expect(analyzeKql('OnlyA("x") | project a', database).diagnostics).toEqual([]);
    expect(kqlErrors(analyzeKql('OnlyA("x") | project b', database)).map((error) => error.code)).toEqual(['KS142']);
  });

  it('requires the arguments of parameters without a default', () => {
    const database = declareDatabase(withFunction({
      name: 'OnlyA',
      parameters: [{ name: 'value', type: 'string' }],
      body: 'T | where a == value',
    }));
    expect(kqlErrors(analyzeKql('OnlyA()', database)).length).toBeGreaterThan(0);
  });

  it('accepts column names that are KQL keywords or need quoting', () => {
    const database = declareDatabase(withFunction({
      name: 'F',
      parameters: [],
      resultColumns: [
        { name: 'Type', type: 'string' },
        { name: 'where', type: 'long' },
        { name: 'has "quotes" and \\', type: 'string' },
      ],
    }));
    const query = `F | where Type == "x" and ['where'] > 1 and ["has \\"quotes\\" and \\\\"] == "y"`;
    expect(analyzeKql(query, database).diagnostics).toEqual([]);
  });

  it('declares every supported column type', () => {
    const types: KqlType[] = ['string', 'long', 'int', 'real', 'bool', 'datetime', 'timespan', 'dynamic', 'guid'];
    const database = declareDatabase({
      name: 'db',
      tables: [{ name: 'T', columns: types.map((type) => ({ name: `c_${type}`, type })) }],
      functions: [],
    });
    const query = 'T | project r = pack_array(' + types.map((type) => `gettype(c_${type})`).join(', ') + ')';
    expect(analyzeKql(query, database).diagnostics).toEqual([]);
  });

  it('refuses a name declared twice', () => {
    const error = refusal({
      name: 'db',
      tables: [{ name: 'T', columns: [] }],
      functions: [{ name: 'T', parameters: [], body: '{ print 1 }' }],
    });
    expect(error).toMatchObject({ code: 'schema' });
    expect(error.reason).toContain("'T' is declared twice");
  });

  it('refuses a column declared twice', () => {
    const error = refusal({
      name: 'db',
      tables: [{ name: 'T', columns: [{ name: 'a', type: 'string' }, { name: 'a', type: 'long' }] }],
      functions: [],
    });
    expect(error.reason).toContain("column 'a' twice");
  });

  it('refuses an unknown type that bypassed the type checker', () => {
    const error = refusal({
      name: 'db',
      tables: [{ name: 'T', columns: [{ name: 'a', type: 'strnig' as KqlType }] }],
      functions: [],
    });
    expect(error.reason).toContain("unknown type 'strnig'");
  });

  it('refuses a parameter name that is not an identifier', () => {
    const error = refusal(withFunction({ name: 'F', parameters: [{ name: 'a b', type: 'string' }], body: '{ T }' }));
    expect(error.reason).toContain("parameter name 'a b' is not an identifier");
  });

  it('refuses a default value of the wrong type', () => {
    const error = refusal(withFunction({
      name: 'F',
      parameters: [{ name: 'port', type: 'int', default: '"443"' }],
      body: '{ T }',
    }));
    expect(error.reason).toMatch(/^db\.F: The expression must have the type int\./);
  });

  it('refuses a default value that does not parse', () => {
    const error = refusal(withFunction({
      name: 'F',
      parameters: [{ name: 'start', type: 'datetime', default: 'datetime(' }],
      body: '{ T }',
    }));
    expect(error.code).toBe('schema');
  });

  it('refuses a body that references an unknown column', () => {
    const error = refusal(withFunction({ name: 'F', parameters: [], body: '{ T | where b == 1 }' }));
    expect(error.reason).toContain("The name 'b' does not refer to any known column");
    expect(error.reason).toContain("at 'b'");
  });
});
