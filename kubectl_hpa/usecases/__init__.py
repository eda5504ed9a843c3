"""One module per verb between the CLI and the rest: each reads its inputs, asks the core, and returns one
typed result that the CLI hands to a formatter (krr's Runner idea). Nothing here prints or exits."""
