import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_FLAGS } from '../browser/setup.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { putBlob } from './blob-helpers.ts';

const VIDEO = fileURLToPath(new URL('../../web/media/demo-video.webm', import.meta.url));

let s: TestServer;
let browser: Browser;

beforeAll(async () => {
  [s, browser] = await Promise.all([
    startTestServer({ shutdownTimeoutMs: 300 }),
    chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS }),
  ]);
  const stored = await putBlob(s, 'demo-video', readFileSync(VIDEO), { 'content-type': 'video/webm' });
  expect(stored.status).toBe(201);
}, 20_000);
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('the blob endpoint in Chromium', () => {
  it('plays the demo video in a <video> fed by Range requests (206)', async () => {
    const page = await browser.newPage();
    const answers: Array<{ status: number; range: string | undefined }> = [];
    page.on('response', (r) => {
      if (r.url().includes('/v1/blobs/demo-video')) {
        answers.push({ status: r.status(), range: r.request().headers().range });
      }
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(`<video id="v" src="${s.url}/v1/blobs/demo-video" muted playsinline preload="auto"></video>`);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).readyState >= 2, null, {
      timeout: 10_000,
    });
    // It decodes and plays, and can seek (another Range request) near the end.
    const played = await page.evaluate(async () => {
      const v = document.getElementById('v') as HTMLVideoElement;
      await v.play();
      await new Promise((r) => setTimeout(r, 300));
      const at = v.currentTime;
      v.currentTime = 9;
      await new Promise((r) => v.addEventListener('seeked', r, { once: true }));
      return { at, duration: v.duration, width: v.videoWidth, error: v.error?.code ?? null };
    });
    expect(played.error).toBeNull();
    expect(played.at).toBeGreaterThan(0);
    expect(played.duration).toBeCloseTo(10, 0);
    expect(played.width).toBe(640);
    expect(answers.some((a) => a.status === 206 && a.range !== undefined)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
