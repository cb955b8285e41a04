module example.com/wstutorial/01-simple

go 1.26.0

require (
	example.com/wstutorial/progtest v0.0.0-00010101000000-000000000000
	github.com/gorilla/websocket v1.5.3
)

replace example.com/wstutorial/progtest => ../progtest
