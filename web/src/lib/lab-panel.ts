import type { HeraldClient, Message, TransportName } from '@herald/client';
import { el } from './dom.ts';
import { bytes } from './format.ts';
import { sdk } from './hub.ts';
import { Meter, meteredFetch, meteredWebSocket } from './meter.ts';
import { describe, sentAt } from './scores-feed.ts';

/** One transport of the lab. */
export interface PanelSpec {
  readonly transport: TransportName;
  readonly title: string;
  /** Short name for the comparison bars. */
  readonly short: string;
  readonly how: string;
  readonly color: string;
}

const FIELDS = [
  ['requests', 'requests made'],
  ['bytes', 'bytes received'],
  ['empty', 'empty responses'],
  ['messages', 'messages'],
  ['delay', 'delay, avg / last'],
  ['perMessage', 'bytes per message'],
] as const;

type Field = (typeof FIELDS)[number][0];

/**
 * One client restricted to one transport, with its own metered fetch and WebSocket, and the card
 * that shows what it costs. Changing the poll interval replaces the client (the SDK takes it at
 * connect time); the meter keeps counting across the switch.
 */
export class LabPanel {
  readonly meter = new Meter();
  readonly element: HTMLElement;
  readonly #values = new Map<Field, HTMLElement>();
  readonly #items = el('ol', 'items');
  #client: HeraldClient | undefined;
  #open = false;

  constructor(
    readonly spec: PanelSpec,
    private readonly channels: readonly string[],
    private readonly changed: () => void,
  ) {
    this.element = el('section', 'card panel');
    this.element.dataset.transport = spec.transport;
    this.element.style.setProperty('--c', spec.color);
    const list = el('dl');
    for (const [key, label] of FIELDS) {
      const dd = el('dd', undefined, '0');
      dd.dataset.k = key;
      this.#values.set(key, dd);
      list.append(el('dt', undefined, label), dd);
    }
    this.element.append(el('h2', undefined, spec.title), el('p', 'how', spec.how), list, this.#items);
  }

  get open(): boolean {
    return this.#open;
  }

  /** (Re)connects with the given poll interval, ms (used by the polling transport only). */
  connect(pollMs: number): void {
    void this.#client?.close();
    this.#open = false;
    const client = sdk().connect(location.origin, {
      transports: [this.spec.transport],
      fetch: meteredFetch(this.meter),
      WebSocket: meteredWebSocket(this.meter),
      pollInterval: { min: pollMs, max: pollMs },
      storage: null, // each panel must use its own transport, not the one another panel remembered
      reportFallbacks: false,
    });
    client.on('state', (s) => {
      if (client !== this.#client) return;
      this.#open = s.state === 'open';
      this.changed();
    });
    for (const channel of this.channels) client.subscribe(channel).on('message', (m) => this.#deliver(m));
    this.#client = client;
  }

  #deliver(m: Message): void {
    this.meter.delivered(sentAt(m.data, m.time));
    const item = el('li', undefined, describe(m.data));
    this.#items.prepend(item);
    while (this.#items.children.length > 8) this.#items.lastElementChild?.remove();
  }

  /** Writes the meter into the card (called a few times a second, not per message). */
  render(): void {
    const m = this.meter;
    this.#set('requests', String(m.requests));
    this.#set('bytes', bytes(m.bytes));
    this.#set('empty', String(m.empty));
    this.#set('messages', String(m.messages));
    this.#set('delay', m.messages === 0 ? '–' : `${Math.round(m.delayAvg)} / ${Math.round(m.delayLast)} ms`);
    this.#set('perMessage', m.messages === 0 ? '–' : bytes(m.bytes / m.messages));
  }

  #set(field: Field, text: string): void {
    const dd = this.#values.get(field);
    if (dd !== undefined && dd.textContent !== text) dd.textContent = text;
  }
}
