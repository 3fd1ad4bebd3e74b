from talon.cli import main

main()
