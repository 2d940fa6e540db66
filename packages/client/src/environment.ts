/** What the client wants to hear from a browser page. */
export interface EnvironmentHandlers {
  /** The page became hidden (`true`) or visible again (`false`). */
  visibility(hidden: boolean): void;
  /** The browser is back online. */
  online(): void;
}

interface EventHost {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Listens to `visibilitychange` and `online` where they exist (browsers); a no-op elsewhere.
 * Returns the function that removes the listeners (close() calls it, so nothing is left behind).
 */
export function watchEnvironment(handlers: EnvironmentHandlers): () => void {
  // Node has neither a document nor a global addEventListener.
  const g = globalThis as Partial<EventHost> & { document?: EventHost & { visibilityState?: string } };
  const doc = g.document;
  const onVisibility = (): void => handlers.visibility(doc?.visibilityState === 'hidden');
  const onOnline = (): void => handlers.online();
  doc?.addEventListener('visibilitychange', onVisibility);
  g.addEventListener?.('online', onOnline);
  return () => {
    doc?.removeEventListener('visibilitychange', onVisibility);
    g.removeEventListener?.('online', onOnline);
  };
}
