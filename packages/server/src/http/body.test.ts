import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonBody, readRawBody } from './body.ts';

/** A request whose body arrives in the given chunks. */
function request(chunks: Buffer[], contentType = 'application/json'): IncomingMessage {
  const req = Object.assign(new PassThrough(), {
    headers: { 'content-type': contentType },
    complete: false,
    socket: { destroy() {} },
  });
  setImmediate(() => {
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
  return req as unknown as IncomingMessage;
}

// What discard() uses of an answer (a refused body is drained, then the connection closed).
const res = new EventEmitter() as unknown as ServerResponse;

describe('readJsonBody', () => {
  const text = JSON.stringify({ data: { word: 'été €', n: [1, 2, 3] } });
  const bytes = Buffer.from(text);

  it('reads a body that comes in one chunk, or in many (a character split between two of them)', async () => {
    const split = bytes.indexOf(Buffer.from('€')) + 1; // inside the 3 bytes of "€"
    for (const chunks of [
      [bytes],
      [bytes.subarray(0, split), bytes.subarray(split)],
      [...bytes].map((b) => Buffer.of(b)),
    ]) {
      expect(await readJsonBody(request(chunks), res, 1024)).toEqual(JSON.parse(text));
    }
  });

  it('refuses invalid JSON and invalid UTF-8 with 400, and a body over the limit with 413', async () => {
    await expect(readJsonBody(request([bytes.subarray(0, 10)]), res, 1024)).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(readJsonBody(request([Buffer.of(0x22, 0xff, 0x22)]), res, 1024)).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(readJsonBody(request([bytes, bytes]), res, bytes.length + 1)).rejects.toMatchObject({
      code: 'too_large',
    });
  });

  it('takes application/json with parameters and +json types; refuses other types with 415', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json']) {
      expect(await readJsonBody(request([bytes], type), res, 1024)).toEqual(JSON.parse(text));
    }
    await expect(readJsonBody(request([bytes], 'text/plain'), res, 1024)).rejects.toMatchObject({
      code: 'unsupported_media_type',
    });
  });
});

describe('readRawBody', () => {
  it('gives the bytes as sent, from one chunk or many', async () => {
    const bytes = Buffer.from('0123456789');
    expect(await readRawBody(request([bytes]), res, 100)).toEqual(bytes);
    expect(await readRawBody(request([bytes.subarray(0, 3), bytes.subarray(3)]), res, 100)).toEqual(bytes);
    expect(await readRawBody(request([]), res, 100)).toEqual(Buffer.alloc(0));
  });
});
