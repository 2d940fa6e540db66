import { type ApiKeys, keyLine } from './api-keys.ts';

/** What the start-up block says. */
export interface Banner {
  readonly url: string;
  /** The configured host (an all-interfaces host gets a hint with a URL to open). */
  readonly host: string;
  readonly apiKeys: ApiKeys;
  /** Where history lives (`describeHistory`). */
  readonly history: string;
  /** Worker processes, when the hub runs as a cluster. */
  readonly workers?: number;
  /** True when the demo pages and dashboard are served. */
  readonly pages: boolean;
}

/**
 * The plain lines `serve` prints once it listens (docs/config.md shows them), each ending in a newline.
 * A cluster prints them once, from the primary.
 */
export function bannerLines(b: Banner): string[] {
  const lines = [
    `Herald listening on ${b.url}${allInterfacesHint(b.host, b.url)}`,
    `API key: ${keyLine(b.apiKeys)}`,
    `History: ${b.history}`,
  ];
  if (b.workers !== undefined) lines.push(`Workers: ${b.workers} (processes sharing port ${new URL(b.url).port})`);
  if (b.pages) lines.push(`Pages: ${b.url}/ (demos) and ${b.url}/dashboard (needs the API key)`);
  return lines.map((line) => `${line}\n`);
}

/**
 * The warning `serve --demo` prints on standard error before anything else runs: demo mode opens
 * namespaces to anonymous publishing, which no hub serving real users may do.
 */
export const DEMO_WARNING =
  'WARNING: --demo is on: anyone may publish without credentials to the notifications, scores, chat and ' +
  'board namespaces, and simulated traffic is published. It is for trying Herald out, not for production.\n';

/** The "Demo:" line, once the in-process demo runs. */
export function demoLine(videoStored: boolean): string {
  const video = videoStored ? 'blob demo-video stored' : 'no demo video';
  return `Demo: simulated traffic on; ${video}; anonymous publish open on notifications, scores, chat, board\n`;
}

function allInterfacesHint(host: string, url: string): string {
  if (host !== '0.0.0.0' && host !== '::') return '';
  return ` (all interfaces; e.g. ${url.replace(/\/\/[^/]*:/, '//localhost:')})`;
}
