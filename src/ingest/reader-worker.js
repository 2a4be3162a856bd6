// @ts-check
// The thread that reads ingestion request bodies (docs/adr/0011-reader-thread.md): it parses the
// JSON, validates and normalises each alert and serialises the valid ones for the journal, so
// that under an alert storm this work runs on a second core instead of the event loop. Plain
// JavaScript that loads the TypeScript adapters through tsx, as bin/vigil does (worker threads do
// not inherit the loader of the thread that started them).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

const port = parentPort;
if (!port) throw new Error('reader-worker must run as a worker thread');
register();
const { readBody } = await import('./read-body.ts');

port.on('message', (/** @type {{ id: number, body: import('./read-body.ts').BodyToRead }} */ msg) => {
  try {
    port.postMessage({ id: msg.id, outcome: readBody(msg.body) });
  } catch (err) {
    port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
port.postMessage({ id: 0, ready: true });
