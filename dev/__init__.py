"""Repository tooling (not shipped in the wheel): the dags-test runner and the demo."""
