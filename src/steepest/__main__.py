"""`python -m steepest ...`: the same as the `steepest` command."""

from steepest.cli import main

if __name__ == "__main__":
    main()
