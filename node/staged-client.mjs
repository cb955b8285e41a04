// Lesson 2's staged script on Node's ws library, for checking that the Go
// room serves Node clients. Like the Go client it waits for each step's
// event, not only for time to pass, so its transcript never varies.
//
//   node staged-client.mjs [-url ws://localhost:5406] [-step 1.5s]
import WebSocket from 'ws';
import { flag, milliseconds } from './flags.mjs';

const url = flag('url', 'ws://localhost:5406');
const step = milliseconds(flag('step', '1.5s'));
const deliveryTimeout = 5000;

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// join opens a connection named `name`, prints what it receives, and resolves
// once the connection is open. expect(type) resolves when a message of that
// type has arrived (now or earlier).
function join(name) {
  const socket = new WebSocket(url);
  const seen = new Set();
  const waiting = new Map();
  socket.on('message', (data) => {
    const message = JSON.parse(data);
    console.log(`${name} received ${message.type} message: ${message.payload}`);
    seen.add(message.type);
    waiting.get(message.type)?.();
  });
  const expect = (type) => new Promise((resolve, reject) => {
    if (seen.has(type)) return resolve();
    const timer = setTimeout(() => reject(new Error(`${name} received no ${type} message`)), deliveryTimeout);
    waiting.set(type, () => { clearTimeout(timer); resolve(); });
  });
  const leave = () => new Promise((resolve) => { socket.once('close', resolve); socket.close(1000); });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, expect, leave }));
    socket.once('error', (err) => reject(new Error(`cannot connect to ${url}: ${err.message}`)));
  });
}

try {
  console.log('Starting up');
  const client1 = await join('Client 1');
  await pause(step);
  const client2 = await join('Client 2');
  client2.socket.send(JSON.stringify({ type: 'broadcast', payload: 'Hello' }));
  await pause(step);
  await client1.expect('broadcast');
  await client1.leave();
  await pause(step);
  await client2.expect('client:disconnected');
  await client2.leave();
  console.log('Shutting down');
} catch (err) {
  console.error(`staged-client: ${err.message}`);
  process.exit(1);
}
