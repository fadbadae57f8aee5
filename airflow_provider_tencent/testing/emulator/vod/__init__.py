"""VOD 2018-07-17 (AIGC subjects and generation tasks): :mod:`.models` (state and rules, with the task rules of
:mod:`.aigc_rules`) and :mod:`.responses` (parameter types and answer shapes, with :mod:`.aigc_fields`)."""
