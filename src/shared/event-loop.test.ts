import { describe, expect, it } from 'vitest';
import { yieldToEventLoop } from './event-loop.ts';

describe('yieldToEventLoop', () => {
  it('lets callbacks already waiting on the event loop run before the computation goes on', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('waiting callback'));
    order.push('before');
    await yieldToEventLoop();
    order.push('after');
    expect(order).toEqual(['before', 'waiting callback', 'after']);
  });

  it('a computation that never yields keeps such a callback waiting until it ends', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('waiting callback'));
    await Promise.resolve(); // a microtask is not a turn of the event loop
    order.push('after');
    expect(order).toEqual(['after']);
    await yieldToEventLoop();
    expect(order).toEqual(['after', 'waiting callback']);
  });
});
