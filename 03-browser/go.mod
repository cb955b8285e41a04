module example.com/wstutorial/03-browser

go 1.26.0

require (
	example.com/wstutorial/02-stateful v0.0.0
	example.com/wstutorial/progtest v0.0.0
	github.com/chromedp/chromedp v0.23.0
	github.com/gorilla/websocket v1.5.3
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	golang.org/x/time v0.16.0 // indirect
)

replace (
	example.com/wstutorial/02-stateful => ../02-stateful
	example.com/wstutorial/progtest => ../progtest
)
