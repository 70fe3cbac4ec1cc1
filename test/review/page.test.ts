/// <reference lib="dom" />
// The review page in Debian's Chromium, driven by playwright-core (no browser download): list → filter → open
// → triage → two-tab conflict (412) → close as false positive → exception from the incident → the next hunt run
// suppresses the matching hits. Plus XSS payloads in event fields and an axe-core accessibility check.
// Screenshots go to .local/review-screenshots/ (git-ignored).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parseHuntConfig } from '../../src/hunt/config.js';
import { openHuntTables, type OpenedTables } from '../../src/local/local-store.js';
import { runLocal, type LocalRunResult } from '../../src/local/run-local.js';
import { reviewApi } from '../../src/review/api.js';
import { authenticator } from '../../src/review/auth.js';
import { startReviewServer, type RunningReviewServer } from '../../src/review/server.js';
import { projectRoot } from '../support/paths.js';
import { makeHit, storeHits } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(projectRoot, '.local', 'review-screenshots');
const WORKSPACE = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-soc/providers/Microsoft.OperationalInsights/workspaces/law-soc';
const XSS = {
  host: '<img src=x onerror="window.__xss=1">',
  image: 'C:\\"><script>window.__xss=2</script>\\evil.exe',
  destination: 'javascript:window.__xss=3//.example',
  account: '<svg onload=window.__xss=4>',
  field: '{{constructor.constructor("window.__xss=5")()}}',
};

const quiet = new PassThrough();
quiet.resume();
let localDir: string;
let first: LocalRunResult;
let opened: OpenedTables | undefined;
let server: RunningReviewServer | undefined;
let browser: Browser;
let xssKey: string;

async function serve(): Promise<void> {
  const config = parseHuntConfig({}, { environment: 'local' });
  opened = await openHuntTables(config, { localDir });
  const handle = reviewApi({ incidents: opened.tables.incidents, authenticate: authenticator({ mode: 'development' }), pageConfig: { auth: 'development', workspaceResourceId: WORKSPACE } });
  server = await startReviewServer(handle);
}

async function stopServing(): Promise<void> {
  await server?.close();
  await opened?.close();
  server = undefined;
  opened = undefined;
}

async function ready(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  localDir = await mkdtemp(path.join(os.tmpdir(), 'sigma-hunt-page-'));
  first = await runLocal({ localDir, env: {}, out: quiet });
  await serve();
  const hostile = makeHit({
    hitId: 'xss-1',
    ruleId: 'xss-rule',
    ruleTitle: '<b>bold</b> title <script>window.__xss=6</script>',
    host: XSS.host,
    account: XSS.account,
    processImage: XSS.image,
    destination: { fqdn: XSS.destination, port: 443 },
    eventTime: new Date(),
    event: { Image: XSS.image, DestinationHostname: XSS.destination, User: XSS.account, CommandLine: XSS.field },
    explanation: { matchedSearches: ['selection'], unmatchedSearches: [], reasons: [{ identifier: 'selection', field: 'Image', modifiers: ['endswith'], ruleValue: '<i>x</i>', eventValue: XSS.image }] },
  });
  [xssKey] = (await storeHits(opened!.tables.incidents, [hostile])).filter(Boolean);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stopServing();
});

