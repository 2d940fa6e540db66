import { describe, expect, it } from 'vitest';
import { redact } from './redact.ts';

describe('redact', () => {
  it.each([
    ['/v1/ws?token=abc.def.ghi', '/v1/ws?token=[redacted]'],
    ['/v1/events?channel=a&token=s3cret&after=0', '/v1/events?channel=a&token=[redacted]&after=0'],
    ['/x?%74oken=s3cret', '/x?%74oken=[redacted]'],
    ['/x?TOKEN=s3cret#frag', '/x?TOKEN=[redacted]#frag'],
    ['/x?token=a&token=b', '/x?token=[redacted]&token=[redacted]'],
    ['/x?tokens=keep&atoken=keep', '/x?tokens=keep&atoken=keep'],
    ['/x?%zz=1&token=s', '/x?%zz=1&token=[redacted]'],
  ])('%s', (url, want) => {
    expect(redact(url)).toBe(want);
  });
  it('passes undefined through', () => {
    expect(redact(undefined)).toBeUndefined();
  });
});
