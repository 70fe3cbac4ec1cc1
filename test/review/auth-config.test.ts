import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseReviewAuth } from '../../src/review/auth.js';
import { ReviewError } from '../../src/review/errors.js';
import { REVIEW_SETTING_NAMES, reviewHandler } from '../../src/review/setup.js';
import { projectRoot } from '../support/paths.js';

describe('review auth settings', () => {
  test('entra is the default and needs the tenant id and an audience', () => {
    expect(() => parseReviewAuth({})).toThrow(/REVIEW_TENANT_ID.*REVIEW_AUDIENCE/);
    expect(parseReviewAuth({ REVIEW_TENANT_ID: '11111111-2222-3333-4444-555555555555', REVIEW_AUDIENCE: 'api://x, 0000' })).toMatchObject({ mode: 'entra', audiences: ['api://x', '0000'] });
  });

  test('the development principal is refused in Azure', () => {
    expect(parseReviewAuth({ REVIEW_AUTH: 'development' })).toEqual({ mode: 'development' });
    expect(() => parseReviewAuth({ REVIEW_AUTH: 'development', WEBSITE_SITE_NAME: 'func-sigmahunt' })).toThrow(ReviewError);
  });

  test('an unconfigured Function App answers 500 to every request and serves no data', async () => {
    const logged: string[] = [];
    const handle = reviewHandler({ WEBSITE_SITE_NAME: 'func-sigmahunt' }, { log: (message) => logged.push(message) });
    const response = await handle({ method: 'GET', url: new URL('https://func/api/incidents'), headers: new Headers() });
    expect(response.status).toBe(500);
    expect(String(response.body)).not.toMatch(/REVIEW_TENANT_ID/);
    expect(logged.join('\n')).toMatch(/REVIEW_TENANT_ID/);
  });

  test('infra sets every review setting, REVIEW_AUTH always entra', async () => {
    const module = await readFile(path.join(projectRoot, 'infra', 'app', 'review-auth.bicep'), 'utf8');
    const main = await readFile(path.join(projectRoot, 'infra', 'main.bicep'), 'utf8');
    for (const name of REVIEW_SETTING_NAMES) {
      expect(module).toMatch(new RegExp(`^  ${name}: `, 'm'));
      expect(main).toMatch(new RegExp(`^  ${name}: reviewAuth\\.outputs\\.appSettings\\.${name}$`, 'm'));
    }
    expect(module).toMatch(/^  REVIEW_AUTH: 'entra'$/m);
    const roles = JSON.parse(await readFile(path.join(projectRoot, 'infra', 'review-app-roles.json'), 'utf8')) as { value: string }[];
    expect(roles.map((role) => role.value)).toEqual(['Incidents.Read', 'Incidents.Triage']);
  });
});
