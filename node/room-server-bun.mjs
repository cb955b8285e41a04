// The room's server for Bun (https://bun.sh), the fastest WebSocket server a
// JavaScript programmer is likely to pick: Bun.serve runs on uWebSockets, a
// C++ library, and its topics frame a published message once and send it to
// every subscriber. It speaks the same protocol as room-server.mjs and the
// Go lessons, and is the fast reference of scripts/bench.sh.
//
//   bun room-server-bun.mjs                      listens on localhost:5406
//   bun room-server-bun.mjs -addr 127.0.0.1:0    any free port; the address is printed
//
// ws.publish sends to every subscriber but ws itself, which is exactly the
// room's "everyone but the sender". Like room-server.mjs it ignores what is
// not a broadcast and prints nothing per message.

import { flag, hostAndPort } from './flags.mjs';

const ROOM = 'room'; // the one topic every client subscribes to
const SHUTDOWN_GRACE_MS = 1000; // how long clients get to answer our close frame

const { host, port } = hostAndPort(flag('addr', 'localhost:5406'));
const sockets = new Set(); // everyone connected, to say goodbye on Ctrl-C
let lastId = 0;

const notice = (type, id) => JSON.stringify({ type, payload: `Client ${id} ${type.slice(7)}` });

let server;
try {
  server = Bun.serve({
    hostname: host,
    port,
    fetch(req, srv) {
      if (srv.upgrade(req, { data: { id: ++lastId } })) {
        return undefined;
      }
      return new Response('this is a WebSocket server', { status: 400 });
    },
    websocket: {
      open(ws) {
        sockets.add(ws);
        ws.publish(ROOM, notice('client:connected', ws.data.id));
        ws.subscribe(ROOM);
      },
      message(ws, data) {
        if (typeof data !== 'string') {
          return;
        }
        let message;
        try {
          message = JSON.parse(data);
        } catch {
          return;
        }
        if (message?.type === 'broadcast') {
          ws.publish(ROOM, JSON.stringify({ type: 'broadcast', payload: message.payload }));
        }
      },
      close(ws) {
        sockets.delete(ws);
        server.publish(ROOM, notice('client:disconnected', ws.data.id));
      },
    },
  });
} catch (err) {
  console.error(`room-server-bun: ${err.message}`);
  process.exit(1);
}
console.log(`Listening on ws://${server.hostname}:${server.port}`);

// On Ctrl-C or SIGTERM every client gets close code 1001 (going away).
function shutdown() {
  for (const ws of sockets) {
    ws.close(1001, 'server shutting down');
  }
  setTimeout(() => {
    server.stop(true);
    process.exit(0);
  }, SHUTDOWN_GRACE_MS);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
