def run_repl(compiler="cpython"): return 0
