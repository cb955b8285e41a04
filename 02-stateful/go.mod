module example.com/wstutorial/02-stateful

go 1.26.0

require github.com/gorilla/websocket v1.5.3

replace example.com/wstutorial/progtest => ../progtest
