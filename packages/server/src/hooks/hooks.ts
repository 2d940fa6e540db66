import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HeraldError, type HookSettings, type NamespaceSettings, type PublishInput } from '@herald/core';
import { isEventName } from '@herald/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../auth/authenticator.ts';
import { compileClaim } from '../auth/claim-patterns.ts';
import { ExpiringCache } from './cache.ts';
import { HookFailure, postHook } from './client.ts';
import { type ClientInfo, clientInfo, forwardedClient } from './client-info.ts';
import { type Grant, HookGuest } from './hook-principal.ts';
import { allowOnFailure, type ResolvedHooks, resolveHooks } from './policy.ts';
import { connectAnswer, publishAnswer, subscribeAnswer } from './schemas.ts';

/** Most cached connect and subscribe answers (each cache); the oldest go first. */
const MAX_CACHED = 10_000;

/**
 * Backend hooks (docs/bridges.md, "Backend hooks"): HTTP calls to the application configured per
 * namespace. Connect turns a client without credentials into a user with rights; subscribe allows or
 * denies a channel; publish allows, transforms or refuses a client's message before it is stored.
 * API keys are the backend's own credentials and skip subscribe and publish hooks. A hook is sent the
 * asking client's own details only, never the hub's or another client's credentials.
 */
export class Hooks {
  /** True when some namespace has hooks: the transports then take their asynchronous path. */
  readonly active: boolean;
  private readonly connects: boolean;
  private readonly forward: ReadonlySet<string>;
  private readonly resolved = new WeakMap<HookSettings, ResolvedHooks>();
  private readonly grants = new ExpiringCache<Grant | null>(MAX_CACHED);
  private readonly decisions = new ExpiringCache<boolean>(MAX_CACHED);
  private readonly sockets = new WeakMap<object, ClientInfo>();

  constructor(
    namespaces: readonly NamespaceSettings[],
    private readonly address: (req: IncomingMessage) => string,
    private readonly logger: Logger,
  ) {
    const all = namespaces.flatMap((n) => (n.hooks === undefined ? [] : [this.settings(n.hooks)]));
    this.active = all.length > 0;
    this.connects = all.some((h) => h.connect !== undefined);
    this.forward = new Set(all.flatMap((h) => h.forwardHeaders));
  }

  /** The client's details from its request (kept for a WebSocket with {@link remember}). */
  clientOf(req: IncomingMessage): ClientInfo {
    return clientInfo(req, this.address(req), this.forward);
  }

  /** Keeps a WebSocket's details for the hooks its later ops call. */
  remember(socket: object, client: ClientInfo): void {
    this.sockets.set(socket, client);
  }

  /** The details {@link remember} kept for `socket`. */
  clientOfSocket(socket: object): ClientInfo {
    return this.sockets.get(socket) ?? { ip: 'unknown', origin: undefined, userAgent: undefined, headers: {} };
  }

  /** A client without credentials becomes a {@link HookGuest} when some namespace has a connect hook. */
  guest(principal: Principal, client: ClientInfo): Principal {
    if (!this.connects || principal.kind !== 'anonymous' || principal instanceof HookGuest) return principal;
    return new HookGuest(client);
  }

  /** Asks the namespace's connect hook about a guest, unless it already has an answer. */
  async connect(principal: Principal, settings: NamespaceSettings): Promise<void> {
    if (!(principal instanceof HookGuest) || settings.hooks?.connect === undefined) return;
    const hooks = this.settings(settings.hooks);
    const url = hooks.connect as string;
    if (!principal.needsConnect(url, Date.now())) return;
    const client = forwardedClient(principal.client, hooks.forwardHeaders);
    const key = `${url}\n${digest(client)}`;
    let grant = this.grants.get(key);
    if (grant === undefined) {
      grant = await this.askConnect(url, hooks, client);
      const ttl =
        grant?.expiresAt === undefined ? hooks.cacheMs : Math.min(hooks.cacheMs, grant.expiresAt - Date.now());
      this.grants.set(key, grant, ttl);
    }
    principal.setGrant(url, grant);
  }

