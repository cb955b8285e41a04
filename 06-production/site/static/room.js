// The room page: one WebSocket to /ws on this same site. The browser sends
// the session cookie with the handshake by itself; the page never sees it
// (HttpOnly), and needs no token.
const log = document.getElementById("log");
const status = document.getElementById("status");
const box = document.getElementById("message");

function show(type, text) {
  const li = document.createElement("li");
  li.dataset.type = type;
  li.textContent = text; // text, never HTML: a message cannot inject markup
  log.append(li);
  li.scrollIntoView({ block: "end" });
}

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

const url = new URL("/ws", location.href);
url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(url);

socket.onopen = () => setStatus("open", "Connected");
socket.onmessage = (event) => {
  const message = JSON.parse(event.data);
  show(message.type, message.payload);
};
socket.onclose = (event) => {
  // A refused handshake (401, 403, 503) shows up here as 1006: the browser
  // does not tell a page why. Reloading finds out (a 401 leads to sign-in).
  setStatus("closed", `Disconnected (${event.code}); reload to come back`);
};

document.getElementById("send").addEventListener("submit", (event) => {
  event.preventDefault();
  if (socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: "broadcast", payload: box.value }));
  show("mine", box.value);
  box.value = "";
});
