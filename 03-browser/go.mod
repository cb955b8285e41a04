module example.com/wstutorial/03-browser

go 1.26.0

require example.com/wstutorial/02-stateful v0.0.0

replace (
	example.com/wstutorial/02-stateful => ../02-stateful
	example.com/wstutorial/progtest => ../progtest
)
