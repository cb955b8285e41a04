// Package deflate measures permessage-deflate (RFC 7692), the WebSocket
// extension that compresses each message, as gorilla/websocket offers it:
// what it saves on the wire, what it costs the server in CPU time, and what
// it costs in memory per connection, idle and busy.
//
// Everything is in the package's tests and benchmarks; the package itself
// holds no code. The figures and the advice that follows from them are in
// the lesson's README, section "Compression (permessage-deflate)":
//
//	go test -run '^$' -bench 'Write|Read' -benchtime 20000x -count 5 ./05-performance/deflate
//	go test -run '^$' -bench 'Context|Connection' -benchtime 3x ./05-performance/deflate
package deflate
