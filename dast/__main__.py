from dast.cli.app import main

main()
