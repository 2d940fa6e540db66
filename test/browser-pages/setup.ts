import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NamespaceSettings } from '@herald/core';
import type { HeraldInit } from '@herald/server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { BUNDLE, CHROMIUM_FLAGS, ensureBundle } from '../browser/setup.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Screenshots land here: test-results/ (git-ignored; CI keeps them as artifacts), or HERALD_SHOTS_DIR
 * to keep them outside the checkout altogether.
 */
export const SHOTS = process.env.HERALD_SHOTS_DIR ?? join(root, 'test-results');

/** A browser window's size in CSS pixels, and whether it is a phone (touch, mobile viewport rules). */
export interface Screen {
  readonly width: number;
  readonly height: number;
  readonly mobile?: boolean;
}

/** The desktop window every page test uses unless it asks for another. */
export const DESKTOP: Screen = { width: 1280, height: 800 };
/** A phone held upright (an iPhone 12-15 sized screen). */
export const PHONE: Screen = { width: 390, height: 844, mobile: true };

/**
 * The namespace settings `herald serve --demo` applies (packages/cli/src/demo/namespaces.ts; the CLI
 * is imported by nothing, so they are repeated here): anonymous visitors may publish where a page
 * publishes, and chat rooms track presence.
 */
export const DEMO_NAMESPACES: Record<string, Partial<NamespaceSettings>> = {
  notifications: { anonymousPublish: true },
  scores: { anonymousPublish: true },
  chat: { anonymousPublish: true, presence: true },
  board: { anonymousPublish: true, history: { size: 2_000, maxAgeMs: 3_600_000 } },
};

/** A hub serving freshly built pages, a Chromium, and the console errors seen so far. */
export interface PagesHarness {
  readonly hub: TestServer;
  readonly browser: Browser;
  /** Console errors and uncaught exceptions of every page opened through {@link open}. */
  readonly errors: string[];
  /**
   * Opens `path` (of `base`, default the harness's hub) in a new context (own storage) and collects its
   * errors; `prepare` runs before the page loads (to see its first requests); `screen` defaults to
   * {@link DESKTOP}.
   */
  open(
    path: string,
    base?: string,
    prepare?: (page: Page) => void,
    screen?: Screen,
  ): Promise<{ context: BrowserContext; page: Page }>;
  /** Another hub serving the same pages with other options (closed with the harness). */
  otherHub(options: Partial<HeraldInit>): Promise<TestServer>;
  /** Publishes with the hub's API key over plain HTTP; resolves with the offset. */
  publish(channel: string, data: unknown): Promise<number>;
  /** Saves a screenshot as test-results/pages-<name>.png: the full page, or only what the screen shows. */
  shot(page: Page, name: string, fullPage?: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the site into a directory of this test file's own (parallel files never share a
 * half-written web/dist), starts a hub that serves it and the SDK, and launches Chromium.
 */
export async function startPages(options: Partial<HeraldInit> = {}): Promise<PagesHarness> {
  ensureBundle();
  mkdirSync(SHOTS, { recursive: true });
  const webDir = mkdtempSync(join(tmpdir(), 'herald-web-'));
  execFileSync(process.execPath, [join(root, 'scripts/build-web.mjs'), `--outdir=${webDir}`], { stdio: 'pipe' });
  const [browser, hub] = await Promise.all([
    chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS }),
    startTestServer({
      clientBundlePath: BUNDLE,
      webDir,
      namespaces: DEMO_NAMESPACES,
      streamHeartbeatMs: 1_000,
      shutdownTimeoutMs: 200,
      ...options,
    }),
  ]);
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  const others: TestServer[] = [];
  return {
    hub,
    browser,
    errors,
    async open(path, base = hub.url, prepare, screen = DESKTOP) {
      const context = await browser.newContext({
        viewport: { width: screen.width, height: screen.height },
        ...(screen.mobile === true ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`${path}: ${error.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${path}: ${m.text()}`);
      });
      prepare?.(page);
      await page.goto(`${base}${path}`);
      return { context, page };
    },
    async otherHub(init) {
      const other = await startTestServer({ clientBundlePath: BUNDLE, webDir, shutdownTimeoutMs: 200, ...init });
      others.push(other);
      return other;
    },
    async publish(channel, data) {
      const res = await fetch(`${hub.url}/v1/channels/${encodeURIComponent(channel)}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ data }),
      });
      if (!res.ok) throw new Error(`publish to ${channel}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { offset: number }).offset;
    },
    async shot(page, name, fullPage = true) {
      await page.screenshot({ path: join(SHOTS, `pages-${name}.png`), fullPage });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await Promise.all([hub, ...others].map((h) => h.close()));
      rmSync(webDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the page's header badge says its connection is open. */
export async function connected(page: Page): Promise<void> {
  await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
}
