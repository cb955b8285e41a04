// Lesson 7: lesson 3's page, in one room of many, resuming where it left
// off after a reconnect. What changed from lesson 3: the room picker, and
// lastSeq, the largest seq this page has shown, sent back as ?since= when
// it reconnects, so the server replays what the page missed.
//
// Lesson 3's notes on the browser's WebSocket API follow.
//
// The browser's WebSocket API works like the ws library in the notebook and
// like the lesson-2 Go client: open a connection, then react to its events.
//
//   open     the handshake succeeded; from now on we may send.
//   message  the server sent a message (here always one JSON object).
//   close    the connection has ended, cleanly or not. Always comes last.
//   error    something went wrong. The browser says nothing about what (a
//            page must not learn details about the network), and a close
//            event always follows, so that is where we act.
//
// The Go client has the same parts with other names: dial is connect() here,
// its reader goroutine is the message listener, send is send(). What the
// browser adds is the loop around them: when the connection drops, wait a
// little and connect again.
'use strict';

// Reconnecting: wait firstDelay after the first failure, twice as long after
// each further one, never longer than maxDelay. Doubling keeps a page from
// hammering a server that is down; the cap keeps it from waiting for ages
// once the server is back.
const firstDelay = 500; // milliseconds
const maxDelay = 15000;

const statusEl = document.getElementById('status');
const logEl = document.getElementById('log');
const form = document.getElementById('composer');
const input = document.getElementById('message');
const picker = document.getElementById('picker');
const roomInput = document.getElementById('room');

// The room comes from the address (#lobby); lobby if there is none.
let room = location.hash.slice(1) || 'lobby';
// lastSeq is the largest seq shown in this room, null before the first
// event. Every event the page has shown is at or below it, so resuming
// from it brings each missed event once and nothing twice.
let lastSeq = null;

let socket = null;       // the current connection; null while we wait to reconnect
let failures = 0;        // connection attempts that failed in a row
let wasConnected = false; // has this page ever been connected?
let outageNoted = false;  // has the log already said the connection is gone?

// The room's WebSocket lives on the same server as the page, at
// /rooms/ROOM. Using the page's own host keeps the Origin check on the
// server happy, and wss: follows https: if the page is ever served over TLS.
function socketURL() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const since = lastSeq === null ? '' : `?since=${lastSeq}`;
  return `${scheme}//${location.host}/rooms/${encodeURIComponent(room)}${since}`;
}

// connect opens a connection and wires up its four events.
function connect() {
  setStatus('connecting', wasConnected ? 'Reconnecting…' : 'Connecting…');
  const ws = new WebSocket(socketURL());
  socket = ws;

  ws.addEventListener('open', () => {
    failures = 0;
    outageNoted = false;
    setStatus('open', 'Connected');
    note(wasConnected ? `Reconnected to room ${room}.` : `Connected to room ${room}.`);
    wasConnected = true;
  });

  ws.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      note('The server sent something that is not JSON; ignored.');
      return;
    }
    receive(message);
  });

  ws.addEventListener('error', () => {
    // Nothing to show here: the close event that follows has the code.
    console.warn('WebSocket error; a close event follows');
  });

  ws.addEventListener('close', (event) => {
    if (socket !== ws) {
      return; // a connection we left for another room
    }
    socket = null;
    reconnectLater(event);
  });
}

// receive shows one event and remembers its seq. room:joined says where
// the page now stands (it is shown only the first time: after a reconnect
// the replay before it is what matters); history:truncated says some
// events we missed are gone for good.
function receive(message) {
  if (typeof message.seq === 'number' && (lastSeq === null || message.seq > lastSeq)) {
    lastSeq = message.seq;
  }
  switch (message.type) {
    case 'room:joined':
      if (joinedNoted !== room) {
        note(`${message.payload} in room ${room}.`);
        joinedNoted = room;
      }
      break;
    case 'history:truncated':
      note('Some messages sent while you were away are no longer kept.');
      break;
    default:
      show(message.type, message.payload);
  }
}

let joinedNoted = null; // the room whose room:joined was shown
let retryTimer = null;  // the pending reconnect, if any

