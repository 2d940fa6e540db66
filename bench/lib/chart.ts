// Charts of a suite run: fan-out (A: each peer's headline, the best step with p99 < 100 ms and
// >= 99 % delivered, per transport and N) and memory (C: KB per idle connection per peer and transport). vega-lite compiles the spec, vega renders
// it to SVG without a browser, resvg turns the SVG into a PNG (text needs a system font).
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Case } from '../suite/plan.ts';
import type { RunResult } from './results.ts';
import { headline, measured } from './select.ts';

const PEER_ORDER = ['herald', 'herald-lib', 'raw-ws-corked', 'raw-ws-per-frame', 'socketio', 'nchan', 'bun'];
const COLORS = ['#d62728', '#ff9896', '#7f7f7f', '#1f77b4', '#2ca02c', '#000000', '#ff7f0e'];

interface Row {
  group: string;
  peer: string;
  rep: number;
  value: number;
  transport?: string;
}

function fanoutRows(plan: readonly Case[], runs: readonly RunResult[]): Row[] {
  return plan
    .filter((c) => c.letter === 'A')
    .flatMap((c) =>
      measured(runs, c.id).map((r) => ({
        group: c.id.slice(2).toUpperCase(),
        peer: r.peer,
        rep: r.repetition,
        value: headline(r)?.deliveredPerSec ?? 0,
      })),
    );
}

function memoryRows(plan: readonly Case[], runs: readonly RunResult[]): Row[] {
  return plan
    .filter((c) => c.letter === 'C')
    .flatMap((c) =>
      measured(runs, c.id).flatMap((r) =>
        r.memory.transports.map((m) => ({
          group: c.id.slice(7),
          peer: r.peer,
          rep: r.repetition,
          value: m.kbPerConnection,
          transport: m.transport,
        })),
      ),
    );
}

/** Fixed colours per peer (Herald red, the floor grey), listing only the peers that ran. */
function color(rows: readonly Row[]) {
  const present = new Set(rows.map((r) => r.peer));
  const domain = PEER_ORDER.filter((p) => present.has(p));
  const range = domain.map((p) => COLORS[PEER_ORDER.indexOf(p)] ?? '#000000');
  return { field: 'peer', type: 'nominal', sort: domain, scale: { domain, range } } as const;
}

function fanoutSpec(rows: Row[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Fan-out: delivered messages/s at p99 < 100 ms (≥ 99 % delivered)',
      subtitle: 'hub on one core, 100 B messages; bar = mean, ticks = repetitions',
    },
    data: { values: rows },
    facet: { column: { field: 'group', type: 'nominal', title: null, sort: [...new Set(rows.map((r) => r.group))] } },
    spec: {
      width: 160,
      height: 260,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: 'peer', type: 'nominal', sort: PEER_ORDER, title: null, axis: { labelAngle: -30 } },
            y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: 'delivered/s' },
            color: color(rows),
          },
        },
        {
          mark: { type: 'tick', color: 'black', thickness: 1 },
          encoding: {
            x: { field: 'peer', type: 'nominal', sort: PEER_ORDER },
            y: { field: 'value', type: 'quantitative' },
          },
        },
      ],
    },
    config: { font: 'DejaVu Sans' },
  };
}

function memorySpec(rows: Row[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Memory per idle connection', subtitle: 'hub RSS growth per connection, KB (mean of repetitions)' },
    data: { values: rows },
    facet: { column: { field: 'group', type: 'nominal', title: 'connections per transport' } },
    spec: {
      width: 240,
      height: 260,
      mark: 'bar',
      encoding: {
        x: {
          field: 'transport',
          type: 'nominal',
          sort: ['ws', 'sse', 'ndjson', 'longpoll'],
          title: null,
          axis: { labelAngle: 0 },
        },
        xOffset: { field: 'peer', type: 'nominal', sort: PEER_ORDER },
        y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: 'KB per connection' },
        color: color(rows),
      },
    },
    config: { font: 'DejaVu Sans' },
  };
}

async function render(spec: TopLevelSpec, base: string): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(`${base}.svg`, svg);
  const png = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  writeFileSync(`${base}.png`, png);
  return `${base}.svg/.png`;
}

/** Writes <base>-fanout.{svg,png} and <base>-memory.{svg,png} for the cases that ran. */
export async function writeCharts(base: string, plan: readonly Case[], runs: readonly RunResult[]): Promise<void> {
  const written: string[] = [];
  const fanout = fanoutRows(plan, runs);
  if (fanout.length > 0) written.push(await render(fanoutSpec(fanout), `${base}-fanout`));
  const memory = memoryRows(plan, runs);
  if (memory.length > 0) written.push(await render(memorySpec(memory), `${base}-memory`));
  if (written.length > 0) console.log(`charts: ${written.join(', ')}`);
}
