// A logging server on Node's ws library, speaking lesson 1's protocol, for
// checking that the Go client of lesson 1 talks to Node servers.
//
//   node logging-server.mjs [port]
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 5405);
const server = new WebSocketServer({ host: '127.0.0.1', port });

server.on('listening', () => console.log(`Listening on ws://127.0.0.1:${server.address().port}`));
server.on('error', (err) => {
  console.error(`logging-server: ${err.message}`);
  process.exit(1);
});
server.on('connection', (socket) => {
  console.log('New client connected');
  socket.on('message', (data) => console.log(`Server received: ${data}`));
});
process.on('SIGINT', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