describe.skipIf(!existsSync(CHROMIUM))('the review page in Chromium', () => {
  test('list → filter → open → triage → two-tab conflict → close as false positive → exception → the next hunt suppresses', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await ready(page, server!.url);
    const rows = page.locator('#incident-rows tr');
    expect(await rows.count()).toBe(first.incidents.length + 1);
    await page.screenshot({ path: path.join(SCREENSHOTS, '1-list.png'), fullPage: true });

    // An incident of the seed rule's hunt (the local run also hunts the Defender sample, in its own summary).
    const target = first.incidents.find((incident) => first.summary.rules.some((rule) => rule.ruleId === incident.ruleId))!;
    await page.selectOption('select[name=severity]', target.severity);
    await page.fill('input[name=host]', target.host);
    await page.click('#filters button[type=submit]');
    await page.waitForFunction((host) => [...document.querySelectorAll('#incident-rows tr')].every((row) => row.children[3]?.textContent === host), target.host);
    await page.locator(`#incident-rows tr[data-key="${target.incidentKey}"] a`).click();
    await page.waitForSelector('#triage-form');
    await expect(page.locator('.open-la').first().getAttribute('href')).resolves.toMatch(/^https:\/\/portal\.azure\.com\/#blade\/Microsoft_OperationsManagementSuite_Workspace\/Logs\.ReactView\/resourceId\//);
    await page.screenshot({ path: path.join(SCREENSHOTS, '2-detail.png'), fullPage: true });

    // Triage in the first tab.
    await page.selectOption('#triage-form select[name=status]', 'active');
    await page.fill('#triage-form input[name=owner]', 'lead@contoso.com');
    await page.fill('#triage-form textarea[name=comment]', 'taking this');
    await page.click('#triage-form button[type=submit]');
    await page.waitForSelector('.message.ok:not([hidden])');

    // Two tabs: the second opens the incident, the first changes it again, the second's save gets the 412.
    const second = await context.newPage();
    await ready(second, `${server!.url}#/incidents/${target.incidentKey}`);
    await second.waitForSelector('#triage-form');
    await page.fill('#triage-form input[name=owner]', 'other@contoso.com');
    await page.click('#triage-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#message-text')?.textContent === 'Triage saved.' && document.querySelector<HTMLInputElement>('#triage-form input[name=owner]')?.value === 'other@contoso.com');
    await second.selectOption('#triage-form select[name=status]', 'new');
    await second.click('#triage-form button[type=submit]');
    await second.waitForSelector('#message-reload:not([hidden])');
    expect(await second.textContent('#message-text')).toMatch(/someone else changed this incident.*owner other@contoso\.com.*Reload it/);
    await second.screenshot({ path: path.join(SCREENSHOTS, '3-conflict-412.png'), fullPage: true });
    await second.click('#message-reload');
    await second.waitForFunction(() => document.querySelector<HTMLInputElement>('#triage-form input[name=owner]')?.value === 'other@contoso.com');
    await second.close();

    // Close as false positive.
    await page.selectOption('#triage-form select[name=status]', 'closed');
    await page.selectOption('#triage-form select[name=classification]', 'FalsePositive');
    await page.selectOption('#triage-form select[name=classificationReason]', 'IncorrectAlertLogic');
    await page.click('#triage-form button[type=submit]');
    await page.waitForFunction(() => [...document.querySelectorAll('dd')].some((node) => node.textContent === 'FalsePositive (IncorrectAlertLogic)'));

    // An exception from the incident: preview, then create.
    await page.fill('#exception-form input[name=reason]', 'admin tooling, expected');
    await page.click('#exception-preview');
    await page.waitForFunction(() => /would have suppressed \d+ hits? in \d+ incidents?/.test(document.querySelector('#exception-result')?.textContent ?? ''));
    const previewText = (await page.textContent('#exception-result'))!;
    const previewHits = Number(/suppressed (\d+)/.exec(previewText)![1]);
    expect(previewHits).toBeGreaterThan(0);
    await page.click('#exception-form button[type=submit]');
    await page.waitForFunction(() => /created/.test(document.querySelector('#exception-result')?.textContent ?? ''));
    await page.screenshot({ path: path.join(SCREENSHOTS, '4-exception.png'), fullPage: true });
    await context.close();

    // The next hunt run (a new checkpoints table makes it read the sample window again, as new rows would).
    await stopServing();
    const next = await runLocal({ localDir, env: { HUNT_CHECKPOINTS_TABLE: 'SigmaHuntCheckpointsNext' }, out: quiet });
    await serve();
    expect(next.summary.totals.suppressedHits).toBe(previewHits);
    expect(next.summary.rules.find((rule) => rule.ruleId === target.ruleId)?.suppressedHits).toBe(previewHits);
  });

  test('XSS payloads in event fields render as text only, and the page sends a strict CSP', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const response = await page.goto(server!.url);
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'; style-src 'self'/);
    await page.waitForSelector('body[data-ready="true"]');
    await ready(page, `${server!.url}#/incidents/${xssKey}`);
    await page.waitForSelector('#triage-form');
    const text = (await page.textContent('#detail'))!;
    for (const payload of [XSS.host, XSS.image, XSS.destination, XSS.account]) expect(text).toContain(payload);
    expect(await page.textContent('#detail-title')).toContain('<script>window.__xss=6</script>');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#detail img, #detail svg, #detail script, #detail b, #detail i').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, '5-xss.png'), fullPage: true });
    await page.close();
  });

  test('the list and the detail pass axe-core without violations and work from the keyboard', async () => {
    const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const context = await browser.newContext();
    const page = await context.newPage();
    const audit = async () => {
      await page.evaluate(axeSource);
      return page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe.run();
        return result.violations.map((violation) => `${violation.id} (${violation.nodes.length})`);
      });
    };
    await ready(page, server!.url);
    expect(await audit()).toEqual([]);
    // Keyboard: tab to the first incident link and open it with Enter.
    const firstLink = page.locator('#incident-rows a').first();
    await firstLink.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#triage-form');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    expect(await audit()).toEqual([]);
    await context.close();
  });
});
