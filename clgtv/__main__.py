from clgtv.cli import cli

cli()
