from scendsl.cli import run

run()
