"""STS 2018-08-13 (temporary keys): :mod:`.models` (rules, keys issued into the emulator's key store) and
:mod:`.responses` (parameter types and answer shapes)."""
