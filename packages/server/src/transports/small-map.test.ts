import { describe, expect, it } from 'vitest';
import { SmallMap } from './small-map.ts';

describe('SmallMap', () => {
  it('holds one entry, then many, in the order keys were first set, like a Map', () => {
    const small = new SmallMap<string, number>();
    const map = new Map<string, number>();
    const both = (f: (m: SmallMap<string, number> | Map<string, number>) => unknown) => {
      const got = f(small);
      expect(got).toEqual(f(map));
      return got;
    };
    const view = (m: SmallMap<string, number> | Map<string, number>) => [
      m.size,
      [...m.keys()],
      [...m.values()],
      m.get('a'),
      m.has('b'),
    ];
    both(view);
    both((m) => m.set('a', 1) && undefined);
    both(view);
    both((m) => m.set('a', 2) && undefined);
    both(view);
    both((m) => m.delete('b'));
    both((m) => m.set('b', 3) && undefined);
    both(view);
    both((m) => m.delete('a'));
    both(view);
    both((m) => m.set('a', 4) && undefined);
    expect(both(view)).toEqual([2, ['b', 'a'], [3, 4], 4, true]);
    both((m) => m.clear());
    both(view);
    both((m) => m.delete('a'));
    both((m) => m.set('c', 5) && undefined);
    expect(both(view)).toEqual([1, ['c'], [5], undefined, false]);
  });
});
