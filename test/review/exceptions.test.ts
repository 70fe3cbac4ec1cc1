import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../src/local/azurite.js';
import { openHuntTables } from '../../src/local/local-store.js';
import { runLocal } from '../../src/local/run-local.js';
import { parseHuntConfig } from '../../src/hunt/config.js';
import { authenticator, DEVELOPMENT_PRINCIPAL } from '../../src/review/auth.js';
import { compileException, sigmaFilterOf, sigmaLiteral, type ExceptionDraft } from '../../src/review/exceptions.js';
import { freshTables, makeHit } from '../store/helpers.js';
import { caller, storeHits, tokenIssuer, type Call } from './helpers.js';

const RULE_ID = '5f1b6b4c-0000-4000-8000-000000000001';

function draft(fields: ExceptionDraft['fields']): ExceptionDraft {
  return { id: '00000000-0000-4000-8000-000000000001', ruleId: RULE_ID, fields, reason: 'test', author: 'a', authorId: 'a', createdAt: '2026-12-06T00:00:00.000Z', expires: '2027-01-01T00:00:00.000Z', logsource: {} };
}

describe('exceptions as Sigma filters', () => {
  test('event values with wildcards and backslashes match themselves only', async () => {
    const values = ['C:\\Windows\\System32\\cmd.exe', '\\\\server\\share\\tool.exe', 'trailing\\', 'star*and?question', 'esc\\*aped', '<img src=x onerror=alert(1)>', "it's \"quoted\": yes"];
    for (const value of values) {
      const { matcher, ruleIds } = await compileException(sigmaFilterOf(draft({ Image: value })), 'test');
      expect(ruleIds).toEqual([RULE_ID]);
      expect(matcher.explain({ Image: value }), value).not.toBeNull();
      expect(matcher.explain({ Image: value + 'x' }), value).toBeNull();
    }
    expect(sigmaLiteral('a*b')).toBe('a\\*b');
    const { matcher } = await compileException(sigmaFilterOf(draft({ Image: 'star*' })), 'test');
    expect(matcher.explain({ Image: 'starlight' })).toBeNull();
  });

  test('the document is a Sigma v2.1 filter naming the rule, with author, reason and expiry', () => {
    const document = parse(sigmaFilterOf(draft({ Image: 'x.exe', DestinationPort: 443 }))) as Record<string, any>;
    expect(document.filter).toEqual({ rules: [RULE_ID], selection: { Image: 'x.exe', DestinationPort: 443 }, condition: 'selection' });
    expect(document).toMatchObject({ author: 'a', description: 'test', expires: '2027-01-01T00:00:00.000Z', logsource: {} });
  });
});

