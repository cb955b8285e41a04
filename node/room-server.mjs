// The notebook's stateful server, rewritten for this project as the Node
// side of scripts/bench.sh and of the interop tests (progtest/interop_test.go).
// It speaks the same protocol with the same `ws` package: every connection
// gets the next id, and every other client hears when someone connects
// ("client:connected"), broadcasts ("broadcast") or disconnects
// ("client:disconnected").
//
//   node room-server.mjs                       listens on localhost:5406
//   node room-server.mjs -addr 127.0.0.1:0     any free port; the address is printed
//
// Two small departures keep the comparison about Go and Node rather than
// about the notebook's shortcuts: a broadcast is encoded once, not once per
// recipient, and a message that is not JSON is ignored instead of crashing
// the process. Like the notebook's server, it prints nothing per message.

import { WebSocketServer } from 'ws';
import { flag, hostAndPort } from './flags.mjs';

const SHUTDOWN_GRACE_MS = 1000; // how long clients get to answer our close frame

function fail(message) {
  console.error(`room-server: ${message}`);
  process.exit(1);
}

const { host, port } = hostAndPort(flag('addr', 'localhost:5406'));
const wss = new WebSocketServer({ host, port });
const clients = new Map(); // id → socket, everyone connected now
let lastId = 0;

// tellOthers sends message to every client except the one with id fromId.
// The JSON text is made once and shared by all the sends.
function tellOthers(fromId, message) {
  const data = Buffer.from(JSON.stringify(message));
  for (const [id, socket] of clients) {
    if (id !== fromId) {
      socket.send(data, { binary: false });
    }
  }
}

wss.on('listening', () => {
  const { address, family, port: actual } = wss.address();
  const shown = family === 'IPv6' ? `[${address}]` : address;
  console.log(`Listening on ws://${shown}:${actual}`);
});

wss.on('error', (err) => fail(err.message));

wss.on('connection', (socket) => {
  const id = ++lastId;
  clients.set(id, socket);
  tellOthers(id, { type: 'client:connected', payload: `Client ${id} connected` });

  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      return;
    }
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message?.type === 'broadcast') {
      tellOthers(id, { type: 'broadcast', payload: message.payload });
    }
  });

  socket.on('close', () => {
    clients.delete(id);
    tellOthers(id, { type: 'client:disconnected', payload: `Client ${id} disconnected` });
  });

  // A protocol error from one client ends that connection ('close' follows);
  // without a listener it would end the whole process.
  socket.on('error', () => {});
});

// On Ctrl-C or SIGTERM every client gets close code 1001 (going away), and
// the process exits once they are gone, or after a short grace period.
function shutdown() {
  for (const socket of clients.values()) {
    socket.close(1001, 'server shutting down');
  }
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
