import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { RedisKit } from '../../src/index.js';
import { createApp } from '../../src/server/create-app.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/** Debian's chromium; nothing here ever downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
/** Generous: the page updates once a second, the machine may be busy. */
const WAIT_MS = 30_000;

// Without chromium the test is skipped on a developer's machine, and fails under CI: CI must have run it.
const missing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;
const skip = missing !== false && process.env.CI !== 'true' ? missing : false;

describe('the dashboard in headless Chromium', { skip }, () => {
  let server: RedisServer;
  let redis: RedisKit;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    assert.equal(missing, false, String(missing));
    server = await startRedis();
    redis = kitFor(server, { breakerProbeIntervalMs: 200 });
    await redis.connect();
    ({ app } = await createApp({ redis, sessionSecret: 'a test secret of at least 32 characters' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await redis?.close({ deadlineMs: 2000 });
    await server?.stop();
  });

  it('loads with no console errors, the numbers move under load, the breaker turns open when Redis dies', async () => {
    const { port } = app.server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(`document.getElementById('connection')?.textContent === 'live'`, undefined, { timeout: WAIT_MS });
    await page.waitForFunction(`document.querySelector('#tile-breaker')?.getAttribute('data-state') === 'closed'`, undefined, {
      timeout: WAIT_MS,
    });
    assert.equal(await page.locator('#fallback-banner').isHidden(), true, 'no fallback banner while Redis answers');
    const totalBefore = await page.locator('[data-field="ops-total"]').textContent();

    // Some traffic through the routes, so the cache and rate-limit tiles have numbers too.
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 12; i++) {
      assert.equal((await fetch(`${base}/api/v1/products/${(i % 3) + 1}`)).status, 200);
      (await fetch(`${base}/api/v1/limited`)).body?.cancel();
    }
    // Load from the test, through the service's own client: until the page shows it.
    let loading = true;
    const load = (async () => {
      for (let round = 0; loading; round++) {
        await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? redis.set(`load:${i}`, String(round)) : redis.get(`load:${i}`))),
        );
      }
    })();
    try {
      await page.waitForFunction(`Number(document.querySelector('[data-field="ops"]')?.textContent) > 0`, undefined, {
        timeout: WAIT_MS,
      });
      // The probe button, while the numbers move.
      await page.click('#probe-run');
      await page.waitForFunction(`document.getElementById('probe-result')?.getAttribute('data-status') === '200'`, undefined, {
        timeout: WAIT_MS,
      });
      assert.match((await page.locator('#probe-result').textContent()) ?? '', /\d+ ops\/s · p50 [\d.]+ ms · p99 [\d.]+ ms/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
    } finally {
      loading = false;
      await load;
    }
    assert.notEqual(await page.locator('[data-field="ops-total"]').textContent(), totalBefore, 'the command count moved');
    assert.notEqual(await page.locator('[data-field="p99"]').textContent(), '–');

    await server.kill();
    // The lanes' reconnects fail (connection refused) until the breaker opens; the next snapshot shows it.
    await page.waitForFunction(`document.querySelector('#tile-breaker')?.getAttribute('data-state') === 'open'`, undefined, {
      timeout: WAIT_MS,
    });
    assert.equal(await page.locator('[data-field="breaker"]').textContent(), 'open');
    await page.waitForFunction(`!document.getElementById('fallback-banner')?.hidden`, undefined, { timeout: WAIT_MS });
    await page.screenshot({ path: `${ARTIFACTS}dashboard-breaker-open.png`, fullPage: true });
    assert.deepEqual(consoleErrors, [], 'no console errors');
  });
});