describe('the exceptions API', () => {
  let azurite: RunningAzurite;
  let incidents: TableClient;
  let call: Call;
  let lead: string;
  let reader: string;

  beforeAll(async () => {
    azurite = await startAzurite({ silent: true });
    incidents = (await freshTables(azurite)).incidents;
    const issuer = await tokenIssuer();
    call = caller(incidents, issuer.authenticate, () => new Date('2026-12-06T02:00:00Z'));
    lead = await issuer.token({ preferred_username: 'lead@contoso.com', roles: ['Incidents.Triage'] });
    reader = await issuer.token({ preferred_username: 'reader@contoso.com', roles: ['Incidents.Read'] });
    await storeHits(incidents, [
      makeHit({ hitId: 'x-1', host: 'WS01' }),
      makeHit({ hitId: 'x-2', host: 'WS02' }),
      makeHit({ hitId: 'x-3', host: 'WS02', eventTime: new Date(Date.UTC(2024, 4, 1, 0, 5)) }),
      makeHit({ hitId: 'y-1', host: 'WS03', event: { Image: 'C:\\other.exe', DestinationHostname: 'raw.githubusercontent.com' } }),
    ]);
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  const body = {
    ruleId: RULE_ID,
    fields: { Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', DestinationHostname: 'raw.githubusercontent.com' },
    reason: 'admin bootstrap scripts',
    expiresInDays: 30,
  };

  test('preview counts what it would have suppressed among stored hits', async () => {
    const preview = await call('POST', '/api/exceptions?preview=true', { token: lead, body });
    expect(preview.status).toBe(200);
    expect(preview.json).toMatchObject({ hits: 3, incidents: 2, message: 'would have suppressed 3 hits in 2 incidents' });
  });

  test('a reader cannot create one (403); a lead creates, lists, exports and deletes it', async () => {
    expect((await call('POST', '/api/exceptions', { token: reader, body })).status).toBe(403);
    const created = await call('POST', '/api/exceptions', { token: lead, body });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ ruleId: RULE_ID, author: 'lead@contoso.com', active: true, expires: '2027-01-05T02:00:00.000Z' });
    const listed = await call('GET', '/api/exceptions', { token: reader });
    expect(listed.json.exceptions.map((exception: { id: string }) => exception.id)).toEqual([created.json.id]);
    const exported = await call('GET', `/api/exceptions/${created.json.id}`, { token: reader });
    expect(exported.headers['content-type']).toMatch(/yaml/);
    expect((parse(String(exported.body)) as { filter: { rules: string[] } }).filter.rules).toEqual([RULE_ID]);
    const all = await call('GET', '/api/exceptions?format=sigma', { token: reader });
    expect(String(all.body)).toContain(`id: ${created.json.id}`);
    expect((await call('DELETE', `/api/exceptions/${created.json.id}`, { token: reader })).status).toBe(403);
    expect((await call('DELETE', `/api/exceptions/${created.json.id}`, { token: lead })).status).toBe(204);
    expect((await call('GET', `/api/exceptions/${created.json.id}`, { token: reader })).status).toBe(404);
  });

  test('bad requests name what is wrong', async () => {
    const response = await call('POST', '/api/exceptions', { token: lead, body: { ruleId: RULE_ID, fields: {}, reason: '' } });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toMatch(/reason.*fields|fields.*reason|pick 1/);
  });
});

describe('the hunt applies active exceptions', () => {
  test('the next run suppresses the matching hits and counts them per rule in the summary', async () => {
    const localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-review-'));
    const quiet = new PassThrough();
    quiet.resume();
    const first = await runLocal({ localDir, env: {}, out: quiet });
    // An incident of the seed rule's hunt (the local run also hunts the Defender sample, in its own summary).
    const incident = first.incidents.find((candidate) => first.summary.rules.some((rule) => rule.ruleId === candidate.ruleId))!;
    const config = parseHuntConfig({}, { environment: 'local' });
    const opened = await openHuntTables(config, { localDir });
    let previewHits: number;
    try {
      const call = caller(opened.tables.incidents, authenticator({ mode: 'development' }));
      const detail = await call('GET', `/api/incidents/${incident.incidentKey}`);
      expect(detail.json.principal.name).toBe(DEVELOPMENT_PRINCIPAL.name);
      const sample = detail.json.hits[0].event as Record<string, unknown>;
      const request = { ruleId: incident.ruleId, incidentKey: incident.incidentKey, fields: { Image: sample.Image }, reason: 'expected', expiresInDays: 7 };
      previewHits = (await call('POST', '/api/exceptions?preview=true', { body: request })).json.hits;
      expect(previewHits).toBeGreaterThan(0);
      expect((await call('POST', '/api/exceptions', { body: request })).status).toBe(201);
    } finally {
      await opened.close();
    }
    // A new checkpoints table makes the next run read the sample window again, as new rows would arrive.
    const second = await runLocal({ localDir, env: { HUNT_CHECKPOINTS_TABLE: 'SigmaHuntCheckpointsAgain' }, out: quiet });
    expect(second.summary.totals.suppressedHits).toBe(previewHits);
    const rule = second.summary.rules.find((summary) => summary.ruleId === incident.ruleId)!;
    expect(rule.suppressedHits).toBe(previewHits);
  });
});
