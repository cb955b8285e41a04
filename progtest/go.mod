module example.com/wstutorial/progtest

go 1.26.0
