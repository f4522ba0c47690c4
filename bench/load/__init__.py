"""Load tool: N signed-in users chatting through the real emulator suite (`python -m bench.load`).

Each simulated user opens the streams the desktop client opens (its `userChats/{uid}` list,
one open chat's `messages/{chatId}`, presence `status/`) and posts messages straight to
`messages/{chatId}` under the repository's database.rules.json. The report gives send ->
delivery latency percentiles, errors, and the CPU and memory of the suite and of the load
generator itself, as text and as a PNG plot in bench/out/.
"""
