import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hooksSchema, toHookSettings } from './hooks-config.ts';
import { parseLayer, resolveServeConfig } from './resolve.ts';
import { namespaceSchema } from './schema.ts';

describe('namespace hooks in the config file', () => {
  it('turns true into <url>/<hook> and keeps URLs of their own', () => {
    const parsed = hooksSchema.parse({
      url: 'http://127.0.0.1:3000/herald/',
      connect: true,
      publish: 'https://app.example.com/chat',
      failure: 'allow',
      forwardHeaders: ['Cookie', 'X-Session'],
    });
    expect(toHookSettings(parsed)).toEqual({
      connect: 'http://127.0.0.1:3000/herald/connect',
      subscribe: undefined,
      publish: 'https://app.example.com/chat',
      timeoutMs: undefined,
      failure: 'allow',
      cacheMs: undefined,
      headers: undefined,
      forwardHeaders: ['cookie', 'x-session'],
    });
  });

  it('refuses true without url, other schemes, unknown keys and forwarding authorization', () => {
    expect(hooksSchema.safeParse({ subscribe: true }).success).toBe(false);
    expect(hooksSchema.safeParse({ subscribe: 'ftp://x/y' }).success).toBe(false);
    expect(hooksSchema.safeParse({ subscribe: 'http://x/y', timeout: 5 }).success).toBe(false);
    expect(hooksSchema.safeParse({ subscribe: 'http://x/y', forwardHeaders: ['Authorization'] }).success).toBe(false);
    expect(namespaceSchema.safeParse({ hooks: { subscribe: 'http://x/y', failure: 'deny' } }).success).toBe(true);
  });

  it('the example of docs/bridges.md "Backend hooks" resolves to what the server takes', () => {
    const doc = readFileSync(new URL('../../../../docs/bridges.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Backend hooks'));
    const example = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    const layer = parseLayer(JSON.parse(example ?? '{}'), (path) => path.join('.'));
    const { namespaces, defaultNamespace } = resolveServeConfig([layer]).server;
    expect(namespaces.private?.hooks).toMatchObject({
      connect: 'http://127.0.0.1:3000/herald/connect',
      subscribe: 'http://127.0.0.1:3000/herald/subscribe',
      failure: 'deny',
      cacheMs: 5000,
    });
    expect(namespaces.chat?.hooks?.publish).toBe('http://127.0.0.1:3000/herald/chat-message');
    expect(defaultNamespace.hooks).toBeUndefined();
  });
});
