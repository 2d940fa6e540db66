import { describe, expect, it } from 'vitest';
import { KeyPattern, Template, unknownVariables } from './template.ts';

describe('KeyPattern', () => {
  it('captures one segment with {name} and several with {name+}', () => {
    expect(new KeyPattern('orders.{id}').match('orders.42')).toEqual({ key: 'orders.42', id: '42' });
    expect(new KeyPattern('orders.{id}').match('orders.eu.42')).toBeUndefined();
    expect(new KeyPattern('orders/{region}/{id}').match('orders/eu/42')).toEqual({
      key: 'orders/eu/42',
      region: 'eu',
      id: '42',
    });
    expect(new KeyPattern('a.{rest+}').match('a.b.c')).toEqual({ key: 'a.b.c', rest: 'b.c' });
  });

  it('treats everything else literally (no regex injection)', () => {
    expect(new KeyPattern('o+.{id}').match('o+.1')).toEqual({ key: 'o+.1', id: '1' });
    expect(new KeyPattern('o+.{id}').match('oo.1')).toBeUndefined();
    expect(new KeyPattern('x').match('x')).toEqual({ key: 'x' });
  });

  it('refuses stray braces, repeated names and the reserved {key}', () => {
    expect(() => new KeyPattern('orders.{id')).toThrow(/brace/);
    expect(() => new KeyPattern('{a}.{a}')).toThrow(/twice/);
    expect(() => new KeyPattern('{key}')).toThrow(/reserved/);
  });
});

describe('Template', () => {
  it('renders variables and literal text', () => {
    expect(new Template('order:{id}').render({ id: '42' })).toBe('order:42');
    expect(new Template('{a}-{b}-{a}').render({ a: '1', b: '2' })).toBe('1-2-1');
    expect(new Template('static').render({})).toBe('static');
  });

  it('names variables no pattern defines', () => {
    const pattern = new KeyPattern('orders.{id}');
    expect(unknownVariables(new Template('o:{id}:{key}'), pattern)).toEqual([]);
    expect(unknownVariables(new Template('o:{region}'), pattern)).toEqual(['region']);
    expect(unknownVariables(new Template('o:{key}'), undefined)).toEqual([]);
  });

  it('refuses bad placeholders', () => {
    expect(() => new Template('o:{}')).toThrow(/variable name/);
    expect(() => new Template('o:{a b}')).toThrow(/variable name/);
    expect(() => new Template('o:}')).toThrow(/brace/);
  });
});
