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
  const g = globalThis as { document?: EventHost & { visibilityState?: string }; addEventListener?: unknown };
  const doc = g.document;
  const win = typeof g.addEventListener === 'function' ? (globalThis as unknown as EventHost) : undefined;
  const onVisibility = (): void => handlers.visibility(doc?.visibilityState === 'hidden');
  const onOnline = (): void => handlers.online();
  doc?.addEventListener('visibilitychange', onVisibility);
  win?.addEventListener('online', onOnline);
  return () => {
    doc?.removeEventListener('visibilitychange', onVisibility);
    win?.removeEventListener('online', onOnline);
  };
}
