import { describe, expect, it } from 'vitest';
import { resolveCursor } from './resume.ts';

// A channel in epoch E with offsets 1..10 all in history: the resume rule of docs/protocol.md section 1.
const state = { epoch: 'E', first: 1, last: 10 };

describe('resolveCursor (contract section 1 resume rule)', () => {
  it('continues after a cursor within history, with no reset', () => {
    expect(resolveCursor({ epoch: 'E', offset: 7 }, state)).toEqual({ from: 8 });
    expect(resolveCursor({ epoch: 'E', offset: 10 }, state)).toEqual({ from: 11 });
    expect(resolveCursor({ epoch: 'E', offset: 0 }, state)).toEqual({ from: 1 });
  });

  it('starts at the oldest message for cursor 0, with no reset', () => {
    expect(resolveCursor('start', { epoch: 'E', first: 16, last: 25 })).toEqual({ from: 16 });
  });

  it('reports a cursor ahead of the channel as a reset from the next offset to be written', () => {
    expect(resolveCursor({ epoch: 'E', offset: 108 }, state)).toEqual({ from: 11, reset: { epoch: 'E', from: 11 } });
  });

  it('reports another epoch as a reset naming the current epoch', () => {
    expect(resolveCursor({ epoch: 'X', offset: 5 }, state)).toEqual({ from: 1, reset: { epoch: 'E', from: 1 } });
  });

  it('reports a trimmed position as a reset from the oldest message left', () => {
    const trimmed = { epoch: 'E', first: 16, last: 25 };
    expect(resolveCursor({ epoch: 'E', offset: 3 }, trimmed)).toEqual({ from: 16, reset: { epoch: 'E', from: 16 } });
    expect(resolveCursor({ epoch: 'E', offset: 15 }, trimmed)).toEqual({ from: 16 });
  });
});
