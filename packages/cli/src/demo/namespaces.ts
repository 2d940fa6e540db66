import type { NamespaceSettings } from '@herald/core';

/**
 * What `serve --demo` opens up so every demo page works without pasting the API key: anonymous
 * clients may publish to the namespaces the pages write to, chat tracks presence, and the board keeps
 * enough history to rebuild itself. Demo only: never on a hub that serves real users.
 */
export const DEMO_NAMESPACES: Readonly<Record<string, Partial<NamespaceSettings>>> = {
  notifications: { anonymousPublish: true },
  scores: { anonymousPublish: true },
  chat: { anonymousPublish: true, presence: true },
  board: { anonymousPublish: true, history: { size: 2_000, maxAgeMs: 3_600_000 } },
};

/** The demo namespaces under the configured ones: a namespace the operator configured wins as a whole. */
export function withDemoNamespaces(
  configured: Readonly<Record<string, Partial<NamespaceSettings>>>,
): Record<string, Partial<NamespaceSettings>> {
  return { ...DEMO_NAMESPACES, ...configured };
}
