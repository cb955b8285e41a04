module example.com/wstutorial/02-stateful

go 1.26.0

require github.com/gorilla/websocket v1.5.3

require (
	example.com/wstutorial/progtest v0.0.0
	go.uber.org/goleak v1.3.0
)

replace example.com/wstutorial/progtest => ../progtest
