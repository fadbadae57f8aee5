"""Apache Airflow provider for Tencent Cloud."""

__version__ = "0.1.0"