  /** Runs the namespace's subscribe hook (after the principal's own check passed); 403 on a deny. */
  async checkSubscribe(
    principal: Principal,
    client: ClientInfo,
    channel: string,
    settings: NamespaceSettings,
  ): Promise<void> {
    if (settings.hooks?.subscribe === undefined || principal.kind === 'key') return;
    const hooks = this.settings(settings.hooks);
    const url = hooks.subscribe as string;
    const body = { channel, user: principal.subject ?? null, client: forwardedClient(client, hooks.forwardHeaders) };
    const key = `${url}\n${principal.id ?? ''}\n${digest(body)}`;
    let allow = this.decisions.get(key);
    if (allow === undefined) {
      allow = await this.call(hooks, 'subscribe', async () => {
        const answer = await postHook(url, body, hooks);
        if (answer.refused) return false;
        return parse(subscribeAnswer, answer.body, url).allow;
      });
      this.decisions.set(key, allow, hooks.cacheMs);
    }
    if (!allow) throw new HeraldError('forbidden', `the application does not allow ${channel}`);
  }

  /**
   * Runs the namespace's publish hook on each message (after the principal's own check passed): what
   * it returns is what is stored and delivered. 403 on a deny. API keys are not checked.
   */
  async checkPublish(
    principal: Principal,
    client: ClientInfo,
    channel: string,
    inputs: readonly PublishInput[],
    settings: NamespaceSettings,
  ): Promise<PublishInput[]> {
    if (settings.hooks?.publish === undefined || principal.kind === 'key') return [...inputs];
    const hooks = this.settings(settings.hooks);
    const out: PublishInput[] = [];
    for (const input of inputs) out.push(await this.publishOne(hooks, principal, client, channel, input));
    return out;
  }

  private async publishOne(
    hooks: ResolvedHooks,
    principal: Principal,
    client: ClientInfo,
    channel: string,
    input: PublishInput,
  ): Promise<PublishInput> {
    const url = hooks.publish as string;
    const body = {
      channel,
      event: input.event ?? null,
      data: input.data,
      user: principal.subject ?? null,
      client: forwardedClient(client, hooks.forwardHeaders),
    };
    let result: PublishInput | undefined = input;
    const allowed = await this.call(hooks, 'publish', async () => {
      const answer = await postHook(url, body, hooks);
      if (answer.refused) return false;
      const parsed = parse(publishAnswer, answer.body, url);
      if (!parsed.allow) return false;
      if (parsed.event !== undefined && !isEventName(parsed.event)) {
        throw new HookFailure(`hook ${url} answered an invalid event name`);
      }
      const data = parsed.data === undefined ? input.data : parsed.data;
      result = { event: parsed.event ?? input.event, data };
      return true;
    });
    if (!allowed) throw new HeraldError('forbidden', `the application refused this message to ${channel}`);
    return result;
  }

  private async askConnect(url: string, hooks: ResolvedHooks, client: object): Promise<Grant | null> {
    let grant: Grant | null = null;
    const allowed = await this.call(hooks, 'connect', async () => {
      const answer = await postHook(url, { client }, hooks);
      if (answer.refused) return false;
      const parsed = parse(connectAnswer, answer.body, url);
      if (parsed.allow === false) return false;
      try {
        const budget = { chars: 0 };
        grant = {
          user: parsed.user,
          channels: compileClaim(parsed.channels ?? [], budget),
          publish: compileClaim(parsed.publish ?? [], budget),
          expiresAt: parsed.expiresAt,
        };
      } catch {
        throw new HookFailure(`hook ${url} answered invalid channel patterns`);
      }
      return true;
    });
    // A failure let through by `failure: "allow"` grants nothing more than an anonymous client has.
    return allowed ? grant : null;
  }

  /** Runs one hook call; a failure (not a refusal) goes to the namespace's failure policy. */
  private async call(hooks: ResolvedHooks, hook: string, run: () => Promise<boolean>): Promise<boolean> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof HookFailure)) throw error;
      return allowOnFailure(hooks, hook, error, this.logger);
    }
  }

  private settings(s: HookSettings): ResolvedHooks {
    let r = this.resolved.get(s);
    if (r === undefined) {
      r = resolveHooks(s);
      this.resolved.set(s, r);
    }
    return r;
  }
}

/** Validates a hook's answer; a wrong shape is a failure, so the failure policy decides. */
function parse<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  body: unknown,
  url: string,
): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new HookFailure(`hook ${url} answered an unexpected shape`);
  return r.data;
}

/** A cache key part: a digest, so cached keys hold no cookie text. */
function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}
