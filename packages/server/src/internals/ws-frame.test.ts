import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { textFrame } from './ws-frame.ts';

/** ws's frame builder (exported by ws, not typed by @types/ws). */
const { Sender } = ws as unknown as {
  Sender: {
    frame(
      data: Buffer,
      options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
    ): Buffer[];
  };
};

const TEXT = { fin: true, opcode: 0x01, mask: false, readOnly: false, rsv1: false };

// The frame written to every subscriber's socket must be the very bytes ws's own framer gives.
describe('textFrame', () => {
  it('equals ws’s unmasked text frame at every length form (7-bit, 16-bit, 64-bit)', () => {
    for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      for (const unit of ['x', 'é', '€']) {
        const text = unit.repeat(Math.ceil(length / Buffer.byteLength(unit)));
        const expected = Buffer.concat(Sender.frame(Buffer.from(text), TEXT));
        expect(textFrame(text).equals(expected), `${length} × ${unit}`).toBe(true);
      }
    }
  });
});
