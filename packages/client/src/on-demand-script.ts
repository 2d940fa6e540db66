import { HeraldError } from './errors.ts';
import { type LoadOnDemand, ON_DEMAND_HOOK, type OnDemand, type OnDemandHook } from './on-demand.ts';

/** The address of the script that is running now (`/herald.js`), read while it first runs. */
const scriptUrl = (globalThis as { document?: { currentScript?: { src?: string } | null } }).document?.currentScript
  ?.src;

/**
 * Loads `herald-fallbacks.js` from beside `/herald.js` (or from the hub, when the script's address is
 * unknown) with a `<script>` element: a classic script, which needs no CORS, unlike `import()`. One
 * load serves every client of the page; a failed one is tried again on the next call. Where there
 * is no document (a worker), loading fails: such clients have their WebSocket only.
 */
export function scriptLoader(hub: string): LoadOnDemand {
  const g = globalThis as unknown as Record<symbol, OnDemandHook | undefined>;
  return () => {
    g[ON_DEMAND_HOOK] ??= { HeraldError };
    const hook = g[ON_DEMAND_HOOK];
    hook.loading ??= new Promise<OnDemand>((resolve, reject) => {
      const done = (): void => (hook.loaded ? resolve(hook.loaded) : fail());
      const fail = (): void => {
        hook.loading = undefined;
        reject(new HeraldError('network', 'could not load herald-fallbacks.js'));
      };
      try {
        const script = document.createElement('script');
        script.src = new URL('herald-fallbacks.js', scriptUrl ?? `${hub}/`).href;
        script.onload = done;
        script.onerror = fail;
        document.head.append(script);
      } catch {
        fail();
      }
    });
    return hook.loading;
  };
}
