import { type ApiKeys, keyLine } from './api-keys.ts';

/** What the start-up block says. */
export interface Banner {
  readonly url: string;
  /** The configured host (an all-interfaces host gets a hint with a URL to open). */
  readonly host: string;
  readonly apiKeys: ApiKeys;
  /** Where history lives, which names the engine (`describeHistory`). */
  readonly history: string;
  /** Worker processes, when the hub runs as a cluster. */
  readonly workers?: number;
  /** The "Bridges:" line (`bridgesLine`), when the config has bridges. */
  readonly bridges?: string | undefined;
  /** True when the demo pages and dashboard are served. */
  readonly pages: boolean;
  /** The "Demo:" and "Demo bridge:" lines, with `--demo`. */
  readonly demo?: string | undefined;
  /** The docs directory of this checkout (`findDocsDir`), if there is one. */
  readonly docs: string | undefined;
  /** The log level, for the line that says where the JSON logs go. */
  readonly logLevel: string;
}

/**
 * The start-up block `serve` prints once it listens, as one string of lines, each ending in a newline
 * (docs/config.md shows it). It goes to stderr, for people: stdout carries only the JSON log lines,
 * for machines, so the two never interleave in one stream. A cluster prints it once, from the primary.
 */
export function startupBlock(b: Banner): string {
  const lines = [
    `Herald listening on ${b.url}${allInterfacesHint(b.host, b.url)}`,
    `API key: ${keyLine(b.apiKeys)}`,
    `History: ${b.history}`,
  ];
  if (b.workers !== undefined) lines.push(`Workers: ${b.workers} (processes sharing port ${new URL(b.url).port})`);
  if (b.bridges !== undefined) lines.push(b.bridges.trimEnd());
  if (b.pages) lines.push(`Pages: ${b.url}/ (demos) and ${b.url}/dashboard (needs the API key)`);
  if (b.demo !== undefined) lines.push(...b.demo.trimEnd().split('\n'));
  lines.push(
    b.docs === undefined
      ? 'Docs: `herald serve --help` lists every setting'
      : `Docs: ${b.docs} (config.md: settings; http-api.md: the HTTP API)`,
  );
  const logs =
    b.logLevel === 'silent' ? 'off (--log-level silent)' : `JSON lines on stdout (--log-level ${b.logLevel})`;
  lines.push(`Logs: ${logs}`);
  return lines.map((line) => `${line}\n`).join('');
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
