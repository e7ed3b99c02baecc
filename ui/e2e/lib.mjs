// Shared by every end-to-end flow: Debian's Chromium driven by playwright-core, console errors collected,
// screenshots under ui/e2e-results/.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const resultsDir = join(here, '..', 'e2e-results');

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export class CheckFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Launches Chromium, runs one flow, fails on any console error the flow did not announce. */
export async function runFlow(name, flow, { base, seed }) {
  mkdirSync(resultsDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.OSPREY_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const consoleErrors = [];
  const expectedStatuses = new Set();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const m = /status of (\d{3})/.exec(msg.text());
      if (m && expectedStatuses.has(Number(m[1]))) return;
      consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400 && !expectedStatuses.has(res.status())) consoleErrors.push(`HTTP ${res.status()} ${res.request().method()} ${res.url()}`);
    });
    const ctx = {
      base,
      seed,
      check,
      /** A flow that provokes an HTTP error on purpose says so; Chromium logs the failed fetch. */
      expectHttpError: (status) => expectedStatuses.add(status),
      /** Waits until the locator matches exactly n elements (lists re-render after their data arrives). */
      count: async (locator, n, what) => {
        for (let i = 0; ; i++) {
          const c = await locator.count();
          if (c === n) return;
          check(i < 100, `${what}: expected ${n}, found ${c}`);
          await page.waitForTimeout(100);
        }
      },
      shot: (label) => page.screenshot({ path: join(resultsDir, `${name}-${label}.png`), fullPage: true }),
      api: async (method, path, body) => {
        const res = await fetch(base + path, {
          method,
          headers: body ? { 'Content-Type': 'application/json' } : {},
          body: body ? JSON.stringify(body) : undefined,
        });
        const json = await res.json().catch(() => ({}));
        if (!res.ok) throw new CheckFailed(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
        return json;
      },
    };
    try {
      await flow(page, ctx);
    } catch (e) {
      await ctx.shot('failure').catch(() => undefined);
      throw e;
    }
    check(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
  } finally {
    await browser.close();
  }
}
