import { DEFAULT_NAMESPACE } from '@herald/core';
import { describe, expect, it } from 'vitest';
import { natsLimits, redactNatsUrl } from './nats-engine.ts';

const FLOOR = { maxAgeMs: 86_400_000, maxMessagesPerChannel: 10_000 };

describe('NATS stream limits from the namespaces', () => {
  it('keeps the engine defaults for the default namespace', () => {
    expect(natsLimits(DEFAULT_NAMESPACE, {}, FLOOR)).toEqual(FLOOR);
  });

  it('covers the longest and the largest history of any namespace, an hour more for the epoch', () => {
    const named = {
      week: { history: { size: 50, maxAgeMs: 7 * 86_400_000 } },
      big: { history: { size: 250_000, maxAgeMs: 60_000 } },
      other: { anonymousPublish: true },
    };
    expect(natsLimits(DEFAULT_NAMESPACE, named, FLOOR)).toEqual({
      maxAgeMs: 7 * 86_400_000 + 3_600_000,
      maxMessagesPerChannel: 250_000,
    });
  });
});

describe('redactNatsUrl', () => {
  it('hides the password of every server in a list', () => {
    expect(redactNatsUrl('nats://u:secret@a:4222,tls://v:pw@b:4223')).toBe('nats://u:***@a:4222,tls://v:***@b:4223');
    expect(redactNatsUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});
