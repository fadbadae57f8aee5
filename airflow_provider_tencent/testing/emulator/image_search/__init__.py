"""Image Search (the API's ``tiia``) 2019-05-29: :mod:`.models` (galleries, pictures, rules),
:mod:`.responses` (parameter types and answer shapes), :mod:`.pictures` and :mod:`.search` (their helpers)."""
