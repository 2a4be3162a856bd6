// @ts-check
// The thread that reads ingestion request bodies (docs/adr/0011-reader-thread.md): it parses the
// JSON, validates and normalises each alert, keys it by group and serialises it for the journal,
// so that under an alert storm this work runs on a second core instead of the event loop. Plain
// JavaScript that loads the TypeScript sources through tsx, as bin/vigil does (worker threads do
// not inherit the loader of the thread that started them).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

const port = parentPort;
if (!port) throw new Error('reader-worker must run as a worker thread');
register();
const { readBody } = await import('./read-body.ts');
const { groupKeyOfConfig } = await import('./config-groups.ts');
const config = /** @type {{ file: string, text: string }} */ (workerData);
const groupOf = groupKeyOfConfig(config.file, config.text);

port.on('message', (/** @type {{ id: number, body: import('./read-body.ts').BodyToRead }} */ msg) => {
  try {
    port.postMessage({ id: msg.id, outcome: readBody(msg.body, groupOf) });
  } catch (err) {
    port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
  }
});
port.postMessage({ id: 0, ready: true });
