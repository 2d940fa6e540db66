import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authHeaders, errorBody, hubUrl } from '../http.ts';

/** The committed test video (see web/media/README.md), relative to the repository root. */
const VIDEO = join('web', 'media', 'demo-video.webm');

/** The blob name the media demo plays. */
export const DEMO_VIDEO_BLOB = 'demo-video';

/**
 * The demo video of this checkout, if any. Looked for upwards from this module, which runs from
 * packages/cli/dist (bundled) or packages/cli/src/demo (tests): both reach the repository root.
 */
export function findDemoVideo(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, VIDEO);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/**
 * Stores the demo video as blob `demo-video` with a `PUT /v1/blobs/demo-video`, the way any publisher
 * would (a few hundred KB, read at once). Resolves with the path stored, or undefined when this
 * checkout has no video.
 */
export async function uploadDemoVideo(
  url: string,
  apiKey: string,
  path = findDemoVideo(),
): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const body = await readFile(path);
  const res = await fetch(hubUrl(url, `/v1/blobs/${DEMO_VIDEO_BLOB}`), {
    method: 'PUT',
    headers: { 'content-type': 'video/webm', ...authHeaders(apiKey) },
    body: new Uint8Array(body),
  });
  if (!res.ok) throw new Error(`storing the demo video failed: ${await errorBody(res)}`);
  return path;
}
