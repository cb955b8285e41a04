// Go-style flags for the Node programs (-url ws://…, -addr host:port,
// -step 50ms), so that the scripts start them exactly like the Go ones.

// flag returns the value after -name on the command line, or fallback.
export function flag(name, fallback) {
  const at = process.argv.indexOf(`-${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

// milliseconds reads a Go duration such as "50ms" or "1.5s".
export function milliseconds(text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (!match) throw new Error(`${text} is not a duration such as 50ms or 1.5s`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

// hostAndPort splits "localhost:5405" (an empty host means every interface).
export function hostAndPort(addr) {
  const colon = addr.lastIndexOf(':');
  return { host: addr.slice(0, colon) || undefined, port: Number(addr.slice(colon + 1)) };
}
