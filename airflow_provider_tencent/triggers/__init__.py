"""Triggers: waits that run in the Airflow triggerer."""
