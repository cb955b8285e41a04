// A one-shot client on Node's ws library, for checking that the Go server of
// lesson 1 serves Node clients: connect, say hello, close.
//
//   node hello-client.mjs [-url ws://localhost:5405]
import WebSocket from 'ws';
import { flag } from './flags.mjs';

const url = flag('url', 'ws://localhost:5405');
const socket = new WebSocket(url);

socket.on('open', () => {
  socket.send('Hello from hello-client.mjs');
  socket.close(1000);
});
socket.on('error', (err) => {
  console.error(`hello-client: cannot talk to ${url}: ${err.message}`);
  process.exitCode = 1;
});
