import { createHash } from 'node:crypto';
import type { ChannelState, Message, PullResult } from '@herald/core';
import {
  type Cursor,
  formatCursor,
  formatMultiCursor,
  type Position,
  type PullBody,
  type WireReset,
} from '@herald/protocol';
import type { Target } from './target.ts';
import type { TransportContext } from './transport.ts';

/** What assembling a pull page reads: the hub only. */
export type PageContext = Pick<TransportContext, 'hub'>;

/** The answer to a pull over one or many channels, before it is written. */
export interface PullAnswer {
  /** JSON body, or undefined for 204 (nothing new). */
  readonly body: string | undefined;
  /** The ETag (pulls without a cursor). */
  readonly etag: string | undefined;
  /** True when the page is full and so can never change (cacheable). */
  readonly immutable: boolean;
  /** Messages in the body. */
  readonly messages: number;
  /** The body's length in bytes when already known (a page text kept from an earlier answer). */
  readonly bytes: number | undefined;
}

/**
 * Pulls one page for a target. Single channel: after the cursor, or the latest `limit` messages.
 * Many channels: channels in request order share the `limit`.
 */
export async function pullPage(ctx: PageContext, target: Target, limit: number): Promise<PullAnswer> {
  if (!target.multi) {
    const channel = target.channels[0] as string;
    const cursor = target.cursors[0];
    return singleAnswer(ctx, channel, cursor, limit, await ctx.hub.pull(channel, cursor, limit));
  }
  // One batch for every channel: two engine round trips, however many channels.
  const requests = target.channels.map((channel, i) => ({ channel, cursor: target.cursors[i] }));
  const pages = await ctx.hub.pullMany(requests, limit);
  const messages: string[] = [];
  const resets: string[] = [];
  const cursors: Position[] = [];
  /** Each channel's state as read for this page: the ETag of a pull without cursors. */
  const states: Array<Pick<ChannelState, 'epoch' | 'last'>> = [];
  let more = false;
  for (let i = 0; i < pages.length; i++) {
    const page = pages[i] as PullResult;
    const channel = target.channels[i] as string;
    const cursor = target.cursors[i];
    states.push(page.state);
    for (const m of page.messages) messages.push(m.toJson());
    if (page.reset !== undefined) resets.push(JSON.stringify({ channel, ...page.reset } satisfies WireReset));
    cursors.push({ epoch: page.state.epoch, offset: page.last });
    more ||= page.more && cursor !== undefined;
  }
  const anyCursor = target.cursors.some((c) => c !== undefined);
  if (anyCursor && messages.length === 0 && resets.length === 0) {
    return { body: undefined, etag: undefined, immutable: false, messages: 0, bytes: undefined };
  }
  // Protocol's `MultiPullBody`, written as text (messages are stored as JSON).
  const body = `{"cursor":${JSON.stringify(formatMultiCursor(cursors))},"messages":[${messages.join(',')}]${
    more ? ',"more":true' : ''
  }${resets.length > 0 ? `,"resets":[${resets.join(',')}]` : ''}}`;
  return {
    body,
    etag: anyCursor ? undefined : etagOf(states),
    immutable: false,
    messages: messages.length,
    bytes: undefined,
  };
}

/**
 * {@link pullPage} without a promise, for one channel on an engine that holds it in the process (a
 * plain poll's 200 page); undefined when the hub cannot read it at once.
 */
export function pullPageNow(ctx: PageContext, target: Target, limit: number): PullAnswer | undefined {
  if (target.multi) return undefined;
  const channel = target.channels[0] as string;
  const cursor = target.cursors[0];
  const page = ctx.hub.pullNow(channel, cursor, limit);
  return page === undefined ? undefined : singleAnswer(ctx, channel, cursor, limit, page);
}

