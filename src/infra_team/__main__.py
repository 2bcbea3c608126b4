from infra_team.cli import main

main()
