"""One module per subcommand, each with ``run(name, args) -> exit code``. `cli.py` imports a
module only when its subcommand runs. Headless ones print rich tables on a terminal and one JSON
object with --json; they run the same jobs (app/jobs/) the screens run."""
