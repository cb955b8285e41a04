module example.com/wstutorial/05-performance

go 1.26.0

replace (
	example.com/wstutorial/02-stateful => ../02-stateful
	example.com/wstutorial/progtest => ../progtest
)

require (
	example.com/wstutorial/02-stateful v0.0.0-00010101000000-000000000000
	example.com/wstutorial/progtest v0.0.0
	github.com/gorilla/websocket v1.5.3
	go.uber.org/goleak v1.3.0
	golang.org/x/sys v0.50.0
	golang.org/x/time v0.16.0
)
