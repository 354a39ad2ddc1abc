"""Pure rules and models. No framework, no I/O, no clock: time comes in as an argument."""