/** The answer to a one-channel pull, from its page. */
function singleAnswer(
  ctx: PageContext,
  channel: string,
  cursor: Cursor | undefined,
  limit: number,
  page: PullResult,
): PullAnswer {
  const etag = cursor === undefined ? etagOfOne(page.state) : undefined;
  if (page.messages.length === 0 && page.reset === undefined) {
    return { body: undefined, etag, immutable: false, messages: 0, bytes: undefined };
  }
  const text = pageText(ctx, channel, page);
  return {
    body: text.body,
    etag,
    immutable: typeof cursor === 'object' && page.messages.length === limit && page.reset === undefined,
    messages: page.messages.length,
    bytes: text.bytes,
  };
}

/** A one-channel page's body, with what it was built from. */
interface PageText {
  readonly channel: string;
  readonly epoch: string;
  readonly from: number;
  readonly last: number;
  readonly more: boolean;
  readonly body: string;
  readonly bytes: number | undefined;
}

/**
 * The last page text each hub built (one per hub, so nothing grows): clients polling a channel between
 * two publishes ask for the same page, and get the same text without it being built and measured
 * again. A page without a reset is its messages from `from` to `last` of one epoch, and a message never
 * changes once written at its offset, so those numbers name the text.
 */
const lastPage = new WeakMap<object, PageText>();

/** The body of a one-channel page and its length in bytes: the hub's last page text when it is this page. */
function pageText(ctx: PageContext, channel: string, page: PullResult): Pick<PageText, 'body' | 'bytes'> {
  const first = page.messages[0];
  if (first === undefined || page.reset !== undefined) return { body: singleBody(channel, page), bytes: undefined };
  const kept = lastPage.get(ctx.hub);
  const { epoch } = page.state;
  if (
    kept !== undefined &&
    kept.from === first.offset &&
    kept.last === page.last &&
    kept.more === page.more &&
    kept.epoch === epoch &&
    kept.channel === channel
  ) {
    return kept;
  }
  const body = singleBody(channel, page);
  const text = {
    channel,
    epoch,
    from: first.offset,
    last: page.last,
    more: page.more,
    body,
    bytes: Buffer.byteLength(body),
  };
  lastPage.set(ctx.hub, text);
  return text;
}

/**
 * The ETag of a pull without cursors: `"<epoch>:<last>"` for one channel (contract section 3); for
 * several, a digest of every channel's `<epoch>:<last>` in request order (a tag names one version of
 * the answer, so any publish to any of them changes it; a digest keeps it short for many channels).
 */
export function etagOf(states: ReadonlyArray<Pick<ChannelState, 'epoch' | 'last'>>): string {
  if (states.length === 1) return etagOfOne(states[0] as ChannelState);
  const versions = states.map((s) => `${s.epoch}:${s.last}`).join(',');
  return `"m.${createHash('sha256').update(versions).digest('base64url').slice(0, 27)}"`;
}

/** {@link etagOf} one channel: `"<epoch>:<last>"`. */
export function etagOfOne(state: Pick<ChannelState, 'epoch' | 'last'>): string {
  return `"${state.epoch}:${state.last}"`;
}

/**
 * The body of a one-channel pull: protocol's `PullBody`, written as text (messages are stored as JSON).
 * The channel (a validated name: `[A-Za-z0-9_.:@-]`), the epoch (`[A-Za-z0-9_-]`, contract section 1;
 * every engine draws it from newEpoch) and the cursor made of them need no escaping, so they are quoted
 * as they are: what JSON.stringify would give, at a fraction of its cost on the plain poll's 200.
 */
function singleBody(channel: string, page: PullResult): string {
  const parts: string[] = [];
  for (const m of page.messages as Message[]) parts.push(m.toJsonWithoutChannel());
  const reset = page.reset === undefined ? '' : `,"reset":${JSON.stringify(page.reset satisfies PullBody['reset'])}`;
  const more = page.more ? ',"more":true' : '';
  const { epoch } = page.state;
  return `{"channel":"${channel}","epoch":"${epoch}","cursor":"${formatCursor({ epoch, offset: page.last })}","messages":[${parts.join(',')}]${more}${reset}}`;
}
