import { byId } from './lib/dom.ts';
import { clock } from './lib/format.ts';
import { connectHub } from './lib/hub.ts';

/**
 * The landing page shows that the hub is alive: it listens to the demo simulator's channels and
 * prints the latest message, so a newcomer sees live traffic before clicking anything.
 */
const FEEDS = ['scores:live', 'news:live', 'chat:lobby', 'notifications:demo', 'ticker:HRLD'];

const herald = connectHub();
const live = byId('live');
let seen = 0;
for (const channel of FEEDS) {
  herald.subscribe(channel).on('message', (m) => {
    seen++;
    const json = JSON.stringify(m.data);
    const shown = json.length > 120 ? `${json.slice(0, 119)}…` : json;
    live.textContent = `Live: ${seen} message${seen === 1 ? '' : 's'} since you opened this page, the latest on ${m.channel} at ${clock(m.time)}: ${shown}`;
  });
}
