// A logging server on Node's ws library, speaking lesson 1's protocol, for
// checking that the Go client of lesson 1 talks to Node servers.
//
//   node logging-server.mjs [-addr localhost:5405]
import { WebSocketServer } from 'ws';
import { flag, hostAndPort } from './flags.mjs';

const server = new WebSocketServer(hostAndPort(flag('addr', 'localhost:5405')));

server.on('listening', () => {
  const { address, port } = server.address();
  console.log(`Listening on ws://${address}:${port}`);
});
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
