module pullguard.bench/go_plugin

go 1.19
