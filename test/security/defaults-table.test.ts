import { readFileSync } from 'node:fs';
import { CONFIG_DEFAULTS } from '@herald/cli';
import { MEMORY_ENGINE_DEFAULTS } from '@herald/core';
import { DEFAULTS } from '@herald/server';
import { describe, expect, it } from 'vitest';
import { MAX_CLAIM_PATTERN_CHARS, MAX_CLAIM_PATTERNS } from '../../packages/server/src/auth/claim-patterns.ts';

// SECURITY.md's defaults table must say what the code does: each row whose setting is a number or
// a word of the code is checked against it.
const doc = readFileSync(new URL('../../SECURITY.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## Defaults'), doc.indexOf('## Known limits'));
const rows = new Map(
  section
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .slice(2)
    .map((l) => l.split('|').map((c) => c.trim()))
    .map(([, setting = '', value = '']) => [setting.replace(/`/g, ''), value] as const),
);

/** A documented amount as a number: `1 MiB`, `64 KiB`, `10 s`, `2,000 msg/s (…)`, `none (0)`. */
function amount(text: string): number {
  if (/^none \(0\)/.test(text)) return 0;
  const m = /^([\d,]+)\s*(MiB|KiB|s|h)?/.exec(text);
  if (m === null) throw new Error(`not an amount: ${text}`);
  const n = Number((m[1] ?? '').replace(/,/g, ''));
  const unit = { MiB: 1024 * 1024, KiB: 1024, s: 1000, h: 3_600_000 }[m[2] ?? ''] ?? 1;
  return n * unit;
}

describe("SECURITY.md's defaults table", () => {
  it.each([
    ['maxBodyBytes', DEFAULTS.maxBodyBytes],
    ['maxFrameBytes', DEFAULTS.maxFrameBytes],
    ['maxBacklogBytes', DEFAULTS.maxBacklogBytes],
    ['headersTimeoutMs', DEFAULTS.headersTimeoutMs],
    ['requestTimeoutMs', DEFAULTS.requestTimeoutMs],
    ['maxConnectionsPerIp', DEFAULTS.maxConnectionsPerIp],
    ['maxLongPollsPerIp', DEFAULTS.maxLongPollsPerIp],
    ['maxPublishRatePerConnection', DEFAULTS.maxPublishRatePerConnection],
    ['maxPublishRatePerPrincipal', DEFAULTS.maxPublishRatePerPrincipal],
    ['maxPublishRatePerApiKey', DEFAULTS.maxPublishRatePerApiKey],
    ['maxWsOpsPerSecond', DEFAULTS.maxWsOpsPerSecond],
    ['maxSubscriptionsPerConnection', DEFAULTS.maxSubscriptionsPerConnection],
    ['maxHistoryBytes (memory engine)', MEMORY_ENGINE_DEFAULTS.maxHistoryBytes],
    ['maxChannelHistoryBytes (memory engine)', MEMORY_ENGINE_DEFAULTS.maxChannelHistoryBytes],
    ['maxChannels (memory and SQLite engines)', MEMORY_ENGINE_DEFAULTS.maxChannels],
    ['defaultNamespace.maxMessageBytes', CONFIG_DEFAULTS.defaultNamespace.maxMessageBytes],
    ['JWT clockToleranceSec', 5_000],
  ])('%s', (setting, value) => {
    const shown = rows.get(setting);
    expect(shown, `a row for ${setting}`).toBeDefined();
    expect(amount(shown as string)).toBe(value);
  });

  it('words and composite rows', () => {
    expect(rows.get('allowedOrigins')).toBe(`\`${DEFAULTS.allowedOrigins.join(',')}\``);
    expect(rows.get('dataSync (SQLite engine)')).toBe(`\`${CONFIG_DEFAULTS.dataSync}\``);
    expect(rows.get('trustedProxies')).toBe(DEFAULTS.trustedProxies.length === 0 ? 'none' : '?');
    const history = CONFIG_DEFAULTS.defaultNamespace;
    expect(rows.get('defaultNamespace.history')).toBe(
      `${history.historySize.toLocaleString('en')} messages, ${history.historyMaxAgeMs / 3_600_000} h`,
    );
    expect(rows.get('JWT channel patterns')).toBe(
      `${MAX_CLAIM_PATTERNS} per claim, ${MAX_CLAIM_PATTERN_CHARS.toLocaleString('en')} characters per token`,
    );
  });
});