// switchRoom leaves the current room for name: a fresh log, no seq to
// resume from, and a new connection.
function switchRoom(name) {
  room = name;
  lastSeq = null;
  wasConnected = false;
  failures = 0;
  logEl.replaceChildren();
  roomInput.value = room;
  if (location.hash.slice(1) !== room) {
    location.hash = room;
  }
  clearTimeout(retryTimer); // a reconnect to the old room is no longer wanted
  const old = socket;
  socket = null; // its close event is ignored
  if (old !== null) {
    old.close(1000);
  }
  picker.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = roomInput.value.trim();
  if (name !== room) {
    switchRoom(name);
  }
});

roomInput.value = room;
connect();
}

// send broadcasts text to everyone else in the room. The server never sends
// our own message back to us, so we show it ourselves.
function send(text) {
  if (socket === null || socket.readyState !== WebSocket.OPEN) {
    note('Not connected: your message was not sent.');
    return false;
  }
  socket.send(JSON.stringify({ type: 'broadcast', payload: text }));
  show('mine', text);
  return true;
}

// reconnectLater waits with exponential backoff and jitter, counting down in
// the status pill, then connects again.
function reconnectLater(closeEvent) {
  const delay = backoff(failures);
  failures++;
  if (!outageNoted) {
    outageNoted = true;
    const what = wasConnected ? 'Connection lost' : 'Could not connect';
    note(`${what} (${describeClose(closeEvent)}). Reconnecting with backoff…`);
  }
  const connectAt = Date.now() + delay;
  const countdown = () => {
    const left = connectAt - Date.now();
    if (left <= 0) {
      picker.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = roomInput.value.trim();
  if (name !== room) {
    switchRoom(name);
  }
});

roomInput.value = room;
connect();
      return;
    }
    setStatus('waiting', `Reconnecting in ${Math.ceil(left / 1000)}s…`);
    // Wake up when the number of seconds shown changes, or when it is time.
    retryTimer = setTimeout(countdown, left % 1000 || 1000);
  };
  countdown();
}

// backoff returns how long to wait after n failures in a row. The ceiling
// doubles with each failure; the wait is a random point in its upper half.
// That randomness (jitter) matters when a server restarts: a thousand pages
// lost it at the same moment, and without jitter they would all come back at
// the same moment too, again and again.
function backoff(n) {
  const ceiling = Math.min(maxDelay, firstDelay * 2 ** n);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

// describeClose turns a close event into a few words. 1006 is not sent by
// anyone: the browser reports it when the connection ended without a close
// frame (server killed, network gone, or never reached at all).
function describeClose(event) {
  const known = {
    1000: 'closed normally',
    1001: 'the server is going away',
    1006: 'no close frame: the connection dropped or never opened',
    1008: 'refused by policy',
    1009: 'message too big',
    1013: 'server busy, try again later',
  };
  const words = event.reason || known[event.code] || 'closed';
  return `${words}, code ${event.code}`;
}

// Labels of the entries that show who said something.
const speakers = { broadcast: 'Someone', mine: 'You' };

// show appends one entry to the log. type is the message type from the
// server (client:connected, broadcast, client:disconnected), or 'mine' for
// what we sent, or 'notice' for what this page itself has to say.
function show(type, text) {
  const item = document.createElement('li');
  item.className = 'entry';
  item.dataset.type = type;
  if (type in speakers) {
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = speakers[type];
    item.append(who);
  }
  const body = document.createElement('span');
  body.className = 'text';
  // textContent, never innerHTML: the text comes from other people. As HTML
  // it could run their script in this page (cross-site scripting).
  body.textContent = String(text);
  item.append(body);
  logEl.append(item);
  item.scrollIntoView({ block: 'end' });
}

function note(text) {
  show('notice', text);
}

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

// Enter in the input submits the form, as does the button.
form.addEventListener('submit', (event) => {
  event.preventDefault(); // stay on the page
  const text = input.value.trim();
  if (text !== '' && send(text)) {
    input.value = '';
  }
  input.focus();
});

picker.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = roomInput.value.trim();
  if (name !== room) {
    switchRoom(name);
  }
});

roomInput.value = room;
connect();
