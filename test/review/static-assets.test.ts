import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { SHIPPED_STATIC_DIRECTORY, staticFolder } from '../../src/review/static-assets.js';
import { projectRoot } from '../support/paths.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'sigma-hunt-static-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('where the review page\'s files are found', () => {
  test('from the source (vitest) and from the tsc output (dist/src/review/), the checkout\'s src/review/static', () => {
    const expected = path.join(projectRoot, 'src', 'review', 'static');
    expect(staticFolder()).toBe(expected);
    expect(staticFolder(pathToFileURL(path.join(projectRoot, 'dist', 'src', 'review', 'static-assets.js')).href)).toBe(expected);
  });

  test('from a bundle, the shipped copies beside it, even inside a folder named dist', () => {
    const functionsDir = path.join(scratch, 'app', 'dist', 'functions');
    mkdirSync(path.join(functionsDir, SHIPPED_STATIC_DIRECTORY), { recursive: true });
    writeFileSync(path.join(functionsDir, SHIPPED_STATIC_DIRECTORY, 'index.html'), '<!doctype html>');
    expect(staticFolder(pathToFileURL(path.join(functionsDir, 'app.js')).href)).toBe(path.join(functionsDir, SHIPPED_STATIC_DIRECTORY));
  });
});
