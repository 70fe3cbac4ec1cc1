import { describe, expect, it } from 'vitest';
import { serviceErrorFromBody } from '../../src/loganalytics/service-error.js';
import { summarizeServiceError } from '../../src/loganalytics/index.js';

// The error member of a live partial result (Azure/azure-sdk-for-java sdk/monitor/azure-monitor-query/src/test/
// resources/session-records/LogsQueryClientTest.testLogsQueryAllowPartialSuccess.json).
const RECORDED_PARTIAL_BODY =
  '{"tables":[],"error":{"code":"PartialError","message":"There were some errors when processing your query.",' +
  '"details":[{"code":"EngineError","message":"Something went wrong processing your query on the server.",' +
  '"innererror":{"code":"-2133196797","message":"Query result set has exceeded the internal data size limit 64000000 ' +
  '(E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)","severity":2,"severityName":"Error"}}]}}';

describe('summarizeServiceError', () => {
  it('finds the size limit in details[].innererror of the recorded partial result', () => {
    const summary = summarizeServiceError(serviceErrorFromBody(RECORDED_PARTIAL_BODY)!);
    expect(summary.truncatedBy).toBe('size');
    expect(summary.code).toBe('E_QUERY_RESULT_SET_TOO_LARGE');
    expect(summary.innerError).toMatchObject({ code: '-2133196797', severityName: 'Error' });
    expect(summary.reason).toContain('internal data size limit 64000000');
  });

  it('tells the record-count limit from the size limit', () => {
    const summary = summarizeServiceError({
      code: 'PartialError',
      message: 'x',
      details: [
        {
          code: 'EngineError',
          innererror: {
            code: '-2133196797',
            message: 'Query result set has exceeded the internal record count limit 500000 (E_QUERY_RESULT_SET_TOO_LARGE)',
          },
        },
      ],
    });
    expect(summary.truncatedBy).toBe('records');
  });

  it('recognises the HRESULT code alone as truncation of unknown kind', () => {
    const summary = summarizeServiceError({ code: 'PartialError', details: [{ code: 'EngineError', innererror: { code: '-2133196797' } }] });
    expect(summary.truncatedBy).toBe('unknown');
  });

  it('reports another partial failure by the Kusto code its message names', () => {
    const summary = summarizeServiceError({
      code: 'PartialError',
      message: 'There were some errors when processing your query.',
      details: [{ code: 'EngineError', innererror: { code: '-2133196799', message: 'Query execution was aborted (E_RUNAWAY_QUERY)' } }],
    });
    expect(summary.truncatedBy).toBeUndefined();
    expect(summary.code).toBe('E_RUNAWAY_QUERY');
  });

  it('joins the messages of a nested BadArgumentError chain, outermost first', () => {
    const summary = summarizeServiceError({
      code: 'BadArgumentError',
      message: 'The request had some invalid properties',
      innererror: {
        code: 'SyntaxError',
        message: 'A recognition error occurred in the query.',
        innererror: { code: 'SYN0002', message: "Query could not be parsed at 'x'" },
      },
    });
    expect(summary.reason).toBe(
      "The request had some invalid properties / A recognition error occurred in the query. / Query could not be parsed at 'x'",
    );
    expect(summary.code).toBe('SYN0002');
  });
});
