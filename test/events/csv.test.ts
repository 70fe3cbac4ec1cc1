import { describe, expect, it } from 'vitest';
import { readAll } from './helpers.js';

// What the Log Analytics portal's "Export to CSV" writes: BOM, CRLF, quotes only where needed, doubled
// quotes inside, dynamic columns as JSON text, datetime columns suffixed with the time zone.
const portalExport =
  '\ufeffTimeGenerated [UTC],Computer,CommandLine,AdditionalFields,Empty\r\n' +
  '"2025-11-03 09:14:07.503",WKS-1042-ü,"powershell -c ""Get-Item C:\\x""","{""Port"":443,""Tags"":[""a"",""b""]}",\r\n' +
  '"2025-11-03 09:15:00.000",WKS-1043,"line one\r\nline two, with a comma","[1,2]",\r\n' +
  '"2025-11-03 09:16:00.000",WKS-1044,cmd.exe,{not json},x\r\n';

describe('CSV reader (Log Analytics portal export)', () => {
  it('reads header names as fields, strips the BOM and the time-zone suffix', async () => {
    const { records, format } = await readAll(portalExport, 'export.csv');
    expect(format).toBe('csv');
    expect(Object.keys(records[0].event)).toEqual(['TimeGenerated', 'Computer', 'CommandLine', 'AdditionalFields', 'Empty']);
  });

  it('undoes RFC 4180 quoting: doubled quotes, commas and newlines inside quoted fields', async () => {
    const { records } = await readAll(portalExport, 'export.csv');
    expect(records[0].event.CommandLine).toBe('powershell -c "Get-Item C:\\x"');
    expect(records[1].event.CommandLine).toBe('line one\r\nline two, with a comma');
  });

  it('reads JSON objects and arrays in cells as values, other text as text, empty cells as empty strings', async () => {
    const { records } = await readAll(portalExport, 'export.csv');
    expect(records[0].event.AdditionalFields).toEqual({ Port: 443, Tags: ['a', 'b'] });
    expect(records[1].event.AdditionalFields).toEqual([1, 2]);
    expect(records[2].event.AdditionalFields).toBe('{not json}');
    expect(records[0].event.Empty).toBe('');
    expect(records[2].event.Empty).toBe('x');
  });

  it('numbers data rows from 0, a quoted newline not starting a new row', async () => {
    const { records } = await readAll(portalExport, 'export.csv');
    expect(records.map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('reports a row with the wrong number of fields, skips it and keeps numbering rows after it', async () => {
    const text = 'a,b\r\n1,2\r\n"multi\r\nline",2\r\n3\r\n4,5\r\n';
    const { records, errors, order } = await readAll(text, 'x.csv');
    expect(records.map((r) => [r.index, r.event.a])).toEqual([
      [0, '1'],
      [1, 'multi\r\nline'],
      [3, '4'],
    ]);
    expect(errors.map((e) => [e.code, e.index, e.physicalLine])).toEqual([['csv', 2, 5]]);
    expect(errors[0].message).toMatch(/^x\.csv:5: unreadable CSV row: .* \[row 2\]$/);
    expect(order.map((o) => o.index)).toEqual([0, 1, 2, 3]);
  });

  it('names the first physical line of a refused row, after quoted CRLFs and blank lines', async () => {
    const text = 'a,b\r\n"one\r\ntwo\r\nthree",1\r\n\r\n\r\nbad\r\n"x",2\r\n';
    const { records, errors } = await readAll(text, 'x.csv', { sizes: [5] });
    expect(records.map((r) => r.index)).toEqual([0, 2]);
    expect(errors.map((e) => [e.index, e.physicalLine])).toEqual([[1, 7]]);
  });

  it('reports an unclosed quote at the end of the input', async () => {
    const { records, errors } = await readAll('a,b\n1,2\n3,"open\n', 'x.csv');
    expect(records.map((r) => r.index)).toEqual([0]);
    expect(errors).toHaveLength(1);
    expect(errors[0].index).toBe(1);
  });

  it('reads the same rows whatever the chunk boundaries', async () => {
    for (const size of [1, 3, 17]) {
      const { records, errors } = await readAll(portalExport, 'export.csv', { sizes: [size] });
      expect(errors).toEqual([]);
      expect(records.map((r) => r.event.Computer)).toEqual(['WKS-1042-ü', 'WKS-1043', 'WKS-1044']);
    }
  });

  it('reads a header-only export as no records', async () => {
    expect(await readAll('\ufeffTimeGenerated [UTC],Computer\r\n', 'x.csv')).toMatchObject({ records: [], errors: [] });
  });
});
