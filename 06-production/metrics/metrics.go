// Package metrics is what the lesson-6 server tells Prometheus about itself:
// how many clients it has, how many it turned away and why, how many
// messages go through it and how long they wait.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Why a handshake was refused: the values of the reason label.
const (
	RefusedOrigin       = "origin"        // 403: a page from a foreign site
	RefusedUnauthorized = "unauthorized"  // 401: no valid session or token
	RefusedFull         = "full"          // 503: the connection cap is reached
	RefusedHandshake    = "bad_handshake" // 400: not a valid WebSocket handshake
	RefusedClosing      = "closing"       // the room is shutting down
)

// Metrics holds every metric of the server, registered in a registry of its
// own rather than Prometheus's global one, so that a test can run several
// servers in one process.
type Metrics struct {
	registry *prometheus.Registry

	Connections   prometheus.Gauge
	MaxConns      prometheus.Gauge
	Refused       *prometheus.CounterVec
	MessagesIn    prometheus.Counter
	MessagesOut   prometheus.Counter
	DroppedSlow   prometheus.Counter
	Queued        prometheus.Gauge
	HandshakeTime prometheus.Histogram
	DeliveryTime  prometheus.Histogram
}

// New returns the server's metrics, all at zero, and the Go runtime's and the
// process's own (memory, goroutines, open files).
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		Connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chat_connections",
			Help: "WebSocket clients connected now.",
		}),
		MaxConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chat_connections_max",
			Help: "The connection cap (-max-conns), to alert on before it is reached.",
		}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_handshakes_refused_total",
			Help: "WebSocket handshakes refused, by reason.",
		}, []string{"reason"}),
		MessagesIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_received_total",
			Help: "Broadcasts received from clients.",
		}),
		MessagesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_messages_sent_total",
			Help: "Messages written to clients (broadcasts and notices).",
		}),
		DroppedSlow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chat_clients_dropped_slow_total",
			Help: "Clients disconnected because their send queue was full.",
		}),
		Queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chat_send_queue_messages",
			Help: "Messages waiting in all clients' send queues.",
		}),
		HandshakeTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chat_handshake_seconds",
			Help:    "Time from a handshake request to the client joining the room.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9), // 100µs to 6.5s
		}),
		DeliveryTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "chat_delivery_seconds",
			Help:    "Time from a message entering the room to its write to one client.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9),
		}),
	}
	m.registry.MustRegister(
		m.Connections, m.MaxConns, m.Refused, m.MessagesIn, m.MessagesOut, m.DroppedSlow,
		m.Queued, m.HandshakeTime, m.DeliveryTime,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Every reason shows from the start, at 0: an alert on a rate of
	// refusals needs the series to exist before the first one.
	for _, reason := range []string{RefusedOrigin, RefusedUnauthorized, RefusedFull, RefusedHandshake, RefusedClosing} {
		m.Refused.WithLabelValues(reason)
	}
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
